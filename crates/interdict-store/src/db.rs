//! One code base on two backends: the [`Db`] pools, the [`Tx`] transaction and the
//! [`Exec`] executor run the same SQL text (`$1…$N` placeholders) on SQLite and
//! PostgreSQL. Values are bound as [`Arg`]s; rows decode into types that implement
//! `FromRow` for both row types (derive `sqlx::FromRow`, or tuples).
//!
//! Every SQL string given to these functions is a constant of this crate, or is assembled
//! from such constants and placeholders only; user values are always bound, never spliced
//! (that is why wrapping them in `AssertSqlSafe` is sound).

use crate::error::Result;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{AssertSqlSafe, FromRow, PgConnection, PgPool, Postgres, Sqlite, SqliteConnection};
use sqlx::{SqlitePool, Transaction};

/// A bound value.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    /// BIGINT.
    I64(Option<i64>),
    /// TEXT.
    Text(Option<String>),
    /// BLOB / BYTEA.
    Blob(Vec<u8>),
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::I64(Some(v))
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        Arg::I64(v)
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(Some(v.to_string()))
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Self {
        Arg::Text(Some(v.clone()))
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(Some(v))
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        Arg::Text(v)
    }
}
impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Self {
        Arg::Text(v.map(str::to_string))
    }
}
impl From<Vec<u8>> for Arg {
    fn from(v: Vec<u8>) -> Self {
        Arg::Blob(v)
    }
}

/// Builds a `Vec<Arg>` from values of any type `Arg` converts from.
macro_rules! args {
    ($($v:expr),* $(,)?) => { vec![$($crate::db::Arg::from($v)),*] };
}
pub(crate) use args;

/// A row type both backends decode.
pub(crate) trait Decode2:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}
impl<T> Decode2 for T where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}

/// Binds `args` to a query or query_as of either backend.
macro_rules! bind_all {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                Arg::I64(v) => q.bind(v),
                Arg::Text(v) => q.bind(v),
                Arg::Blob(v) => q.bind(v),
            };
        }
        q
    }};
}

/// Runs `$body` with `$e` bound to the executor of whichever backend `$exec` holds.
macro_rules! on_exec {
    ($exec:expr, $e:ident => $body:expr) => {
        match $exec {
            Exec::SqlitePool(p) => {
                let $e = *p;
                $body
            }
            Exec::PgPool(p) => {
                let $e = *p;
                $body
            }
            Exec::SqliteConn(c) => {
                let $e = &mut **c;
                $body
            }
            Exec::PgConn(c) => {
                let $e = &mut **c;
                $body
            }
        }
    };
}

/// Runs `$body` (an expression using the transaction `$tx`, giving
/// `Result<(value, commit)>`) in a write transaction of `$db`: committed when `commit` is
/// true, rolled back when it is false or on an error. A PostgreSQL deadlock or
/// serialization failure runs it again (a few times). Evaluates to `Result<value>`.
/// (A macro rather than a function taking an async closure: such a closure's future
/// cannot be proven `Send`, and the server needs `Send` futures.)
macro_rules! write_tx {
    ($db:expr, $tx:ident => $body:expr) => {{
        let mut attempt = 0;
        loop {
            let mut $tx = $db.begin().await?;
            let outcome: $crate::error::Result<_> = match $body {
                Ok((value, true)) => $tx.commit().await.map(|()| value),
                Ok((value, false)) => $tx.rollback().await.map(|()| value),
                Err(e) => {
                    let _ = $tx.rollback().await;
                    Err(e)
                }
            };
            match outcome {
                Err(e) if e.is_retryable() && attempt < 8 => attempt += 1,
                other => break other,
            }
        }
    }};
}
pub(crate) use write_tx;

/// The connection pools of one database.
#[derive(Clone, Debug)]
pub(crate) enum Db {
    /// SQLite: one writer connection (SQLite allows one writer at a time; a single
    /// connection makes that explicit and avoids busy waits) and a pool of readers.
    Sqlite {
        /// The single writer.
        write: SqlitePool,
        /// Readers (WAL lets them run beside the writer).
        read: SqlitePool,
    },
    /// PostgreSQL.
    Pg(PgPool),
}

impl Db {
    /// An executor for reads outside a transaction.
    pub(crate) fn read(&self) -> Exec<'_> {
        match self {
            Db::Sqlite { read, .. } => Exec::SqlitePool(read),
            Db::Pg(p) => Exec::PgPool(p),
        }
    }

    /// Begins a write transaction. On SQLite it is `BEGIN IMMEDIATE`, so a second process
    /// on the same file waits (busy timeout) at the start instead of failing at its first
    /// write.
    pub(crate) async fn begin(&self) -> Result<Tx> {
        Ok(match self {
            Db::Sqlite { write, .. } => Tx::Sqlite(write.begin_with("BEGIN IMMEDIATE").await?),
            Db::Pg(p) => Tx::Pg(p.begin().await?),
        })
    }

    /// Closes every pool.
    pub(crate) async fn close(&self) {
        match self {
            Db::Sqlite { write, read } => {
                write.close().await;
                read.close().await;
            }
            Db::Pg(p) => p.close().await,
        }
    }
}

/// A write transaction on either backend.
pub(crate) enum Tx {
    /// SQLite.
    Sqlite(Transaction<'static, Sqlite>),
    /// PostgreSQL.
    Pg(Transaction<'static, Postgres>),
}

impl Tx {
    /// The executor inside the transaction.
    pub(crate) fn exec(&mut self) -> Exec<'_> {
        match self {
            Tx::Sqlite(t) => Exec::SqliteConn(t),
            Tx::Pg(t) => Exec::PgConn(t),
        }
    }

    /// ` FOR UPDATE` on PostgreSQL (row locks), nothing on SQLite (the single writer and
    /// `BEGIN IMMEDIATE` already serialize writers).
    pub(crate) fn for_update(&self) -> &'static str {
        match self {
            Tx::Sqlite(_) => "",
            Tx::Pg(_) => " FOR UPDATE",
        }
    }

    /// Commits; the data is durable when this returns (`synchronous=FULL` on SQLite).
    pub(crate) async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Pg(t) => t.commit().await?,
        }
        Ok(())
    }

    /// Rolls back.
    pub(crate) async fn rollback(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.rollback().await?,
            Tx::Pg(t) => t.rollback().await?,
        }
        Ok(())
    }

    /// See [`Exec::execute`].
    pub(crate) async fn execute(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64> {
        self.exec().execute(sql, args).await
    }

    /// See [`Exec::all`].
    pub(crate) async fn all<T: Decode2>(&mut self, sql: &str, args: Vec<Arg>) -> Result<Vec<T>> {
        self.exec().all(sql, args).await
    }

    /// See [`Exec::optional`].
    pub(crate) async fn optional<T: Decode2>(
        &mut self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<Option<T>> {
        self.exec().optional(sql, args).await
    }
}

/// Where a query runs: a pool (reads) or a transaction's connection.
pub(crate) enum Exec<'a> {
    /// SQLite pool.
    SqlitePool(&'a SqlitePool),
    /// PostgreSQL pool.
    PgPool(&'a PgPool),
    /// SQLite connection in a transaction.
    SqliteConn(&'a mut SqliteConnection),
    /// PostgreSQL connection in a transaction.
    PgConn(&'a mut PgConnection),
}

impl Exec<'_> {
    /// Runs a statement; returns the rows affected.
    pub(crate) async fn execute(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64> {
        Ok(
            on_exec!(self, e => bind_all!(sqlx::query(AssertSqlSafe(sql)), args)
            .execute(e)
            .await?
            .rows_affected()),
        )
    }

    /// Every row.
    pub(crate) async fn all<T: Decode2>(&mut self, sql: &str, args: Vec<Arg>) -> Result<Vec<T>> {
        Ok(
            on_exec!(self, e => bind_all!(sqlx::query_as::<_, T>(AssertSqlSafe(sql)), args)
            .fetch_all(e)
            .await?),
        )
    }

    /// The first row, if any.
    pub(crate) async fn optional<T: Decode2>(
        &mut self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<Option<T>> {
        Ok(
            on_exec!(self, e => bind_all!(sqlx::query_as::<_, T>(AssertSqlSafe(sql)), args)
            .fetch_optional(e)
            .await?),
        )
    }

    /// Exactly one row.
    pub(crate) async fn one<T: Decode2>(&mut self, sql: &str, args: Vec<Arg>) -> Result<T> {
        Ok(
            on_exec!(self, e => bind_all!(sqlx::query_as::<_, T>(AssertSqlSafe(sql)), args)
            .fetch_one(e)
            .await?),
        )
    }
}
