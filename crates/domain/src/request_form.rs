//! Request forms: the questions a requester answers, and the rules they follow.

use crate::Timestamp;
use crate::ids::{AgreementId, FormId, GlobalUserId};
use crate::review_flow::ReviewFlow;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use uuid::Uuid;

/// The only label an access-duration question may have (the reference fixes it).
pub const ACCESS_DURATION_LABEL: &str = "How long do you need access to this data?";
/// The longest name of a form, agreement or product.
pub const MAX_NAME: usize = 255;

/// A request form exactly as one save left it: what `GET /api/request-form/version/{version}` answers forever,
/// and what a request made under it recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct FormSnapshot {
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub id: FormId,
    pub name: String,
    pub fields: Vec<FormField>,
    pub policy: ReviewFlow,
    pub data_use_agreements: Vec<AgreementText>,
    pub created_by: AuditUser,
    pub created_at: Timestamp,
    pub updated_by: AuditUser,
    pub updated_at: Timestamp,
    /// This version's id.
    pub version: String,
}

/// A data use agreement as a form carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgreementText {
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub id: AgreementId,
    pub name: String,
    pub body: String,
}

/// Who created or last changed a form or agreement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AuditUser {
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub global_user_id: GlobalUserId,
    pub name: String,
}

impl AuditUser {
    /// The author of what the deployment creates itself, such as the Standard Request Form.
    pub fn system() -> Self {
        Self {
            global_user_id: GlobalUserId(Uuid::nil()),
            name: "Marketplace".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", deny_unknown_fields)]
pub enum FormField {
    #[serde(rename = "SHORT_ANSWER")]
    ShortAnswer {
        id: Uuid,
        /// Stricter than Immuta's document: must not be blank.
        #[cfg_attr(feature = "openapi", schema(min_length = 1, pattern = r"[^\s\u0085]"))]
        label: String,
        #[serde(default = "required_by_default")]
        required: bool,
    },
    /// Exactly one of the options.
    #[serde(rename = "DROPDOWN")]
    Dropdown {
        id: Uuid,
        /// Stricter than Immuta's document: must not be blank.
        #[cfg_attr(feature = "openapi", schema(min_length = 1, pattern = r"[^\s\u0085]"))]
        label: String,
        #[serde(default = "required_by_default")]
        required: bool,
        /// Stricter than Immuta's document: at least one, no value twice.
        #[cfg_attr(feature = "openapi", schema(min_items = 1))]
        options: Vec<FieldOption>,
    },
    /// Any number of the options.
    #[serde(rename = "CHECKBOXES")]
    Checkboxes {
        id: Uuid,
        /// Stricter than Immuta's document: must not be blank.
        #[cfg_attr(feature = "openapi", schema(min_length = 1, pattern = r"[^\s\u0085]"))]
        label: String,
        #[serde(default = "required_by_default")]
        required: bool,
        /// Stricter than Immuta's document: at least one, no value twice.
        #[cfg_attr(feature = "openapi", schema(min_items = 1))]
        options: Vec<FieldOption>,
    },
    /// How long the requester needs access; always required.
    #[serde(rename = "ACCESS_DURATION")]
    AccessDuration {
        id: Uuid,
        #[cfg_attr(feature = "openapi", schema(value_type = AccessDurationLabel, inline))]
        label: String,
        #[cfg_attr(feature = "openapi", schema(value_type = AlwaysTrue, inline))]
        required: bool,
    },
}

/// The one label of an access-duration question (for the OpenAPI document).
#[cfg(feature = "openapi")]
pub struct AccessDurationLabel;

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for AccessDurationLabel {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some([ACCESS_DURATION_LABEL]))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for AccessDurationLabel {}

/// `true`, the only value an access-duration question's `required` may have (for the OpenAPI document).
#[cfg(feature = "openapi")]
pub struct AlwaysTrue;

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for AlwaysTrue {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::Boolean)
            .enum_values(Some([true]))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for AlwaysTrue {}

fn required_by_default() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FieldOption {
    /// Stricter than Immuta's document: must not be blank.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, pattern = r"[^\s\u0085]"))]
    pub value: String,
}

impl FormField {
    pub fn id(&self) -> Uuid {
        match self {
            FormField::ShortAnswer { id, .. }
            | FormField::Dropdown { id, .. }
            | FormField::Checkboxes { id, .. }
            | FormField::AccessDuration { id, .. } => *id,
        }
    }

    pub fn label(&self) -> &str {
        match self {
            FormField::ShortAnswer { label, .. }
            | FormField::Dropdown { label, .. }
            | FormField::Checkboxes { label, .. }
            | FormField::AccessDuration { label, .. } => label,
        }
    }

    pub fn required(&self) -> bool {
        match self {
            FormField::ShortAnswer { required, .. }
            | FormField::Dropdown { required, .. }
            | FormField::Checkboxes { required, .. }
            | FormField::AccessDuration { required, .. } => *required,
        }
    }
}

/// Everything wrong with a form's questions.
pub fn field_problems(fields: &[FormField]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut ids = HashSet::new();
    let mut durations = 0;
    for (index, field) in fields.iter().enumerate() {
        let path = format!("fields[{index}]");
        if !ids.insert(field.id()) {
            problems.push(format!("{path}.id {} is used by another question", field.id()));
        }
        if field.label().trim().is_empty() {
            problems.push(format!("{path}.label should not be empty"));
        }
        match field {
            FormField::Dropdown { options, .. } | FormField::Checkboxes { options, .. } => {
                if options.is_empty() {
                    problems.push(format!("{path}.options must contain at least 1 elements"));
                }
                let mut values = HashSet::new();
                for option in options {
                    if option.value.trim().is_empty() {
                        problems.push(format!("{path}.options: an option value should not be empty"));
                    } else if !values.insert(option.value.as_str()) {
                        problems.push(format!("{path}.options: `{}` is listed twice", option.value));
                    }
                }
            }
            FormField::AccessDuration { label, required, .. } => {
                durations += 1;
                if label != ACCESS_DURATION_LABEL {
                    problems.push(format!("{path}.label must be \"{ACCESS_DURATION_LABEL}\""));
                }
                if !required {
                    problems.push(format!("{path}.required must be true for an access duration question"));
                }
            }
            FormField::ShortAnswer { .. } => {}
        }
    }
    if durations > 1 {
        problems.push("fields may contain at most one ACCESS_DURATION question".to_owned());
    }
    problems
}

/// Problems with the name of a form or agreement.
pub fn name_problems(name: &str) -> Vec<String> {
    if name.trim().is_empty() {
        vec!["name should not be empty".to_owned()]
    } else if name.chars().count() > MAX_NAME {
        vec![format!("name must be shorter than or equal to {MAX_NAME} characters")]
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(value: serde_json::Value) -> Vec<FormField> {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn a_good_form_has_no_problems() {
        let good = fields(json!([
            {"id": "6f1c1b9e-1111-4a8e-9a51-000000000001", "type": "SHORT_ANSWER", "label": "Why?"},
            {"id": "6f1c1b9e-1111-4a8e-9a51-000000000002", "type": "DROPDOWN", "label": "Team", "options": [{"value": "A"}, {"value": "B"}]},
            {"id": "6f1c1b9e-1111-4a8e-9a51-000000000003", "type": "ACCESS_DURATION", "label": ACCESS_DURATION_LABEL, "required": true}
        ]));
        assert!(field_problems(&good).is_empty());
        assert_eq!(serde_json::to_value(&good).unwrap()[0]["required"], true);
    }

    #[test]
    fn names_each_problem() {
        let bad = fields(json!([
            {"id": "6f1c1b9e-1111-4a8e-9a51-000000000001", "type": "CHECKBOXES", "label": "", "options": []},
            {"id": "6f1c1b9e-1111-4a8e-9a51-000000000001", "type": "DROPDOWN", "label": "x", "options": [{"value": "A"}, {"value": "A"}]},
            {"id": "6f1c1b9e-1111-4a8e-9a51-000000000003", "type": "ACCESS_DURATION", "label": "How long?", "required": false},
            {"id": "6f1c1b9e-1111-4a8e-9a51-000000000004", "type": "ACCESS_DURATION", "label": ACCESS_DURATION_LABEL, "required": true}
        ]));
        let problems = field_problems(&bad);
        assert_eq!(problems.len(), 7, "{problems:?}");
        assert!(problems[0].starts_with("fields[0].label"));
    }

    #[test]
    fn names_are_checked() {
        assert!(name_problems("Standard").is_empty());
        assert_eq!(name_problems(" ").len(), 1);
        assert_eq!(name_problems(&"x".repeat(256)).len(), 1);
    }
}

#[cfg(test)]
mod proptests;
