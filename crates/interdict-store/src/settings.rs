//! Fleet-wide settings: small key/value pairs every server process shares through the
//! database (nothing lives in one process's memory).

use crate::Store;
use crate::db::args;
use crate::error::Result;
use crate::util::ms;
use jiff::Timestamp;

/// The catalog digest the stored findings were last evaluated against.
pub const CATALOG_DIGEST: &str = "catalog.digest";

impl Store {
    /// The value of setting `key`, when it is set.
    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        let row: Option<(String,)> = self
            .db
            .read()
            .optional("SELECT value FROM settings WHERE key = $1", args![key])
            .await?;
        Ok(row.map(|r| r.0))
    }

    /// Sets `key` to `value` (recorded at `at`).
    pub async fn set_setting(&self, key: &str, value: &str, at: Timestamp) -> Result<()> {
        let mut tx = self.db.begin().await?;
        tx.execute(
            "INSERT INTO settings (key, value, updated_ms) VALUES ($1, $2, $3) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, \
             updated_ms = excluded.updated_ms",
            args![key, value, ms(at)],
        )
        .await?;
        tx.commit().await
    }
}
