//! What a connection runs: a sea-query statement, written into SQL on each run, or a [`Template`], written once.

use sea_query::{
    InsertStatement, PostgresQueryBuilder, QueryBuilder, QueryStatementWriter, SelectStatement, SqliteQueryBuilder,
    UpdateStatement, Values,
};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

mod numbers;

pub(crate) use numbers::{NumbersBound, NumbersTemplate};

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

/// A change of either kind, so that inserts and updates go out in one batch ([`super::Conn::execute_all`]).
pub(crate) enum Write {
    Insert(InsertStatement),
    Update(UpdateStatement),
}

impl From<InsertStatement> for Write {
    fn from(insert: InsertStatement) -> Self {
        Write::Insert(insert)
    }
}

impl From<UpdateStatement> for Write {
    fn from(update: UpdateStatement) -> Self {
        Write::Update(update)
    }
}

impl Statement for Write {
    fn sqlite(&self) -> (Cow<'_, str>, Values) {
        match self {
            Write::Insert(insert) => insert.sqlite(),
            Write::Update(update) => update.sqlite(),
        }
    }

    fn postgres(&self) -> (Cow<'_, str>, Values) {
        match self {
            Write::Insert(insert) => insert.postgres(),
            Write::Update(update) => update.postgres(),
        }
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
        let stand_ins: [sea_query::Value; N] = std::array::from_fn(stand_in);
        Written::of((self.build)(stand_ins.clone()), &stand_ins, builder)
    }
}

/// A value no statement holds, standing in for argument `index` while a template is written.
fn stand_in(index: usize) -> sea_query::Value {
    sea_query::Value::String(Some(format!("\u{0}argument {index}\u{0}")))
}

impl Written {
    fn of(statement: SelectStatement, stand_ins: &[sea_query::Value], builder: impl QueryBuilder) -> Self {
        let (sql, values) = statement.build(builder);
        let parameters = values
            .into_iter()
            .map(|value| match stand_ins.iter().position(|stand_in| *stand_in == value) {
                Some(index) => Parameter::Argument(index),
                None => Parameter::Constant(value),
            })
            .collect();
        Written { sql, parameters }
    }

    /// The values of one run, in the order the parameters take them.
    fn values(&self, arguments: &[sea_query::Value]) -> Values {
        let values = self.parameters.iter().map(|parameter| match parameter {
            Parameter::Argument(index) => arguments[*index].clone(),
            Parameter::Constant(value) => value.clone(),
        });
        Values(values.collect())
    }
}

/// A template and the values of one run.
pub(crate) struct Bound<'a, const N: usize> {
    template: &'a Template<N>,
    arguments: [sea_query::Value; N],
}

impl<const N: usize> Bound<'_, N> {
    fn bind<'a>(&self, written: &'a Written) -> (Cow<'a, str>, Values) {
        (Cow::Borrowed(&written.sql), written.values(&self.arguments))
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

/// A template whose statement also takes a list of values, as long as each run needs (a part of a union for
/// each product of a page): written into SQL once per database and length of the list.
pub(crate) struct ListTemplate<const N: usize> {
    build: fn([sea_query::Value; N], Vec<sea_query::Value>) -> SelectStatement,
    sqlite: Mutex<BTreeMap<usize, Arc<Written>>>,
    postgres: Mutex<BTreeMap<usize, Arc<Written>>>,
}

/// Lists longer than this are written on each run, so that what is kept stays small.
const LONGEST_LIST_KEPT: usize = 256;

impl<const N: usize> ListTemplate<N> {
    pub(crate) const fn new(build: fn([sea_query::Value; N], Vec<sea_query::Value>) -> SelectStatement) -> Self {
        ListTemplate {
            build,
            sqlite: Mutex::new(BTreeMap::new()),
            postgres: Mutex::new(BTreeMap::new()),
        }
    }

    /// The template with the arguments and the list of one run.
    pub(crate) fn with(&self, arguments: [sea_query::Value; N], list: Vec<sea_query::Value>) -> ListBound<'_, N> {
        let mut arguments = Vec::from(arguments);
        arguments.extend(list);
        ListBound {
            template: self,
            arguments,
        }
    }
}

/// A list template and the values of one run: its arguments, then its list.
pub(crate) struct ListBound<'a, const N: usize> {
    template: &'a ListTemplate<N>,
    arguments: Vec<sea_query::Value>,
}

impl<const N: usize> ListBound<'_, N> {
    fn bind(
        &self,
        written: &Mutex<BTreeMap<usize, Arc<Written>>>,
        builder: impl QueryBuilder,
    ) -> (Cow<'static, str>, Values) {
        let length = self.arguments.len() - N;
        let write = || {
            let stand_ins: Vec<sea_query::Value> = (0..self.arguments.len()).map(stand_in).collect();
            let list = stand_ins[N..].to_vec();
            let fixed = std::array::from_fn(|index| stand_ins[index].clone());
            Arc::new(Written::of((self.template.build)(fixed, list), &stand_ins, builder))
        };
        let written = match length > LONGEST_LIST_KEPT {
            true => write(),
            // Never poisoned: nothing panics while it is held.
            false => Arc::clone(
                written
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .entry(length)
                    .or_insert_with(write),
            ),
        };
        (Cow::Owned(written.sql.clone()), written.values(&self.arguments))
    }
}

impl<const N: usize> Statement for ListBound<'_, N> {
    fn sqlite(&self) -> (Cow<'_, str>, Values) {
        self.bind(&self.template.sqlite, SqliteQueryBuilder)
    }

    fn postgres(&self) -> (Cow<'_, str>, Values) {
        self.bind(&self.template.postgres, PostgresQueryBuilder)
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

    static NAMED_AMONG: ListTemplate<1> = ListTemplate::new(|[name], ids| {
        Query::select()
            .column(Users::Id)
            .from(Users::Table)
            .and_where(Expr::col(Users::Username).eq(name))
            .and_where(Expr::col(Users::Id).is_in(ids))
            .and_where(Expr::col(Users::Email).ne("nobody"))
            .take()
    });

    fn named_among(name: &str, ids: &[i64]) -> SelectStatement {
        Query::select()
            .column(Users::Id)
            .from(Users::Table)
            .and_where(Expr::col(Users::Username).eq(name))
            .and_where(Expr::col(Users::Id).is_in(ids.iter().copied()))
            .and_where(Expr::col(Users::Email).ne("nobody"))
            .take()
    }

    #[test]
    fn a_list_template_binds_what_the_statement_built_each_time_would_for_each_length() {
        let runs: [(&str, &[i64]); 4] = [
            ("ada", &[1]),
            ("grace", &[2, 3, 4]),
            ("alan", &[5]),
            ("edsger", &[6, 7, 8]),
        ];
        for (name, ids) in runs {
            let list = ids.iter().map(|&id| id.into()).collect();
            let bound = NAMED_AMONG.with([name.into()], list);
            let direct = named_among(name, ids);
            assert_eq!(bound.sqlite(), direct.sqlite());
            assert_eq!(bound.postgres(), direct.postgres());
        }
        assert_eq!(
            NAMED_AMONG.sqlite.lock().unwrap().len(),
            2,
            "written once for each length"
        );
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
