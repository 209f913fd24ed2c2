//! The store's error type.

/// Why a store operation failed. Every variant names what it is about.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database could not be opened (unreachable server, unreadable or corrupt file).
    #[error("{location}: cannot open the database: {message}")]
    Open {
        /// The file or URL (without password).
        location: String,
        /// What went wrong.
        message: String,
    },
    /// A migration could not be applied.
    #[error("{location}: cannot migrate the database: {message}")]
    Migrate {
        /// The file or URL (without password).
        location: String,
        /// What went wrong.
        message: String,
    },
    /// A query failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A referenced thing does not exist.
    #[error("{kind} {id:?} not found")]
    NotFound {
        /// What kind of thing (`finding`, `directive`, …).
        kind: &'static str,
        /// Its id.
        id: String,
    },
    /// A lifecycle change that the finding's state does not allow.
    #[error("finding {finding}: cannot go from {from} to {to}")]
    InvalidTransition {
        /// The finding id.
        finding: String,
        /// Its current state.
        from: String,
        /// The state asked for.
        to: String,
    },
    /// An argument is not acceptable (empty name, unknown role, bad cursor, …).
    #[error("{0}")]
    Invalid(String),
    /// The thing named is not in a state that allows this (an exception closed already).
    #[error("{0}")]
    Conflict(String),
    /// A report that cannot be stored (a host without an id, …).
    #[error("report {report}: {message}")]
    Report {
        /// The report id.
        report: String,
        /// What is wrong.
        message: String,
    },
    /// Stored data that cannot be read back (corrupt JSON or compressed body).
    #[error("stored {what} is unreadable: {message}")]
    Corrupt {
        /// What was read.
        what: String,
        /// What went wrong.
        message: String,
    },
}

impl StoreError {
    /// PostgreSQL asked the transaction to be retried (deadlock or serialization failure).
    pub(crate) fn is_retryable(&self) -> bool {
        match self {
            StoreError::Database(e) => e
                .as_database_error()
                .and_then(|d| d.code())
                .is_some_and(|c| c == "40001" || c == "40P01"),
            _ => false,
        }
    }
}

/// Result of a store operation.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
