//! Reading products as the actor sees them: one, a page of them, their data sources, forms and columns.

use super::{product_not_found, require_manager};
use crate::{Actor, App, AppError};
use marketplace_domain::access_request::RequestType;
use marketplace_domain::ids::{GlobalUserId, ProductId};
use marketplace_domain::request_form::FormSnapshot;
pub use marketplace_store::ShownProduct;
use marketplace_store::{ColumnFilter, ColumnRecord, Product, ProductSearch, ProductSource};

/// A page of a product's data sources, and whether the user asked about holds access to the product.
pub struct SourcePage {
    pub sources: Vec<ProductSource>,
    pub more: bool,
    pub member: bool,
}

/// Whose access a page of data sources shows.
pub enum SourcesOf {
    /// The actor's own.
    Actor,
    /// Another user's, by global user id: for those who manage the product.
    User(GlobalUserId),
}

/// A product's request form for one request type.
pub struct ProductForm {
    pub request_type: RequestType,
    pub form: FormSnapshot,
}

/// A page of columns and how many match in all.
pub struct ColumnPage {
    pub columns: Vec<ColumnRecord>,
    pub total: u64,
}

impl App {
    /// One product as the actor sees it.
    pub async fn product(&self, actor: &Actor, id: &ProductId) -> Result<ShownProduct, AppError> {
        let person = self.person(actor).await?;
        self.store
            .shown_product(actor.tenant_id, &person, actor.user.id, id)
            .await?
            .ok_or_else(product_not_found)
    }

    /// One product by its name.
    pub async fn product_by_name(&self, actor: &Actor, name: &str) -> Result<ShownProduct, AppError> {
        let person = self.person(actor).await?;
        self.store
            .shown_product_by_name(actor.tenant_id, &person, actor.user.id, name)
            .await?
            .ok_or_else(product_not_found)
    }

    /// A page of products in name order, as the actor sees them, and whether more follow.
    pub async fn search_products(
        &self,
        actor: &Actor,
        search: &ProductSearch,
    ) -> Result<(Vec<ShownProduct>, bool), AppError> {
        let person = self.person(actor).await?;
        Ok(self
            .store
            .search_products(actor.tenant_id, &person, actor.user.id, search)
            .await?)
    }

    /// A product just read or changed, as the actor sees it.
    pub(crate) async fn show_product(&self, actor: &Actor, product: Product) -> Result<ShownProduct, AppError> {
        let person = self.person(actor).await?;
        Ok(self
            .store
            .show_product(actor.tenant_id, &person, actor.user.id, product)
            .await?)
    }

    /// A page of a product's data sources after the source `after`, and whether `whose` user holds access to
    /// the product. Another user's access is the business of those who manage the product.
    pub async fn product_sources(
        &self,
        actor: &Actor,
        id: &ProductId,
        whose: SourcesOf,
        name_filter: Option<&str>,
        after: Option<i64>,
        limit: u64,
    ) -> Result<SourcePage, AppError> {
        let product = self.find_product(actor, id).await?;
        let user = match whose {
            SourcesOf::User(other) if other != actor.user.global_user_id => {
                require_manager(&self.person(actor).await?, &product.domains)?;
                let found = self.store.search_users(actor.tenant_id, None, &[other.0], 1).await?;
                found
                    .first()
                    .map(|(user, _)| user.id)
                    .ok_or_else(|| AppError::invalid("user", format!("user: no user has the global user id {other}")))?
            }
            _ => actor.user.id,
        };
        let member = self
            .store
            .has_approved_access(actor.tenant_id, user, &product.id)
            .await?;
        let mut sources = self
            .store
            .product_sources(actor.tenant_id, &product.id, name_filter, after, limit + 1)
            .await?;
        let more = sources.len() as u64 > limit;
        sources.truncate(limit as usize);
        Ok(SourcePage { sources, more, member })
    }

    /// The ids of every data source of a product.
    pub async fn product_source_ids(&self, actor: &Actor, id: &ProductId) -> Result<Vec<i64>, AppError> {
        let product = self.find_product(actor, id).await?;
        Ok(self.store.product_source_ids(actor.tenant_id, &product.id).await?)
    }

    /// A product's request forms: data access first, then masking exceptions.
    pub async fn product_forms(&self, actor: &Actor, id: &ProductId) -> Result<Vec<ProductForm>, AppError> {
        let product = self.find_product(actor, id).await?;
        let mut forms = Vec::new();
        for (request_type, form_id) in [
            (RequestType::DataAccess, product.data_access_form_id),
            (RequestType::MaskingException, product.masking_exception_form_id),
        ] {
            let form = self
                .store
                .form(actor.tenant_id, form_id)
                .await?
                .ok_or_else(|| AppError::internal(format!("product {} names a missing form", product.id)))?;
            forms.push(ProductForm {
                request_type,
                form: form.snapshot,
            });
        }
        Ok(forms)
    }

    /// A page of the columns of a product's data sources.
    pub async fn product_columns(
        &self,
        actor: &Actor,
        id: &ProductId,
        filter: &ColumnFilter,
    ) -> Result<ColumnPage, AppError> {
        let product = self.find_product(actor, id).await?;
        let (columns, total) = self.store.columns(actor.tenant_id, Some(&product.id), filter).await?;
        Ok(ColumnPage { columns, total })
    }
}
