//! Errors the use cases report, in terms a web page or an API client can act on.

use peyvand_domain::access::Denied;
use peyvand_store::StoreError;
use serde::Serialize;

/// One field's problem. `code` is a stable message id (e.g. `email.invalid`) that the web layer
/// translates; `field` is the input's name as the caller sent it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub code: String,
}

impl FieldError {
    pub fn new(field: &str, code: &str) -> Self {
        FieldError {
            field: field.to_owned(),
            code: code.to_owned(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("invalid input")]
    Validation(Vec<FieldError>),
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("wrong email or password")]
    BadCredentials,
    #[error("too many failed sign-ins; wait and try again")]
    TooManyAttempts,
    /// The record looks like one that exists (same phone, email or national ID); the caller
    /// may confirm to create it anyway.
    #[error("possible duplicate")]
    Duplicate(Vec<Duplicate>),
    #[error("first-run setup is already done")]
    SetupDone,
    #[error(transparent)]
    Store(StoreError),
}

pub type ServiceResult<T> = Result<T, ServiceError>;

/// An existing record that a new one resembles.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Duplicate {
    pub record_type: String,
    pub id: uuid::Uuid,
    /// What matched: phone, email or national_id.
    pub matched_on: String,
    pub value: String,
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ServiceError::NotFound,
            other => ServiceError::Store(other),
        }
    }
}

impl From<Denied> for ServiceError {
    fn from(_: Denied) -> Self {
        ServiceError::Forbidden
    }
}

/// Collects field errors, then fails once with all of them.
#[derive(Default, Debug)]
pub struct Problems(pub Vec<FieldError>);

impl Problems {
    pub fn add(&mut self, field: &str, code: &str) {
        self.0.push(FieldError::new(field, code));
    }

    pub fn check<T, E>(
        &mut self,
        field: &str,
        r: Result<T, E>,
        code: impl Fn(&E) -> &'static str,
    ) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(field, code(&e));
                None
            }
        }
    }

    pub fn finish(self) -> ServiceResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ServiceError::Validation(self.0))
        }
    }
}
