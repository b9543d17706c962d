//! Building list queries over any record table: owner scope, filters on built-in and custom
//! fields, search, sort and keyset (cursor) pagination — never OFFSET, never COUNT(*).
//!
//! Column names come only from each table's whitelist ([`Table`]); every value is a bound
//! parameter.

use base64::Engine;
use peyvand_domain::access::OwnerFilter;
use serde_json::Value;
use uuid::Uuid;

use crate::db::{Backend, Val};

/// What a column holds, for comparisons and sorting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Text,
    Number,
    Date,
    Time,
    Bool,
    Uuid,
}

/// A table's list-able columns.
pub struct Table {
    pub name: &'static str,
    /// (name, kind) of columns that may be filtered and sorted on.
    pub columns: &'static [(&'static str, Kind)],
    /// The columns selected for a row.
    pub select: &'static str,
    /// Whether the table has an owner (scoped lists).
    pub owned: bool,
    /// Fields computed from other tables: (name, kind, SQL expression). They filter and sort
    /// like columns (a deal's `status` is the kind of its stage).
    pub derived: &'static [(&'static str, Kind, &'static str)],
    /// Link columns that sort by what they link to rather than by id (filters still compare
    /// ids): a list sorted by owner is in the owners' names' order, a deals list sorted by stage
    /// in the board's stage order.
    pub link_sorts: &'static [LinkSort],
}

impl Table {
    /// The SQL expression and kind of a column or derived field on the whitelist.
    fn expr_of(&self, col: &str) -> Option<(String, Kind)> {
        self.columns
            .iter()
            .find(|(c, _)| *c == col)
            .map(|(c, k)| ((*c).to_owned(), *k))
            .or_else(|| {
                self.derived
                    .iter()
                    .find(|(c, _, _)| *c == col)
                    .map(|(_, k, e)| ((*e).to_owned(), *k))
            })
    }
}

/// How a link column sorts: by `value`, computed over `join`. Both name the list's own table
/// `x`; the list query reads from `(SELECT x.*, value AS link_sort FROM table x join) table`,
/// so everything else in it reads as if from the table itself. A join (hashed on PostgreSQL,
/// a primary-key lookup per row on SQLite) costs the same however many records are linked.
pub struct LinkSort {
    pub column: &'static str,
    pub kind: Kind,
    pub join: &'static str,
    pub value: &'static str,
}

impl Table {
    fn link_sort(&self, field: &Field) -> Option<&LinkSort> {
        match field {
            Field::Column(c) => self.link_sorts.iter().find(|l| l.column == c),
            Field::Custom { .. } => None,
        }
    }
}

/// A field to filter or sort on: a built-in column or a custom field.
#[derive(Clone, Debug, PartialEq)]
pub enum Field {
    Column(String),
    /// Custom field key, and whether its values are numbers.
    Custom {
        key: String,
        numeric: bool,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// Text contains (normalised search form is the caller's job).
    Contains,
    IsEmpty,
    IsNotEmpty,
    /// A JSON array column (tags, multi-select) holds the value.
    Has,
}

impl Op {
    pub fn parse(s: &str) -> Option<Op> {
        Some(match s {
            "eq" => Op::Eq,
            "ne" => Op::Ne,
            "lt" => Op::Lt,
            "le" | "lte" => Op::Le,
            "gt" => Op::Gt,
            "ge" | "gte" => Op::Ge,
            "contains" => Op::Contains,
            "empty" => Op::IsEmpty,
            "not_empty" => Op::IsNotEmpty,
            "has" => Op::Has,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug)]
pub struct Filter {
    pub field: Field,
    pub op: Op,
    pub value: Value,
}

#[derive(Clone, Debug)]
pub struct Sort {
    pub field: Field,
    pub desc: bool,
}

/// A request for one page of a list.
#[derive(Clone, Debug)]
pub struct ListSpec {
    pub owner: OwnerFilter,
    pub filters: Vec<Filter>,
    /// Normalised search text; matched against the table's `search_text`.
    pub search: Option<String>,
    pub sort: Option<Sort>,
    pub cursor: Option<String>,
    pub limit: i64,
    pub include_deleted: bool,
    pub only_deleted: bool,
    /// The first matches in any order (global search): no sort, no cursor, so the database
    /// can stop at `limit` instead of finding and sorting every match.
    pub any_order: bool,
}

impl ListSpec {
    pub fn new(owner: OwnerFilter, limit: i64) -> ListSpec {
        ListSpec {
            owner,
            filters: vec![],
            search: None,
            sort: None,
            cursor: None,
            limit,
            include_deleted: false,
            only_deleted: false,
            any_order: false,
        }
    }
}

/// Why a list request was refused (bad field, bad cursor): the caller's input, not a fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListError {
    #[error("unknown field {0}")]
    UnknownField(String),
    #[error("bad value for {0}")]
    BadValue(String),
    #[error("bad cursor")]
    BadCursor,
}

/// Accumulates SQL text and its parameters.
pub struct Sql {
    pub text: String,
    pub args: Vec<Val>,
}

impl Sql {
    pub fn new(text: &str) -> Sql {
        Sql {
            text: text.to_owned(),
            args: vec![],
        }
    }

    /// Appends a bound value and returns its placeholder.
    pub fn bind(&mut self, v: impl Into<Val>) -> String {
        self.args.push(v.into());
        format!("${}", self.args.len())
    }

    pub fn push(&mut self, s: &str) {
        self.text.push_str(s);
    }
}

fn custom_expr(backend: Backend, sql: &mut Sql, key: &str, numeric: bool) -> String {
    let p = sql.bind(key.to_owned());
    match (numeric, backend) {
        (true, _) => format!("CAST(custom ->> {p} AS NUMERIC)"),
        // SQLite's ->> gives a JSON true/false as 1/0; PostgreSQL gives 'true'/'false'. Compare
        // yes/no values as the words on both.
        (false, Backend::Sqlite) => format!(
            "(CASE WHEN json_type(custom -> {p}) IN ('true', 'false') \
             THEN json_type(custom -> {p}) ELSE custom ->> {p} END)"
        ),
        (false, Backend::Postgres) => format!("(custom ->> {p})"),
    }
}

/// The SQL expression of a field, with the kind to compare it as.
fn field_expr(
    backend: Backend,
    table: &Table,
    sql: &mut Sql,
    field: &Field,
) -> Result<(String, Kind), ListError> {
    match field {
        Field::Column(c) => table
            .expr_of(c)
            .ok_or_else(|| ListError::UnknownField(c.clone())),
        Field::Custom { key, numeric } => Ok((
            custom_expr(backend, sql, key, *numeric),
            if *numeric { Kind::Number } else { Kind::Text },
        )),
    }
}

fn field_name(field: &Field) -> String {
    match field {
        Field::Column(c) => c.clone(),
        Field::Custom { key, .. } => format!("custom.{key}"),
    }
}

fn value_for(kind: Kind, v: &Value, name: &str) -> Result<Val, ListError> {
    let bad = || ListError::BadValue(name.to_owned());
    Ok(match kind {
        Kind::Text | Kind::Date => match v {
            Value::String(s) => Val::from(s.clone()),
            Value::Number(n) => Val::from(n.to_string()),
            Value::Bool(b) => Val::from(b.to_string()),
            _ => return Err(bad()),
        },
        Kind::Number => match v {
            Value::Number(n) => match n.as_i64() {
                Some(i) => Val::from(i),
                None => return Err(bad()),
            },
            Value::String(s) => Val::from(s.trim().parse::<i64>().map_err(|_| bad())?),
            _ => return Err(bad()),
        },
        Kind::Time => match v {
            Value::String(s) => Val::from(
                chrono::DateTime::parse_from_rfc3339(s)
                    .map(|t| t.with_timezone(&chrono::Utc))
                    .or_else(|_| {
                        chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                            .map(|d| d.and_hms_opt(0, 0, 0).expect("midnight").and_utc())
                    })
                    .map_err(|_| bad())?,
            ),
            _ => return Err(bad()),
        },
        Kind::Bool => match v {
            Value::Bool(b) => Val::from(*b),
            Value::String(s) if s == "true" || s == "false" => Val::from(s == "true"),
            _ => return Err(bad()),
        },
        Kind::Uuid => match v {
            Value::String(s) => Val::from(Uuid::parse_str(s).map_err(|_| bad())?),
            _ => return Err(bad()),
        },
    })
}

/// Dates are stored as `YYYY-MM-DD` text on SQLite and as DATE on PostgreSQL; a date value
/// binds as a chrono date so both compare natively.
fn bind_value(sql: &mut Sql, kind: Kind, v: &Value, name: &str) -> Result<String, ListError> {
    if kind == Kind::Date
        && let Value::String(s) = v
    {
        let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| ListError::BadValue(name.to_owned()))?;
        return Ok(sql.bind(Val::Date(Some(d))));
    }
    let val = value_for(kind, v, name)?;
    Ok(sql.bind(val))
}

/// The words of a normalised search: split on spaces, at most six, each with at least one
/// letter or digit (a word of punctuation only has no index entry on either backend).
pub fn search_words(q: &str) -> Vec<String> {
    q.split(' ')
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .take(6)
        .map(str::to_owned)
        .collect()
}

/// Every word must begin a word of the record's `search_text`. SQLite asks the table's FTS5
/// index (`contacts_fts`, … — migration 0005) with prefix queries; PostgreSQL matches
/// `' ' || search_text` with `LIKE '% word%'`, which its trigram GIN index answers.
fn search_condition(backend: Backend, table: &Table, sql: &mut Sql, words: &[String]) -> String {
    match backend {
        Backend::Sqlite => {
            let p = sql.bind(fts_query(words));
            format!(
                "id IN (SELECT d.record_id FROM {t}_fts f JOIN search_docs d ON d.doc = f.rowid \
                 WHERE {t}_fts MATCH {p})",
                t = table.name
            )
        }
        Backend::Postgres => words
            .iter()
            .map(|w| {
                let p = sql.bind(format!("% {}%", crate::escape_like(w)));
                format!("(' ' || search_text) LIKE {p} ESCAPE '\\'")
            })
            .collect::<Vec<_>>()
            .join(" AND "),
    }
}

/// An FTS5 query in which every word is a quoted prefix: `"علی"* AND "رضا"*`.
pub fn fts_query(words: &[String]) -> String {
    words
        .iter()
        .map(|w| format!("\"{}\"*", w.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// Builds `SELECT … WHERE … ORDER BY … LIMIT n+1` for one page. The caller fetches `limit + 1`
/// rows to know whether there is a next page, and makes the next cursor with [`cursor_for`].
pub fn build_list(backend: Backend, table: &Table, spec: &ListSpec) -> Result<Sql, ListError> {
    let mut sql = Sql::new("");
    // Placeholders are numbered, so binding order need not follow text order.
    let (sort_expr, desc) = match &spec.sort {
        Some(s) => {
            let (expr, kind) = match table.link_sort(&s.field) {
                Some(link) => ("link_sort".to_owned(), link.kind),
                None => field_expr(backend, table, &mut sql, &s.field)?,
            };
            (Some((sort_key(backend, &expr, kind), kind)), s.desc)
        }
        None => (None, false),
    };
    let sort_select = match &sort_expr {
        Some((expr, _)) => format!("CAST({expr} AS TEXT)"),
        None => "NULL".to_owned(),
    };
    let words = spec.search.as_deref().map(search_words).unwrap_or_default();
    // SQLite, any order: walk the FTS matches newest first and stop at the limit.
    let fts_driven = spec.any_order && backend == Backend::Sqlite && !words.is_empty();
    if fts_driven {
        sql.push(&format!(
            "SELECT {}, {sort_select} AS sort_value FROM {t}_fts CROSS JOIN search_docs d ON d.doc = {t}_fts.rowid \
             CROSS JOIN {t} ON {t}.id = d.record_id WHERE ",
            table.select,
            t = table.name
        ));
    } else {
        let from = match spec.sort.as_ref().and_then(|s| table.link_sort(&s.field)) {
            Some(link) => format!(
                "(SELECT x.*, {} AS link_sort FROM {t} x {}) {t}",
                link.value,
                link.join,
                t = table.name
            ),
            None => table.name.to_owned(),
        };
        sql.push(&format!(
            "SELECT {}, {sort_select} AS sort_value FROM {from} WHERE ",
            table.select
        ));
    }
    let mut conds: Vec<String> = vec![];
    if spec.only_deleted {
        conds.push("deleted_at IS NOT NULL".into());
    } else if !spec.include_deleted {
        conds.push("deleted_at IS NULL".into());
    }
    if table.owned
        && let OwnerFilter::OwnedBy(ids) = &spec.owner
    {
        if ids.is_empty() {
            conds.push("1 = 0".into());
        } else {
            let ps: Vec<String> = ids.iter().map(|id| sql.bind(*id)).collect();
            conds.push(format!("owner_id IN ({})", ps.join(", ")));
        }
    }
    if fts_driven {
        let p = sql.bind(fts_query(&words));
        conds.push(format!("{}_fts MATCH {p}", table.name));
    } else if !words.is_empty() {
        conds.push(search_condition(backend, table, &mut sql, &words));
    }
    for f in &spec.filters {
        conds.push(filter_condition(backend, table, &mut sql, f)?);
    }
    // Keyset pagination: (sort value, id) strictly after the cursor.
    if let Some(cursor) = &spec.cursor {
        let (value, id) = decode_cursor(cursor)?;
        let cmp = if desc { "<" } else { ">" };
        match &sort_expr {
            Some((expr, kind)) => {
                let text = match &value {
                    Value::String(s) => s.clone(),
                    Value::Null => String::new(),
                    _ => return Err(ListError::BadCursor),
                };
                let pv = if *kind == Kind::Number {
                    sql.bind(text.parse::<f64>().map_err(|_| ListError::BadCursor)?)
                } else {
                    sql.bind(text)
                };
                let pid = sql.bind(id);
                conds.push(format!(
                    "({expr} {cmp} {pv} OR ({expr} = {pv} AND id {cmp} {pid}))"
                ));
            }
            None => {
                let pid = sql.bind(id);
                conds.push(format!("id {cmp} {pid}"));
            }
        }
    }
    if conds.is_empty() {
        conds.push("1 = 1".into());
    }
    sql.push(&conds.join(" AND "));
    let dir = if desc { "DESC" } else { "ASC" };
    match &sort_expr {
        _ if fts_driven => sql.push(&format!(" ORDER BY {}_fts.rowid DESC", table.name)),
        _ if spec.any_order => {}
        Some((expr, _)) => sql.push(&format!(" ORDER BY {expr} {dir}, id {dir}")),
        None => sql.push(&format!(" ORDER BY id {dir}")),
    }
    let p = sql.bind(spec.limit + 1);
    sql.push(&format!(" LIMIT {p}"));
    Ok(sql)
}

fn filter_condition(
    backend: Backend,
    table: &Table,
    sql: &mut Sql,
    f: &Filter,
) -> Result<String, ListError> {
    let name = field_name(&f.field);
    let (expr, kind) = field_expr(backend, table, sql, &f.field)?;
    Ok(match f.op {
        Op::IsEmpty => match kind {
            Kind::Text => format!("({expr} IS NULL OR {expr} = '')"),
            _ => format!("{expr} IS NULL"),
        },
        Op::IsNotEmpty => match kind {
            Kind::Text => format!("({expr} IS NOT NULL AND {expr} <> '')"),
            _ => format!("{expr} IS NOT NULL"),
        },
        Op::Contains => {
            let Value::String(s) = &f.value else {
                return Err(ListError::BadValue(name));
            };
            let p = sql.bind(format!("%{}%", crate::escape_like(&s.to_lowercase())));
            format!("LOWER({expr}) LIKE {p} ESCAPE '\\'")
        }
        Op::Has => {
            // JSON arrays: tags columns or a multi-select custom field.
            let Value::String(s) = &f.value else {
                return Err(ListError::BadValue(name));
            };
            let json = serde_json::to_string(s).expect("a string serialises");
            let p = sql.bind(format!("%{}%", crate::escape_like(&json)));
            let source = match &f.field {
                Field::Column(c) => format!("CAST({c} AS TEXT)"),
                Field::Custom { key, .. } => {
                    let k = sql.bind(key.clone());
                    format!("CAST(custom -> {k} AS TEXT)")
                }
            };
            format!("{source} LIKE {p} ESCAPE '\\'")
        }
        op => {
            let p = bind_value(sql, kind, &f.value, &name)?;
            let sym = match op {
                Op::Eq => "=",
                Op::Ne => "<>",
                Op::Lt => "<",
                Op::Le => "<=",
                Op::Gt => ">",
                Op::Ge => ">=",
                _ => unreachable!("handled above"),
            };
            if op == Op::Ne {
                format!("({expr} IS NULL OR {expr} {sym} {p})")
            } else {
                format!("{expr} {sym} {p}")
            }
        }
    })
}

/// A row of a list page with the text of its sort value, from which the next cursor is made.
pub struct Sorted<T> {
    pub row: T,
    pub sort_value: Option<String>,
}

impl<'r, T: sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
    for Sorted<T>
{
    fn from_row(row: &'r sqlx::sqlite::SqliteRow) -> Result<Self, sqlx::Error> {
        use sqlx::Row;
        Ok(Sorted {
            row: T::from_row(row)?,
            sort_value: row.try_get("sort_value")?,
        })
    }
}

impl<'r, T: sqlx::FromRow<'r, sqlx::postgres::PgRow>> sqlx::FromRow<'r, sqlx::postgres::PgRow>
    for Sorted<T>
{
    fn from_row(row: &'r sqlx::postgres::PgRow) -> Result<Self, sqlx::Error> {
        use sqlx::Row;
        Ok(Sorted {
            row: T::from_row(row)?,
            sort_value: row.try_get("sort_value")?,
        })
    }
}

/// One page of records and the cursor of the next page (None on the last page).
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Cuts the extra row off a `limit + 1` result and makes the cursor from the last kept row.
pub fn into_page<T>(mut rows: Vec<Sorted<T>>, limit: i64, id_of: impl Fn(&T) -> Uuid) -> Page<T> {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit.max(0) as usize);
    let next_cursor = if more {
        rows.last().map(|r| {
            cursor_for(
                r.sort_value
                    .clone()
                    .map(Value::String)
                    .unwrap_or(Value::Null),
                id_of(&r.row),
            )
        })
    } else {
        None
    };
    Page {
        rows: rows.into_iter().map(|r| r.row).collect(),
        next_cursor,
    }
}

/// The sort expression with NULLs folded to a value, so keyset comparisons are total.
fn sort_key(backend: Backend, expr: &str, kind: Kind) -> String {
    match kind {
        Kind::Number => format!("COALESCE({expr}, -999999999999999)"),
        Kind::Text => format!("COALESCE({expr}, '')"),
        // Dates and times sort as their text form on SQLite and natively on PostgreSQL; cast to
        // text on both so the cursor value has one type.
        Kind::Date | Kind::Time => format!("COALESCE(CAST({expr} AS TEXT), '')"),
        Kind::Bool => format!("COALESCE(CAST({expr} AS TEXT), '')"),
        // Ids are 16-byte blobs on SQLite: as text they are not UTF-8, so they sort as hex
        // (the same order as the bytes, as PostgreSQL's text form of a uuid).
        Kind::Uuid => match backend {
            Backend::Sqlite => format!("COALESCE(lower(hex({expr})), '')"),
            Backend::Postgres => format!("COALESCE(CAST({expr} AS TEXT), '')"),
        },
    }
}

/// An opaque cursor: the last row's sort value and id.
pub fn cursor_for(sort_value: Value, id: Uuid) -> String {
    let raw = serde_json::json!([sort_value, id]).to_string();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

fn decode_cursor(c: &str) -> Result<(Value, Uuid), ListError> {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(c)
        .map_err(|_| ListError::BadCursor)?;
    let v: Value = serde_json::from_slice(&raw).map_err(|_| ListError::BadCursor)?;
    let arr = v
        .as_array()
        .filter(|a| a.len() == 2)
        .ok_or(ListError::BadCursor)?;
    let id = arr[1]
        .as_str()
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or(ListError::BadCursor)?;
    Ok((arr[0].clone(), id))
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Table = Table {
        name: "contacts",
        columns: &[
            ("last_name", Kind::Text),
            ("created_at", Kind::Time),
            ("tags", Kind::Text),
        ],
        select: "id",
        owned: true,
        derived: &[],
        link_sorts: &[],
    };

    #[test]
    fn derived_fields_filter_and_sort_by_their_expression() {
        const D: Table = Table {
            name: "deals",
            columns: &[("title", Kind::Text)],
            select: "id",
            owned: false,
            derived: &[(
                "status",
                Kind::Text,
                "(SELECT kind FROM stages WHERE stages.id = deals.stage_id)",
            )],
            link_sorts: &[],
        };
        let mut spec = ListSpec::new(OwnerFilter::Any, 10);
        spec.filters.push(Filter {
            field: Field::Column("status".into()),
            op: Op::Eq,
            value: Value::String("won".into()),
        });
        spec.sort = Some(Sort {
            field: Field::Column("status".into()),
            desc: true,
        });
        let sql = build_list(Backend::Postgres, &D, &spec).unwrap();
        assert!(
            sql.text
                .contains("(SELECT kind FROM stages WHERE stages.id = deals.stage_id) = $"),
            "{}",
            sql.text
        );
        assert!(!sql.text.contains("won"), "values are bound");
        spec.filters[0].field = Field::Column("kind; DROP TABLE deals".into());
        assert!(matches!(
            build_list(Backend::Postgres, &D, &spec),
            Err(ListError::UnknownField(_))
        ));
    }

    #[test]
    fn links_sort_by_what_they_link_to_and_filter_by_id() {
        const L: Table = Table {
            name: "contacts",
            columns: &[("owner_id", Kind::Uuid), ("last_name", Kind::Text)],
            select: "id",
            owned: true,
            derived: &[],
            link_sorts: &[LinkSort {
                column: "owner_id",
                kind: Kind::Text,
                join: "LEFT JOIN users r ON r.id = x.owner_id",
                value: "r.display_name",
            }],
        };
        let sara = Uuid::now_v7();
        let mut spec = ListSpec::new(OwnerFilter::Any, 10);
        spec.filters.push(Filter {
            field: Field::Column("owner_id".into()),
            op: Op::Eq,
            value: Value::String(sara.to_string()),
        });
        spec.sort = Some(Sort {
            field: Field::Column("owner_id".into()),
            desc: false,
        });
        spec.cursor = Some(cursor_for(Value::String("سارا".into()), sara));
        let sql = build_list(Backend::Sqlite, &L, &spec).unwrap();
        assert!(
            sql.text.contains(
                "FROM (SELECT x.*, r.display_name AS link_sort FROM contacts x \
                 LEFT JOIN users r ON r.id = x.owner_id) contacts WHERE"
            ),
            "{}",
            sql.text
        );
        let key = "COALESCE(link_sort, '')";
        assert!(
            sql.text.contains(&format!("ORDER BY {key} ASC, id ASC")),
            "{}",
            sql.text
        );
        assert!(sql.text.contains(&format!("({key} > $2")), "{}", sql.text);
        assert!(sql.text.contains("owner_id = $1"), "{}", sql.text);
        assert!(!sql.text.contains("hex("), "{}", sql.text);

        // Any other sort reads the table itself.
        spec.sort = Some(Sort {
            field: Field::Column("last_name".into()),
            desc: false,
        });
        let sql = build_list(Backend::Sqlite, &L, &spec).unwrap();
        assert!(sql.text.contains("FROM contacts WHERE"), "{}", sql.text);
    }

    #[test]
    fn scoped_filtered_sorted_page() {
        let me = Uuid::now_v7();
        let mut spec = ListSpec::new(OwnerFilter::OwnedBy(vec![me]), 50);
        spec.filters.push(Filter {
            field: Field::Custom {
                key: "tier".into(),
                numeric: false,
            },
            op: Op::Eq,
            value: Value::from("gold"),
        });
        spec.sort = Some(Sort {
            field: Field::Column("last_name".into()),
            desc: false,
        });
        spec.search = Some("علی رضایی".into());
        let sql = build_list(Backend::Postgres, &T, &spec).unwrap();
        assert!(sql.text.contains("owner_id IN ($1)"));
        assert!(sql.text.contains("(' ' || search_text) LIKE $2"));
        assert!(sql.text.contains("(' ' || search_text) LIKE $3"));
        assert!(sql.text.contains("(custom ->> $4) = $5"), "{}", sql.text);
        let lite = build_list(Backend::Sqlite, &T, &spec).unwrap();
        assert!(lite.text.contains("contacts_fts MATCH $2"), "{}", lite.text);
        assert!(matches!(&lite.args[1], Val::Text(Some(q)) if q == "\"علی\"* AND \"رضایی\"*"));
        assert!(
            sql.text
                .contains("CAST(COALESCE(last_name, '') AS TEXT) AS sort_value")
        );
        assert!(
            sql.text
                .ends_with("ORDER BY COALESCE(last_name, '') ASC, id ASC LIMIT $6")
        );
        assert_eq!(sql.args.len(), 6);
    }

    #[test]
    fn unknown_columns_are_refused_not_interpolated() {
        let mut spec = ListSpec::new(OwnerFilter::Any, 10);
        spec.filters.push(Filter {
            field: Field::Column("password_hash; DROP TABLE x".into()),
            op: Op::Eq,
            value: Value::from("x"),
        });
        assert!(matches!(
            build_list(Backend::Postgres, &T, &spec),
            Err(ListError::UnknownField(_))
        ));
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let id = Uuid::now_v7();
        let c = cursor_for(Value::from("رضایی"), id);
        assert_eq!(decode_cursor(&c).unwrap(), (Value::from("رضایی"), id));
        assert!(decode_cursor("garbage").is_err());
        let mut spec = ListSpec::new(OwnerFilter::Any, 10);
        spec.cursor = Some(c);
        spec.sort = Some(Sort {
            field: Field::Column("last_name".into()),
            desc: true,
        });
        let sql = build_list(Backend::Postgres, &T, &spec).unwrap();
        assert!(sql.text.contains("< $1 OR"));
    }

    #[test]
    fn empty_team_sees_nothing() {
        let spec = ListSpec::new(OwnerFilter::OwnedBy(vec![]), 10);
        assert!(
            build_list(Backend::Postgres, &T, &spec)
                .unwrap()
                .text
                .contains("1 = 0")
        );
    }
}
