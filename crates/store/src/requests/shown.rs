//! A request as it is shown: with its approval records and the users it names, read together.

use super::{AccessRequestRecord, ApprovalRecordRow, RECORDS_OF_REQUEST, REQUEST, decode_record, decode_request};
use crate::db::Template;
use crate::metadata::{ShownUsers, user_columns, users_with_attributes};
use crate::schema::{AccessRequests, UserAttributes, Users};
use crate::{Store, StoreError};
use marketplace_domain::ids::{RequestId, TenantId};
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement, UnionType, Value};

/// A request, its approval records, and its requester and the user it is for.
pub type ShownRequest = (AccessRequestRecord, Vec<ApprovalRecordRow>, ShownUsers);

/// The rows of `table` whose `user` column names the request's requester, or the user it is for when that is
/// someone else: a union of one lookup each, so that nobody comes twice. (Joined with `OR`, SQLite built a
/// temporary table on every run to drop the second copy.)
fn of_users_named<T: sea_query::Iden + Copy + 'static>(
    columns: SelectStatement,
    [table, tenant_column, user_column]: [T; 3],
    [tenant, request]: [Value; 2],
) -> SelectStatement {
    let request_column = |column| Expr::col((AccessRequests::Table, column));
    let named_by = |column| {
        columns
            .clone()
            .from(AccessRequests::Table)
            .inner_join(
                table,
                request_column(AccessRequests::TenantId)
                    .equals((table, tenant_column))
                    .and(Expr::col((table, user_column)).equals((AccessRequests::Table, column))),
            )
            .and_where(request_column(AccessRequests::TenantId).eq(tenant.clone()))
            .and_where(request_column(AccessRequests::Id).eq(request.clone()))
            .take()
    };
    let mut union = named_by(AccessRequests::RequestingUserId);
    let for_someone_else = named_by(AccessRequests::UserId)
        .and_where(
            request_column(AccessRequests::UserId)
                .not_equals((AccessRequests::Table, AccessRequests::RequestingUserId)),
        )
        .take();
    union.union(UnionType::All, for_someone_else);
    union
}

/// The users a request names: known only once the request is read, so the request is joined here, which lets
/// them be read beside it.
static USERS_OF_REQUEST: Template<2> = Template::new(|arguments| {
    let columns = Query::select().columns(user_columns()).take();
    of_users_named(columns, [Users::Table, Users::TenantId, Users::Id], arguments)
});

/// Their attributes, as [`crate::metadata::attributes_of`] orders them (by position: a union's order names its
/// columns, not a table's).
static ATTRIBUTES_OF_REQUEST_USERS: Template<2> = Template::new(|arguments| {
    let columns = Query::select()
        .columns([
            (UserAttributes::Table, UserAttributes::UserId),
            (UserAttributes::Table, UserAttributes::Key),
            (UserAttributes::Table, UserAttributes::Value),
        ])
        .take();
    let table = [UserAttributes::Table, UserAttributes::TenantId, UserAttributes::UserId];
    let mut union = of_users_named(columns, table, arguments);
    for position in ["1", "2", "3"] {
        union.order_by_expr(Expr::cust(position), Order::Asc);
    }
    union
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
