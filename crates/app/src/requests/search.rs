//! Searching access requests: by the roles the actor holds, or within one product.

use super::ShownRequests;
use crate::{Actor, App, AppError};
use marketplace_domain::GlobalPermission;
use marketplace_domain::access_request::{RequestStatus, RequestType, person_keys};
use marketplace_domain::ids::ProductId;
use marketplace_store::{RequestSearch, Searcher};

/// A page of requests, shown, and how many match in all.
pub struct RequestPage {
    pub shown: ShownRequests,
    pub total: u64,
}

impl App {
    /// The requests the actor may see that match `search`, a page of them.
    pub async fn search_requests(&self, actor: &Actor, search: &RequestSearch) -> Result<RequestPage, AppError> {
        let person = self.person(actor).await?;
        let searcher = Searcher {
            user_id: actor.user.id,
            governance: person.has(GlobalPermission::Governance),
            managed_domains: person.managed_domains().map(str::to_owned).collect(),
            keys: person_keys(&person),
        };
        let (requests, total) = self
            .store
            .search_access_requests(actor.tenant_id, &searcher, search)
            .await?;
        Ok(RequestPage {
            shown: self.show_requests(actor, requests).await?,
            total,
        })
    }

    /// The same within one product, in every role the actor holds.
    pub async fn search_product_requests(
        &self,
        actor: &Actor,
        product: &ProductId,
        mut search: RequestSearch,
    ) -> Result<RequestPage, AppError> {
        let product = self.find_product(actor, product).await?;
        search.data_product_id = Some(product.id);
        self.search_requests(actor, &search).await
    }

    /// A product's members: those whose access is approved, whatever status was asked for (data access unless
    /// another type is asked for).
    pub async fn product_members(
        &self,
        actor: &Actor,
        product: &ProductId,
        mut search: RequestSearch,
    ) -> Result<RequestPage, AppError> {
        search.statuses = vec![RequestStatus::Approved.as_str().into()];
        if search.types.is_empty() {
            search.types.push(RequestType::DataAccess);
        }
        self.search_product_requests(actor, product, search).await
    }
}
