//! Data products: publishing, changing and deleting them, and reading them as the actor sees them.

mod publish;
mod read;

pub use publish::{ProductChanges, ProductInput};
pub use read::{ColumnPage, ProductForm, ShownProduct, SourcePage, SourcesOf};

use crate::{Actor, App, AppError};
use marketplace_domain::access::Person;
use marketplace_domain::catalog::can_manage_product;
use marketplace_domain::ids::ProductId;
use marketplace_store::{Product, StoreError};

/// What a product's name clashing with another's answers.
pub const NAME_TAKEN: &str = "Data Product name in use.";

pub(crate) fn product_not_found() -> AppError {
    AppError::NotFound("Data product not found.".into())
}

/// Managing a product (changing, deleting, adding sources) takes `GOVERNANCE` or `Manage Data Products` in
/// *every* domain it spans: a manager of one domain must not reshape another's data.
pub(crate) fn require_manager(person: &Person, domains: &[String]) -> Result<(), AppError> {
    match can_manage_product(person, domains.iter().map(String::as_str)) {
        true => Ok(()),
        false => Err(AppError::Forbidden(
            "Managing this data product requires GOVERNANCE or Manage Data Products in each of its domains.".into(),
        )),
    }
}

fn name_taken(error: StoreError) -> AppError {
    match error {
        StoreError::Duplicate => AppError::Conflict(NAME_TAKEN.into()),
        other => other.into(),
    }
}

impl App {
    /// A product of the actor's tenant, or 404.
    pub(crate) async fn find_product(&self, actor: &Actor, id: &ProductId) -> Result<Product, AppError> {
        self.store
            .product(actor.tenant_id, id)
            .await?
            .ok_or_else(product_not_found)
    }
}
