//! Publishing a data product, changing it, changing its data sources, deleting it.

use super::{ShownProduct, name_taken, product_not_found, require_manager};
use crate::{Actor, App, AppError, Problems};
use marketplace_domain::catalog::{ProductMetadata, product_name_problems};
use marketplace_domain::ids::{FormId, ProductId};
use marketplace_domain::review_flow::{FlowOwner, ReviewFlow};
use marketplace_store::ProductDraft;

/// A product to publish, as its publisher describes it.
pub struct ProductInput {
    /// A client-chosen id, or `None` for a new one.
    pub id: Option<ProductId>,
    pub name: String,
    pub description: Option<String>,
    pub metadata: Option<ProductMetadata>,
    pub domains: Vec<String>,
    pub data_sources: Vec<i64>,
    /// Request forms by id as sent; `None` is the tenant's Standard Request Form.
    pub data_access_form: Option<String>,
    pub masking_exception_form: Option<String>,
    /// `None` is the default flow: a review by the product's managers.
    pub data_access_policy: Option<ReviewFlow>,
    pub masking_exception_policy: Option<ReviewFlow>,
}

/// What changes in a product; `None` keeps what it has (`Some(None)` clears an optional field).
#[derive(Default)]
pub struct ProductChanges {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub metadata: Option<Option<ProductMetadata>>,
    pub suspended: Option<bool>,
    pub domains: Option<Vec<String>>,
    pub data_access_form: Option<String>,
    pub masking_exception_form: Option<String>,
    pub data_access_policy: Option<ReviewFlow>,
    pub masking_exception_policy: Option<ReviewFlow>,
}

/// A request form id as sent (a UUID); anything else names no form.
fn form_id(field: &str, id: Option<String>, problems: &mut Problems) -> Option<FormId> {
    let id = id?;
    match id.parse() {
        Ok(id) => Some(id),
        Err(_) => {
            problems.add(field, format!("{field}: no request form has the id {id}"));
            None
        }
    }
}

/// What is wrong with a product as it would be saved.
fn draft_problems(draft: &ProductDraft, problems: &mut Problems) {
    for message in product_name_problems(&draft.name) {
        problems.add("name", message);
    }
    if draft.domains.is_empty() {
        problems.add("domains", "domains must contain at least 1 elements");
    }
    for (field, flow) in [
        ("dataAccessReviewFlow", &draft.data_access_policy),
        ("maskingExceptionReviewFlow", &draft.masking_exception_policy),
    ] {
        problems.extend(
            flow.problems(field, FlowOwner::Target)
                .into_iter()
                .map(crate::Problem::from_message),
        );
    }
}

impl App {
    /// Publishes a product. `problems` are those the caller found reading the input, reported with the rest.
    pub async fn publish_product(
        &self,
        actor: &Actor,
        input: ProductInput,
        mut problems: Problems,
    ) -> Result<ShownProduct, AppError> {
        let draft = ProductDraft {
            id: input.id,
            name: input.name.trim().to_owned(),
            description: input.description,
            metadata: input.metadata,
            suspended: false,
            domains: input.domains,
            data_access_form_id: form_id("dataAccessRequestFormId", input.data_access_form, &mut problems),
            masking_exception_form_id: form_id(
                "maskingExceptionRequestFormId",
                input.masking_exception_form,
                &mut problems,
            ),
            data_access_policy: input.data_access_policy.unwrap_or_else(ReviewFlow::default_for_target),
            masking_exception_policy: input
                .masking_exception_policy
                .unwrap_or_else(ReviewFlow::default_for_target),
            data_sources: Some(input.data_sources),
        };
        draft_problems(&draft, &mut problems);
        problems.check()?;
        let person = self.person(actor).await?;
        require_manager(&person, &draft.domains)?;
        self.check_expert(actor, draft.metadata.as_ref()).await?;
        let product = self
            .store
            .create_product(actor.tenant_id, draft, actor.user.global_user_id, self.now())
            .await
            .map_err(name_taken)?;
        self.show_product(actor, product).await
    }

    /// Changes what `changes` names. `problems` are those the caller found reading the input.
    pub async fn change_product(
        &self,
        actor: &Actor,
        id: &ProductId,
        changes: ProductChanges,
        mut problems: Problems,
    ) -> Result<ShownProduct, AppError> {
        let current = self.find_product(actor, id).await?;
        let data_access_form = form_id("dataAccessRequestFormId", changes.data_access_form, &mut problems);
        let masking_form = form_id(
            "maskingExceptionRequestFormId",
            changes.masking_exception_form,
            &mut problems,
        );
        let draft = ProductDraft {
            id: None,
            name: changes.name.map(|name| name.trim().to_owned()).unwrap_or(current.name),
            description: changes.description.unwrap_or(current.description),
            metadata: changes.metadata.unwrap_or(current.metadata),
            suspended: changes.suspended.unwrap_or(current.suspended),
            domains: changes.domains.unwrap_or_else(|| current.domains.clone()),
            data_access_form_id: data_access_form.or(Some(current.data_access_form_id)),
            masking_exception_form_id: masking_form.or(Some(current.masking_exception_form_id)),
            data_access_policy: changes.data_access_policy.unwrap_or(current.data_access_policy),
            masking_exception_policy: changes
                .masking_exception_policy
                .unwrap_or(current.masking_exception_policy),
            data_sources: None,
        };
        draft_problems(&draft, &mut problems);
        problems.check()?;
        let person = self.person(actor).await?;
        require_manager(&person, &current.domains)?;
        require_manager(&person, &draft.domains)?;
        self.check_expert(actor, draft.metadata.as_ref()).await?;
        let product = self
            .store
            .update_product(actor.tenant_id, &current.id, draft, actor.user.id, self.now())
            .await
            .map_err(name_taken)?
            .ok_or_else(product_not_found)?;
        self.show_product(actor, product).await
    }

    /// Replaces a product's data sources. `problems` are those the caller found reading the sources.
    pub async fn replace_product_sources(
        &self,
        actor: &Actor,
        id: &ProductId,
        sources: Vec<i64>,
        problems: Problems,
    ) -> Result<ShownProduct, AppError> {
        let product = self.find_product(actor, id).await?;
        problems.check()?;
        require_manager(&self.person(actor).await?, &product.domains)?;
        let product = self
            .store
            .replace_product_sources(actor.tenant_id, &product.id, &sources, actor.user.id, self.now())
            .await?
            .ok_or_else(product_not_found)?;
        self.access_changed(actor.tenant_id).await;
        self.show_product(actor, product).await
    }

    /// Deletes a product; its pending requests are canceled and the access it granted revoked.
    pub async fn delete_product(&self, actor: &Actor, id: &ProductId) -> Result<(), AppError> {
        let product = self.find_product(actor, id).await?;
        require_manager(&self.person(actor).await?, &product.domains)?;
        match self
            .store
            .delete_product(actor.tenant_id, &product.id, actor.user.id, self.now())
            .await?
        {
            true => {
                self.access_changed(actor.tenant_id).await;
                Ok(())
            }
            false => Err(product_not_found()),
        }
    }

    /// The subject matter expert must be a user of the tenant.
    pub(crate) async fn check_expert(&self, actor: &Actor, metadata: Option<&ProductMetadata>) -> Result<(), AppError> {
        let Some(metadata) = metadata else { return Ok(()) };
        let id = metadata.subject_matter_expert.id;
        let found = self.store.search_users(actor.tenant_id, None, &[id], 1).await?;
        match found.is_empty() {
            true => Err(AppError::invalid(
                "metadata.subjectMatterExpert.id",
                format!("metadata.subjectMatterExpert.id: no user has the global user id {id}"),
            )),
            false => Ok(()),
        }
    }
}
