use marketplace_domain::pagination::OffsetPage;
use sea_query::{Expr, ExprTrait, IntoColumnRef, Order, SelectStatement};

/// How offset-paginated catalog lists are filtered and ordered.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    /// Names containing this text (any case), or equal to it with `exact`.
    pub name_filter: Option<String>,
    pub exact: bool,
    pub sort_by: SortKey,
    pub descending: bool,
    pub page: OffsetPage,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SortKey {
    #[default]
    Name,
    CreatedAt,
    UpdatedAt,
}

impl Listing {
    /// Adds the name filter and the order (the sort key, then the id, both indexed) to `query`.
    pub(crate) fn apply<C: IntoColumnRef + Copy>(
        &self,
        query: &mut SelectStatement,
        name: C,
        created_at: C,
        updated_at: C,
        id: C,
    ) {
        if let Some(filter) = self.name_filter.as_deref().filter(|text| !text.is_empty()) {
            if self.exact {
                query.and_where(Expr::col(name).eq(filter));
            } else {
                query.and_where(crate::query::contains(name, filter));
            }
        }
        let order = if self.descending { Order::Desc } else { Order::Asc };
        let key = match self.sort_by {
            SortKey::Name => name,
            SortKey::CreatedAt => created_at,
            SortKey::UpdatedAt => updated_at,
        };
        query.order_by(key, order.clone()).order_by(id, order);
    }
}
