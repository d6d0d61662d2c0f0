//! Data use agreements: the terms a requester accepts with a form.

use super::require_author;
use crate::{Actor, App, AppError, Problems};
use marketplace_domain::ids::{AgreementId, FormId};
use marketplace_domain::request_form::name_problems;
use marketplace_store::{Agreement, Listing, NewAgreement, StoreError};

/// What an agreement's name clashing with another's answers.
pub const NAME_TAKEN: &str = "There is already a data use agreement with this name.";

/// An agreement as its author writes it; a change names only what changes.
#[derive(Default)]
pub struct AgreementInput {
    /// A client-chosen id, on create.
    pub id: Option<AgreementId>,
    pub name: Option<String>,
    pub body: Option<String>,
}

fn not_found() -> AppError {
    AppError::NotFound("Data use agreement not found.".into())
}

fn parse_id(id: &str) -> Result<AgreementId, AppError> {
    id.parse().map_err(|_| not_found())
}

fn name_taken(error: StoreError) -> AppError {
    match error {
        StoreError::Duplicate => AppError::Conflict(NAME_TAKEN.into()),
        other => other.into(),
    }
}

fn input_problems(name: Option<&str>, body: Option<&str>) -> Problems {
    let mut problems = Problems::default();
    for message in name.map(name_problems).unwrap_or_default() {
        problems.add("name", message);
    }
    if body.is_some_and(|body| body.trim().is_empty()) {
        problems.add("body", "body should not be empty");
    }
    problems
}

const AUTHORS_ONLY: &str = "Managing data use agreements requires GOVERNANCE or Manage Data Products.";

impl App {
    /// A page of the tenant's agreements.
    pub async fn search_agreements(&self, actor: &Actor, listing: &Listing) -> Result<(Vec<Agreement>, u64), AppError> {
        Ok(self.store.search_agreements(actor.tenant_id, listing).await?)
    }

    pub async fn create_agreement(&self, actor: &Actor, input: AgreementInput) -> Result<Agreement, AppError> {
        let name = input.name.unwrap_or_default();
        let body = input.body.unwrap_or_default();
        input_problems(Some(&name), Some(&body)).check()?;
        require_author(&self.person(actor).await?, AUTHORS_ONLY)?;
        let agreement = NewAgreement {
            id: input.id,
            name: name.trim().to_owned(),
            body,
        };
        self.store
            .create_agreement(actor.tenant_id, agreement, &actor.audit(), self.now())
            .await
            .map_err(name_taken)
    }

    /// An agreement of the tenant by its id as sent; anything that names none is 404.
    pub async fn agreement(&self, actor: &Actor, id: &str) -> Result<Agreement, AppError> {
        self.store
            .agreement(actor.tenant_id, parse_id(id)?)
            .await?
            .ok_or_else(not_found)
    }

    /// Changes an agreement's name or text; every form that carries it gets a new version with the new text.
    pub async fn change_agreement(
        &self,
        actor: &Actor,
        id: &str,
        changes: AgreementInput,
    ) -> Result<Agreement, AppError> {
        let id = parse_id(id)?;
        input_problems(changes.name.as_deref(), changes.body.as_deref()).check()?;
        self.store.agreement(actor.tenant_id, id).await?.ok_or_else(not_found)?;
        require_author(&self.person(actor).await?, AUTHORS_ONLY)?;
        let name = changes.name.map(|name| name.trim().to_owned());
        self.store
            .update_agreement(actor.tenant_id, id, name, changes.body, &actor.audit(), self.now())
            .await
            .map_err(name_taken)?
            .ok_or_else(not_found)
    }

    /// Deletes an agreement that no form carries.
    pub async fn delete_agreement(&self, actor: &Actor, id: &str) -> Result<(), AppError> {
        let id = parse_id(id)?;
        self.store.agreement(actor.tenant_id, id).await?.ok_or_else(not_found)?;
        require_author(&self.person(actor).await?, AUTHORS_ONLY)?;
        match self.store.delete_agreement(actor.tenant_id, id).await? {
            true => Ok(()),
            false => Err(not_found()),
        }
    }

    /// The forms that carry an agreement.
    pub async fn agreement_forms(&self, actor: &Actor, id: &str) -> Result<Vec<(FormId, String)>, AppError> {
        let id = parse_id(id)?;
        self.store.agreement(actor.tenant_id, id).await?.ok_or_else(not_found)?;
        Ok(self.store.agreement_forms(actor.tenant_id, id).await?)
    }
}
