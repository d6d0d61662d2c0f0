//! What a connection runs: a sea-query statement, written into SQL on each run, or a [`Template`], written once.

use sea_query::{
    PostgresQueryBuilder, QueryBuilder, QueryStatementWriter, SelectStatement, SqliteQueryBuilder, Values,
};
use std::borrow::Cow;
use std::sync::OnceLock;

/// A statement as SQL for one database, with the values it binds.
pub(crate) trait Statement {
    fn sqlite(&self) -> (Cow<'_, str>, Values);
    fn postgres(&self) -> (Cow<'_, str>, Values);
}

impl<T: QueryStatementWriter> Statement for T {
    fn sqlite(&self) -> (Cow<'_, str>, Values) {
        let (sql, values) = self.build(SqliteQueryBuilder);
        (Cow::Owned(sql), values)
    }

    fn postgres(&self) -> (Cow<'_, str>, Values) {
        let (sql, values) = self.build(PostgresQueryBuilder);
        (Cow::Owned(sql), values)
    }
}

/// A query whose shape never changes, only the values it binds, written into SQL once per database: building a
/// sea-query statement and writing it out took a tenth of the CPU of an authenticated read. `build` puts each of
/// its `N` arguments where a value goes; it runs once per database, with stand-ins, and each run binds its own
/// arguments where the stand-ins were.
pub(crate) struct Template<const N: usize> {
    build: fn([sea_query::Value; N]) -> SelectStatement,
    sqlite: OnceLock<Written>,
    postgres: OnceLock<Written>,
}

/// A template's SQL, and what each of its parameters binds.
struct Written {
    sql: String,
    parameters: Vec<Parameter>,
}

enum Parameter {
    Argument(usize),
    /// A value the statement itself holds, not one of its arguments.
    Constant(sea_query::Value),
}

impl<const N: usize> Template<N> {
    pub(crate) const fn new(build: fn([sea_query::Value; N]) -> SelectStatement) -> Self {
        Template {
            build,
            sqlite: OnceLock::new(),
            postgres: OnceLock::new(),
        }
    }

    /// The template with the values of one run.
    pub(crate) fn with(&self, arguments: [sea_query::Value; N]) -> Bound<'_, N> {
        Bound {
            template: self,
            arguments,
        }
    }

    fn write(&self, builder: impl QueryBuilder) -> Written {
        let stand_ins: [sea_query::Value; N] =
            std::array::from_fn(|index| sea_query::Value::String(Some(format!("\u{0}argument {index}\u{0}"))));
        let (sql, values) = (self.build)(stand_ins.clone()).build(builder);
        let parameters = values
            .into_iter()
            .map(|value| match stand_ins.iter().position(|stand_in| *stand_in == value) {
                Some(index) => Parameter::Argument(index),
                None => Parameter::Constant(value),
            })
            .collect();
        Written { sql, parameters }
    }
}

/// A template and the values of one run.
pub(crate) struct Bound<'a, const N: usize> {
    template: &'a Template<N>,
    arguments: [sea_query::Value; N],
}

impl<const N: usize> Bound<'_, N> {
    fn bind<'a>(&self, written: &'a Written) -> (Cow<'a, str>, Values) {
        let values = written
            .parameters
            .iter()
            .map(|parameter| match parameter {
                Parameter::Argument(index) => self.arguments[*index].clone(),
                Parameter::Constant(value) => value.clone(),
            })
            .collect();
        (Cow::Borrowed(&written.sql), Values(values))
    }
}

impl<const N: usize> Statement for Bound<'_, N> {
    fn sqlite(&self) -> (Cow<'_, str>, Values) {
        self.bind(
            self.template
                .sqlite
                .get_or_init(|| self.template.write(SqliteQueryBuilder)),
        )
    }

    fn postgres(&self) -> (Cow<'_, str>, Values) {
        self.bind(
            self.template
                .postgres
                .get_or_init(|| self.template.write(PostgresQueryBuilder)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Users;
    use sea_query::{Expr, ExprTrait, Query};

    static BY_NAME_OR_ID: Template<2> = Template::new(|[name, id]| {
        Query::select()
            .column(Users::Id)
            .from(Users::Table)
            .and_where(
                Expr::col(Users::Username)
                    .eq(name.clone())
                    .or(Expr::col(Users::Name).eq(name)),
            )
            .and_where(Expr::col(Users::Id).ne(id))
            .and_where(Expr::col(Users::Email).ne("nobody"))
            .take()
    });

    fn direct(name: &str, id: i64) -> SelectStatement {
        Query::select()
            .column(Users::Id)
            .from(Users::Table)
            .and_where(Expr::col(Users::Username).eq(name).or(Expr::col(Users::Name).eq(name)))
            .and_where(Expr::col(Users::Id).ne(id))
            .and_where(Expr::col(Users::Email).ne("nobody"))
            .take()
    }

    #[test]
    fn a_template_binds_what_the_statement_built_each_time_would() {
        for (name, id) in [("ada", 1), ("grace", 7)] {
            let bound = BY_NAME_OR_ID.with([name.into(), id.into()]);
            let direct = direct(name, id);
            assert_eq!(bound.sqlite(), direct.sqlite());
            assert_eq!(bound.postgres(), direct.postgres());
        }
    }
}
