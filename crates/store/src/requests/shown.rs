//! A request as it is shown: with its approval records and the users it names, read together.

use super::{AccessRequestRecord, ApprovalRecordRow, RECORDS_OF_REQUEST, REQUEST, decode_record, decode_request};
use crate::db::Template;
use crate::metadata::{ShownUsers, user_columns, users_with_attributes};
use crate::schema::{AccessRequests, UserAttributes, Users};
use crate::{Store, StoreError};
use marketplace_domain::ids::{RequestId, TenantId};
use sea_query::{Cond, Expr, ExprTrait, Order, Query};

/// A request, its approval records, and its requester and the user it is for.
pub type ShownRequest = (AccessRequestRecord, Vec<ApprovalRecordRow>, ShownUsers);

/// Joins a table's user column to the users a request names, in the request's tenant.
fn named_by_request<T: sea_query::Iden + Copy + 'static>(table: T, tenant: T, user: T) -> Cond {
    Cond::all()
        .add(Expr::col((AccessRequests::Table, AccessRequests::TenantId)).equals((table, tenant)))
        .add(
            Cond::any()
                .add(Expr::col((table, user)).equals((AccessRequests::Table, AccessRequests::RequestingUserId)))
                .add(Expr::col((table, user)).equals((AccessRequests::Table, AccessRequests::UserId))),
        )
}

/// The users a request names: known only once the request is read, so the request is joined here, which lets
/// them be read beside it.
static USERS_OF_REQUEST: Template<2> = Template::new(|[tenant, request]| {
    Query::select()
        .columns(user_columns())
        .from(AccessRequests::Table)
        .inner_join(Users::Table, named_by_request(Users::Table, Users::TenantId, Users::Id))
        .and_where(Expr::col((AccessRequests::Table, AccessRequests::TenantId)).eq(tenant))
        .and_where(Expr::col((AccessRequests::Table, AccessRequests::Id)).eq(request))
        .take()
});

/// Their attributes, as [`crate::metadata::attributes_of`] orders them.
static ATTRIBUTES_OF_REQUEST_USERS: Template<2> = Template::new(|[tenant, request]| {
    Query::select()
        .columns([
            (UserAttributes::Table, UserAttributes::UserId),
            (UserAttributes::Table, UserAttributes::Key),
            (UserAttributes::Table, UserAttributes::Value),
        ])
        .from(AccessRequests::Table)
        .inner_join(
            UserAttributes::Table,
            named_by_request(UserAttributes::Table, UserAttributes::TenantId, UserAttributes::UserId),
        )
        .and_where(Expr::col((AccessRequests::Table, AccessRequests::TenantId)).eq(tenant))
        .and_where(Expr::col((AccessRequests::Table, AccessRequests::Id)).eq(request))
        .order_by((UserAttributes::Table, UserAttributes::UserId), Order::Asc)
        .order_by((UserAttributes::Table, UserAttributes::Key), Order::Asc)
        .order_by((UserAttributes::Table, UserAttributes::Value), Order::Asc)
        .take()
});

impl Store {
    /// A request with its approval records and the users it names, from one snapshot (one round trip on
    /// PostgreSQL): showing one request read them in two.
    pub async fn request_shown(&self, tenant_id: TenantId, id: &RequestId) -> Result<Option<ShownRequest>, StoreError> {
        let arguments = || [tenant_id.to_string().into(), id.as_str().into()];
        let mut answers = self
            .backend
            .read()
            .await?
            .query_all(&[
                &REQUEST.with(arguments()),
                &RECORDS_OF_REQUEST.with(arguments()),
                &USERS_OF_REQUEST.with(arguments()),
                &ATTRIBUTES_OF_REQUEST_USERS.with(arguments()),
            ])
            .await?
            .into_iter();
        let mut answer = || answers.next().unwrap_or_default();
        let (request, records, users, attributes) = (answer(), answer(), answer(), answer());
        let Some(request) = request.first() else {
            return Ok(None);
        };
        let records = records.iter().map(decode_record).collect::<Result<_, _>>()?;
        Ok(Some((
            decode_request(request)?,
            records,
            users_with_attributes(&users, &attributes)?,
        )))
    }
}
