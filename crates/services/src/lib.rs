//! Peyvand's use cases. Each public function validates its input, checks access, changes the
//! store and writes the audit entry in one transaction.
#![forbid(unsafe_code)]

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod demo;
pub mod error;
pub mod jobs;
pub mod notifications;
pub mod sales;

pub use error::{Duplicate, FieldError, ServiceError, ServiceResult};
pub use peyvand_store::{Store, StoreError};

/// How a request reached the service, for the audit log.
#[derive(Clone, Debug)]
pub struct Origin {
    /// "web", "api", "cli" or "system".
    pub via: &'static str,
    pub client_ip: Option<String>,
}

impl Origin {
    pub fn cli() -> Origin {
        Origin {
            via: "cli",
            client_ip: None,
        }
    }
}
