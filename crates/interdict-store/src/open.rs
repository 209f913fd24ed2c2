//! Opening a store: the SQLite file in a data directory, or a PostgreSQL URL; migrations
//! applied at open.

use crate::Store;
use crate::db::Db;
use crate::error::{Result, StoreError};
use sqlx::ConnectOptions;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// The SQLite file a data directory keeps.
pub const SQLITE_FILE: &str = "interdict.sqlite";

/// How long a SQLite writer waits for another process's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// The first 16 bytes of every SQLite 3 database.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static PG_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// A URL with its password replaced, for messages.
fn redact(url: &str) -> String {
    match url::parse_password(url) {
        Some((before, after)) => format!("{before}***{after}"),
        None => url.to_string(),
    }
}

mod url {
    /// Splits `scheme://user:password@host…` around the password.
    pub(super) fn parse_password(url: &str) -> Option<(&str, &str)> {
        let rest_start = url.find("://")? + 3;
        let at = rest_start + url[rest_start..].find('@')?;
        let colon = rest_start + url[rest_start..at].find(':')?;
        Some((&url[..=colon], &url[at..]))
    }
}

/// Refuses a file that exists, is not empty and is not a SQLite database, before SQLite
/// touches it (so it is never overwritten).
fn check_sqlite_file(path: &Path) -> Result<()> {
    let open_err = |message: String| StoreError::Open {
        location: path.display().to_string(),
        message,
    };
    let mut head = [0u8; 16];
    match std::fs::File::open(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(open_err(e.to_string())),
        Ok(mut f) => {
            use std::io::Read;
            let n = f.read(&mut head).map_err(|e| open_err(e.to_string()))?;
            if n == 0 || (n == 16 && &head == SQLITE_MAGIC) {
                Ok(())
            } else {
                Err(open_err(
                    "not a SQLite database (the file header is wrong); the file was left as it is"
                        .to_string(),
                ))
            }
        }
    }
}

impl Store {
    /// Opens (creating it when missing) the SQLite database `interdict.sqlite` in `dir`,
    /// creating `dir` too. WAL journal, `synchronous=FULL` (a commit is durable when it
    /// returns), foreign keys on, a busy timeout, one writer connection. A file that is not
    /// a SQLite database is refused with an error naming it and left untouched.
    pub async fn open_data_dir(dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Open {
            location: dir.display().to_string(),
            message: format!("cannot create the data directory: {e}"),
        })?;
        Store::open_sqlite(&dir.join(SQLITE_FILE)).await
    }

    /// Opens (creating it when missing) the SQLite database file `path`; see
    /// [`Store::open_data_dir`].
    pub async fn open_sqlite(path: &Path) -> Result<Store> {
        Store::open_sqlite_with(path, SqliteSynchronous::Full).await
    }

    /// A throwaway store in `dir` to compute with (`report --from`, an evidence pack's
    /// replay): as [`Store::open_data_dir`] but `synchronous=OFF`, no commit waits for the
    /// disk — a crash loses it, and nothing of value is in it.
    pub async fn open_scratch(dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Open {
            location: dir.display().to_string(),
            message: format!("cannot create the directory: {e}"),
        })?;
        Store::open_sqlite_with(&dir.join(SQLITE_FILE), SqliteSynchronous::Off).await
    }

    async fn open_sqlite_with(path: &Path, synchronous: SqliteSynchronous) -> Result<Store> {
        let location = path.display().to_string();
        check_sqlite_file(path)?;
        let open_err = |e: sqlx::Error| StoreError::Open {
            location: location.clone(),
            message: e.to_string(),
        };
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(synchronous)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            .disable_statement_logging();
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts.clone())
            .await
            .map_err(open_err)?;
        SQLITE_MIGRATIONS
            .run(&write)
            .await
            .map_err(|e| StoreError::Migrate {
                location: location.clone(),
                message: e.to_string(),
            })?;
        // Fresh planner statistics (bounded work): without them SQLite may pick a
        // low-selectivity index for a correlated subquery and turn a page into seconds.
        sqlx::query("PRAGMA analysis_limit = 1000")
            .execute(&write)
            .await
            .map_err(open_err)?;
        sqlx::query("PRAGMA optimize = 0x10002")
            .execute(&write)
            .await
            .map_err(open_err)?;
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts.create_if_missing(false))
            .await
            .map_err(open_err)?;
        Ok(Store {
            db: Db::Sqlite { write, read },
            location: location.clone(),
        })
    }

    /// Opens a database by URL: `postgres://…` (or `postgresql://…`) for PostgreSQL,
    /// `sqlite://PATH` for a SQLite file. Migrations are applied (concurrent openers on one
    /// PostgreSQL database are serialized by the migrator's advisory lock).
    pub async fn connect(url: &str) -> Result<Store> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            return Store::open_sqlite(&PathBuf::from(path)).await;
        }
        let location = redact(url);
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(StoreError::Open {
                location,
                message: "unsupported database URL (use postgres://… or sqlite://PATH)".into(),
            });
        }
        let open_err = |e: sqlx::Error| StoreError::Open {
            location: location.clone(),
            message: e.to_string(),
        };
        let opts = PgConnectOptions::from_str(url)
            .map_err(open_err)?
            .disable_statement_logging();
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts)
            .await
            .map_err(open_err)?;
        PG_MIGRATIONS
            .run(&pool)
            .await
            .map_err(|e| StoreError::Migrate {
                location: location.clone(),
                message: e.to_string(),
            })?;
        Ok(Store {
            db: Db::Pg(pool),
            location,
        })
    }

    /// The file or URL (password hidden) this store was opened on.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn backend(&self) -> &'static str {
        match self.db {
            Db::Sqlite { .. } => "sqlite",
            Db::Pg(_) => "postgres",
        }
    }

    /// Closes the pools; pending writes are already committed.
    pub async fn close(&self) {
        self.db.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden_in_locations() {
        assert_eq!(
            redact("postgres://u:secret@db:5432/x"),
            "postgres://u:***@db:5432/x"
        );
        assert_eq!(redact("postgres://u@db/x"), "postgres://u@db/x");
    }
}
