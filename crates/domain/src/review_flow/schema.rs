//! The review-flow types' OpenAPI schemas, where the derived ones would say less than the server checks.

use super::{Approver, GlobalPermission, Stage};

impl utoipa::PartialSchema for Stage {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::ToSchema;
        use utoipa::openapi::Ref;
        use utoipa::openapi::schema::{AdditionalProperties, ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema};
        let stage = |key: &str| {
            let approvers = ArrayBuilder::new()
                .items(Ref::from_schema_name(Approver::name()))
                .min_items(Some(1));
            ObjectBuilder::new()
                .property(key, approvers)
                .required(key)
                .additional_properties(Some(AdditionalProperties::<Schema>::FreeForm(false)))
        };
        OneOfBuilder::new()
            .item(stage("all"))
            .item(stage("any"))
            .description(Some(
                "One stage of a manual review: `any` — one approval from any listed approver suffices; `all` — \
                 every listed approver must approve. Stricter than Immuta's document: at least one approver.",
            ))
            .into()
    }
}

impl utoipa::ToSchema for Stage {
    fn schemas(schemas: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>) {
        use utoipa::PartialSchema;
        schemas.push((Approver::name().into(), Approver::schema()));
        <Approver as utoipa::ToSchema>::schemas(schemas);
    }
}

/// The global permissions an approver may be named by, as the reference lists them: all but `APPLICATION_ADMIN`
/// (for the OpenAPI document).
pub struct ApproverPermission;

impl utoipa::PartialSchema for ApproverPermission {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        let allowed = GlobalPermission::ALL
            .iter()
            .filter(|permission| **permission != GlobalPermission::ApplicationAdmin)
            .map(|permission| permission.as_str());
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(allowed))
            .description(Some("Global permission"))
            .into()
    }
}

impl utoipa::ToSchema for ApproverPermission {}
