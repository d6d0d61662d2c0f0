use marketplace_domain::pagination::PageMeta;
use serde::Serialize;
use utoipa::ToSchema;

/// Offset pagination metadata: `pageCount` is the number of items on this page.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaginationMeta {
    #[schema(minimum = 0, default = 0)]
    offset: u64,
    #[schema(minimum = 1, default = 10)]
    limit: u64,
    total_count: u64,
    page_count: u64,
    current_page: u64,
    total_pages: u64,
}

impl From<PageMeta> for PaginationMeta {
    fn from(meta: PageMeta) -> Self {
        Self {
            offset: meta.offset,
            limit: meta.limit,
            total_count: meta.total_count,
            page_count: meta.page_count,
            current_page: meta.current_page,
            total_pages: meta.total_pages,
        }
    }
}
