//! The one storage error type, mapped from sqlx in one place.

/// What went wrong in storage, in terms the layers above can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("record not found")]
    NotFound,
    /// A unique or foreign-key constraint refused the write; `constraint` names it when the
    /// database said which.
    #[error("conflict on {constraint}")]
    Conflict { constraint: String },
    /// The operator's configuration (URL, path) is wrong.
    #[error("{0}")]
    Config(String),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Anything else: the database is down, a query is broken … never shown to users as-is.
    #[error("database error: {0}")]
    Other(sqlx::Error),
}

pub type StoreResult<T> = Result<T, StoreError>;

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db)
                if db.is_unique_violation() || db.is_foreign_key_violation() =>
            {
                let constraint = db
                    .constraint()
                    .map(str::to_owned)
                    // SQLite names the columns in the message, not the constraint.
                    .unwrap_or_else(|| db.message().to_owned());
                StoreError::Conflict { constraint }
            }
            _ => StoreError::Other(e),
        }
    }
}

impl StoreError {
    /// True when a unique/foreign-key conflict mentions `needle` (a constraint or column name).
    pub fn is_conflict_on(&self, needle: &str) -> bool {
        matches!(self, StoreError::Conflict { constraint } if constraint.contains(needle))
    }
}
