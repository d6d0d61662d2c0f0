//! Request forms and the data use agreements they carry.

mod agreements;

pub use agreements::AgreementInput;

use crate::{Actor, App, AppError, Problems};
use marketplace_domain::access::Person;
use marketplace_domain::catalog::{can_author_forms, can_edit_form};
use marketplace_domain::ids::{AgreementId, FormId};
use marketplace_domain::request_form::{FormField, FormSnapshot, field_problems, name_problems};
use marketplace_domain::review_flow::{FlowOwner, ReviewFlow};
use marketplace_store::{FormChanges, FormDraft, FormRecord, LinkedProduct, Listing, ObjectRecord, StoreError};

/// What a form's name clashing with another's answers.
pub const NAME_TAKEN: &str = "Request form with name already exists.";

/// A form as its author writes it; create needs every part, a change only those it changes.
#[derive(Default)]
pub struct FormInput {
    /// A client-chosen id, on create.
    pub id: Option<FormId>,
    pub name: Option<String>,
    pub fields: Option<Vec<FormField>>,
    pub policy: Option<ReviewFlow>,
    pub agreement_ids: Option<Vec<AgreementId>>,
}

/// The assets that use a form: products and data objects.
pub struct FormUsers {
    pub products: Vec<LinkedProduct>,
    pub objects: Vec<ObjectRecord>,
}

fn not_found() -> AppError {
    AppError::NotFound("Request form not found.".into())
}

fn name_taken(error: StoreError) -> AppError {
    match error {
        StoreError::Duplicate => AppError::Conflict(NAME_TAKEN.into()),
        other => other.into(),
    }
}

fn forbid_standard(form: &FormRecord) -> Result<(), AppError> {
    match form.standard {
        true => Err(AppError::Forbidden(
            "The Standard Request Form cannot be edited or deleted.".into(),
        )),
        false => Ok(()),
    }
}

/// Creating and deleting forms and agreements takes `GOVERNANCE` or `Manage Data Products` in some domain.
pub(crate) fn require_author(person: &Person, message: &str) -> Result<(), AppError> {
    match can_author_forms(person) {
        true => Ok(()),
        false => Err(AppError::Forbidden(message.into())),
    }
}

fn input_problems(name: Option<&str>, fields: Option<&[FormField]>, policy: Option<&ReviewFlow>) -> Problems {
    let mut problems = Problems::default();
    if let Some(name) = name {
        for message in name_problems(name) {
            problems.add("name", message);
        }
    }
    if let Some(fields) = fields {
        problems.extend(field_problems(fields).into_iter().map(crate::Problem::from_message));
    }
    if let Some(policy) = policy {
        problems.extend(
            policy
                .problems("policy", FlowOwner::RequestForm)
                .into_iter()
                .map(crate::Problem::from_message),
        );
    }
    problems
}

impl App {
    /// A page of the tenant's forms, each with the domains of the products that use it.
    pub async fn search_forms(
        &self,
        actor: &Actor,
        listing: &Listing,
    ) -> Result<(Vec<(FormSnapshot, Vec<String>)>, u64), AppError> {
        Ok(self.store.search_forms(actor.tenant_id, listing).await?)
    }

    /// Creates a form: its first version.
    pub async fn create_form(&self, actor: &Actor, input: FormInput) -> Result<FormSnapshot, AppError> {
        let mut problems = input_problems(
            Some(input.name.as_deref().unwrap_or("")),
            input.fields.as_deref(),
            input.policy.as_ref(),
        );
        if input.fields.is_none() {
            problems.add("fields", "fields must be an array");
        }
        if input.policy.is_none() {
            problems.add("policy", "policy should not be empty");
        }
        problems.check()?;
        require_author(
            &self.person(actor).await?,
            "Creating request forms requires GOVERNANCE or Manage Data Products.",
        )?;
        let (Some(name), Some(fields), Some(policy)) = (input.name, input.fields, input.policy) else {
            return Err(AppError::internal("a checked form lost a part"));
        };
        let draft = FormDraft {
            id: input.id,
            name: name.trim().to_owned(),
            fields,
            policy,
            agreement_ids: input.agreement_ids.unwrap_or_default(),
        };
        self.store
            .create_form(actor.tenant_id, draft, &actor.audit(), self.now())
            .await
            .map_err(name_taken)
    }

    /// A form of the tenant by its id as sent; anything that names no form is 404.
    pub async fn form(&self, actor: &Actor, id: &str) -> Result<FormRecord, AppError> {
        let id: FormId = id.parse().map_err(|_| not_found())?;
        self.store.form(actor.tenant_id, id).await?.ok_or_else(not_found)
    }

    /// Saves a form's changes as a new version; requests made before keep theirs. Its authors and the stewards
    /// its own review flow names may edit it.
    pub async fn change_form(&self, actor: &Actor, id: &str, changes: FormInput) -> Result<FormSnapshot, AppError> {
        input_problems(
            changes.name.as_deref(),
            changes.fields.as_deref(),
            changes.policy.as_ref(),
        )
        .check()?;
        let form = self.form(actor, id).await?;
        forbid_standard(&form)?;
        if !can_edit_form(&self.person(actor).await?, &form.snapshot.policy) {
            return Err(AppError::Forbidden(
                "Editing this request form requires GOVERNANCE, Manage Data Products, or being one of its stewards."
                    .into(),
            ));
        }
        let changes = FormChanges {
            name: changes.name.map(|name| name.trim().to_owned()),
            fields: changes.fields,
            policy: changes.policy,
            agreement_ids: changes.agreement_ids,
        };
        self.store
            .update_form(actor.tenant_id, form.snapshot.id, changes, &actor.audit(), self.now())
            .await
            .map_err(name_taken)?
            .ok_or_else(not_found)
    }

    /// Deletes a form that no product or data object uses.
    pub async fn delete_form(&self, actor: &Actor, id: &str) -> Result<(), AppError> {
        let form = self.form(actor, id).await?;
        forbid_standard(&form)?;
        require_author(
            &self.person(actor).await?,
            "Deleting request forms requires GOVERNANCE or Manage Data Products.",
        )?;
        match self.store.delete_form(actor.tenant_id, form.snapshot.id).await? {
            true => Ok(()),
            false => Err(not_found()),
        }
    }

    /// A form exactly as one save left it.
    pub async fn form_version(&self, actor: &Actor, version: &str) -> Result<FormSnapshot, AppError> {
        self.store
            .form_version(actor.tenant_id, version)
            .await?
            .ok_or_else(|| AppError::NotFound("Request form version not found.".into()))
    }

    /// The products that use a form.
    pub async fn form_products(&self, actor: &Actor, id: &str) -> Result<Vec<LinkedProduct>, AppError> {
        let form = self.form(actor, id).await?;
        Ok(self.store.form_products(actor.tenant_id, form.snapshot.id).await?)
    }

    /// The products and data objects that use a form.
    pub async fn form_users(&self, actor: &Actor, id: &str) -> Result<(FormId, FormUsers), AppError> {
        let form = self.form(actor, id).await?;
        let products = self.store.form_products(actor.tenant_id, form.snapshot.id).await?;
        let objects = self.store.form_objects(actor.tenant_id, form.snapshot.id).await?;
        Ok((form.snapshot.id, FormUsers { products, objects }))
    }
}
