//! Templates whose statement takes a list of numbers as one value, whatever its length.

use super::{Statement, Written, stand_in};
use sea_query::extension::postgres::PgFunc;
use sea_query::{
    Alias, Expr, ExprTrait, Func, IntoColumnRef, PostgresQueryBuilder, Query, QueryBuilder, SelectStatement,
    SimpleExpr, SqliteQueryBuilder, Values,
};
use std::borrow::Cow;
use std::sync::OnceLock;

/// A template whose statement also takes a list of numbers (user ids, say), bound as one value: a JSON array read
/// by `json_each` on SQLite, an array on PostgreSQL. A list written out as one parameter per number is a new
/// statement for each length — prepared and, on PostgreSQL, planned afresh on each connection for each length,
/// which cost more than running it; this one is prepared once and, on PostgreSQL, planned once for all.
pub(crate) struct NumbersTemplate<const N: usize> {
    build: fn([sea_query::Value; N], Among) -> SelectStatement,
    sqlite: OnceLock<Written>,
    postgres: OnceLock<Written>,
}

/// Where the list goes in a [`NumbersTemplate`]'s statement.
pub(crate) struct Among {
    list: sea_query::Value,
    postgres: bool,
}

impl Among {
    /// `column` holds one of the list's numbers.
    pub(crate) fn holds(&self, column: impl IntoColumnRef) -> SimpleExpr {
        match self.postgres {
            true => Expr::col(column).eq(PgFunc::any(Expr::val(self.list.clone()))),
            false => {
                let numbers = Query::select()
                    .column(Alias::new("value"))
                    .from_function(
                        Func::cust(Alias::new("json_each")).arg(Expr::val(self.list.clone())),
                        Alias::new("list"),
                    )
                    .take();
                Expr::col(column).in_subquery(numbers)
            }
        }
    }
}

impl<const N: usize> NumbersTemplate<N> {
    pub(crate) const fn new(build: fn([sea_query::Value; N], Among) -> SelectStatement) -> Self {
        NumbersTemplate {
            build,
            sqlite: OnceLock::new(),
            postgres: OnceLock::new(),
        }
    }

    /// The template with the arguments and the list of one run.
    pub(crate) fn with(&self, arguments: [sea_query::Value; N], list: Vec<i64>) -> NumbersBound<'_, N> {
        NumbersBound {
            template: self,
            arguments,
            list,
        }
    }

    fn write(&self, builder: impl QueryBuilder, postgres: bool) -> Written {
        let stand_ins: Vec<sea_query::Value> = (0..=N).map(stand_in).collect();
        let fixed = std::array::from_fn(|index| stand_ins[index].clone());
        let among = Among {
            list: stand_ins[N].clone(),
            postgres,
        };
        Written::of((self.build)(fixed, among), &stand_ins, builder)
    }
}

/// A numbers template and the values of one run.
pub(crate) struct NumbersBound<'a, const N: usize> {
    template: &'a NumbersTemplate<N>,
    arguments: [sea_query::Value; N],
    list: Vec<i64>,
}

impl<const N: usize> NumbersBound<'_, N> {
    fn bind<'a>(&self, written: &'a Written, list: sea_query::Value) -> (Cow<'a, str>, Values) {
        let arguments: Vec<sea_query::Value> = self.arguments.iter().cloned().chain([list]).collect();
        (Cow::Borrowed(&written.sql), written.values(&arguments))
    }
}

impl<const N: usize> Statement for NumbersBound<'_, N> {
    fn sqlite(&self) -> (Cow<'_, str>, Values) {
        let written = self
            .template
            .sqlite
            .get_or_init(|| self.template.write(SqliteQueryBuilder, false));
        let numbers: Vec<String> = self.list.iter().map(i64::to_string).collect();
        self.bind(written, format!("[{}]", numbers.join(",")).into())
    }

    fn postgres(&self) -> (Cow<'_, str>, Values) {
        let written = self
            .template
            .postgres
            .get_or_init(|| self.template.write(PostgresQueryBuilder, true));
        let numbers = self.list.iter().map(|&number| number.into()).collect();
        let array = sea_query::Value::Array(sea_query::ArrayType::BigInt, Some(Box::new(numbers)));
        self.bind(written, array)
    }
}
