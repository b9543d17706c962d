//! Passwords, sessions, API keys, and turning a user into an [`Actor`] for access checks.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine;
use chrono::{Duration, Utc};
use peyvand_domain::access::Actor;
use peyvand_store::{ApiKeyRecord, SessionRecord, Store, UserRecord};
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::audit::{self, Ctx, Who};
use crate::{ServiceError, ServiceResult};

/// How long a session lives after its last use.
pub const SESSION_IDLE_DAYS: i64 = 30;
/// Sessions are refreshed at most this often, to keep reads from becoming writes.
const SESSION_TOUCH_MINUTES: i64 = 5;
/// An API key's use is written to the audit log at most this often per key.
const API_KEY_AUDIT_MINUTES: i64 = 10;
/// Failed sign-ins for one email within [`THROTTLE_MINUTES`] before further attempts are refused.
pub const MAX_FAILED_SIGN_INS: i64 = 5;
pub const THROTTLE_MINUTES: i64 = 15;
/// The visible start of every API key, so leaked keys are easy to recognise.
pub const API_KEY_PREFIX: &str = "pvk_";

pub fn hash_password(password: &str) -> ServiceResult<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| {
            ServiceError::Store(peyvand_store::StoreError::Config(format!(
                "hashing failed: {e}"
            )))
        })
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A fresh random secret, URL-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source works");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored for a secret: its SHA-256, so a copy of the database does not give access.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Checks the email and password, then opens a session. Both outcomes are audited.
pub async fn sign_in(
    store: &Store,
    email: &str,
    password: &str,
    origin: &crate::Origin,
) -> ServiceResult<(String, UserRecord)> {
    let email = email.trim().to_lowercase();
    // Counted from the audit log, so the limit holds across restarts and across instances.
    let recent_failures = store
        .count_recent_events(
            &email,
            "sign_in_failed",
            Utc::now() - Duration::minutes(THROTTLE_MINUTES),
        )
        .await?;
    if recent_failures >= MAX_FAILED_SIGN_INS {
        let ctx = Ctx {
            who: Who {
                user_id: None,
                label: email.clone(),
            },
            origin: origin.clone(),
        };
        audit::security_event(store, &ctx, "sign_in_throttled", "user", None, json!({})).await?;
        return Err(ServiceError::TooManyAttempts);
    }
    let user = store.user_by_email(&email).await?;
    let ok = match &user {
        Some(u) => verify_password(password, &u.password_hash) && u.active,
        None => {
            // Spend the same time as a real check so response times do not reveal accounts.
            let _ = verify_password(password, DUMMY_HASH);
            false
        }
    };
    let Some(user) = user.filter(|_| ok) else {
        let ctx = Ctx {
            who: Who {
                user_id: None,
                label: email.clone(),
            },
            origin: origin.clone(),
        };
        audit::security_event(store, &ctx, "sign_in_failed", "user", None, json!({})).await?;
        return Err(ServiceError::BadCredentials);
    };
    let token = random_token();
    let now = Utc::now();
    store
        .insert_session(&SessionRecord {
            token_hash: token_hash(&token),
            user_id: user.id,
            created_at: now,
            last_seen_at: now,
            expires_at: now + Duration::days(SESSION_IDLE_DAYS),
        })
        .await?;
    let ctx = Ctx {
        who: Who::user(user.id, &user.email),
        origin: origin.clone(),
    };
    audit::security_event(
        store,
        &ctx,
        "sign_in",
        "user",
        Some(user.id.to_string()),
        json!({}),
    )
    .await?;
    Ok((token, user))
}

/// A valid Argon2id hash of a random string, used to equalise timing for unknown emails.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2hqv5VvX0S3ZyxHqgmQ8P1mKQh0Q8zQq0c4x0mZ0Y2E";

/// The active user behind a session cookie, sliding the session's expiry.
pub async fn session_user(store: &Store, token: &str) -> ServiceResult<Option<UserRecord>> {
    let now = Utc::now();
    let hash = token_hash(token);
    let Some(session) = store.session(&hash, now).await? else {
        return Ok(None);
    };
    let Some(user) = store
        .user_by_id(session.user_id)
        .await?
        .filter(|u| u.active)
    else {
        return Ok(None);
    };
    if now - session.last_seen_at > Duration::minutes(SESSION_TOUCH_MINUTES) {
        store
            .touch_session(&hash, now, now + Duration::days(SESSION_IDLE_DAYS))
            .await?;
    }
    Ok(Some(user))
}

pub async fn sign_out(store: &Store, token: &str, ctx: &Ctx) -> ServiceResult<()> {
    store.delete_session(&token_hash(token)).await?;
    audit::security_event(
        store,
        ctx,
        "sign_out",
        "user",
        ctx.who.user_id.map(|u| u.to_string()),
        json!({}),
    )
    .await
}

/// The user behind an API key. Use is audited (at most every few minutes per key).
pub async fn api_key_user(
    store: &Store,
    key: &str,
    origin: &crate::Origin,
) -> ServiceResult<Option<(UserRecord, ApiKeyRecord)>> {
    if !key.starts_with(API_KEY_PREFIX) {
        return Ok(None);
    }
    let Some(record) = store.api_key_by_hash(&token_hash(key)).await? else {
        return Ok(None);
    };
    if record.revoked_at.is_some() {
        return Ok(None);
    }
    let Some(user) = store.user_by_id(record.user_id).await?.filter(|u| u.active) else {
        return Ok(None);
    };
    let now = Utc::now();
    let stale = record
        .last_used_at
        .is_none_or(|t| now - t > Duration::minutes(API_KEY_AUDIT_MINUTES));
    if stale {
        store.touch_api_key(record.id, now).await?;
        let ctx = Ctx {
            who: Who::user(user.id, &user.email),
            origin: origin.clone(),
        };
        audit::security_event(
            store,
            &ctx,
            "api_key_used",
            "api_key",
            Some(record.id.to_string()),
            json!({"name": record.name, "prefix": record.prefix}),
        )
        .await?;
    }
    Ok(Some((user, record)))
}

/// Creates a key for `user_id`; returns the secret, shown once and never stored.
pub async fn create_api_key(
    store: &Store,
    ctx: &Ctx,
    user_id: Uuid,
    name: &str,
) -> ServiceResult<(String, ApiKeyRecord)> {
    let name = peyvand_domain::text::tidy(name);
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ServiceError::Validation(vec![crate::FieldError::new(
            "name",
            if name.is_empty() {
                "field.required"
            } else {
                "field.too_long"
            },
        )]));
    }
    if store.user_by_id(user_id).await?.is_none() {
        return Err(ServiceError::NotFound);
    }
    let secret = format!("{API_KEY_PREFIX}{}", random_token());
    let record = ApiKeyRecord {
        id: Uuid::now_v7(),
        user_id,
        name,
        prefix: secret[..API_KEY_PREFIX.len() + 6].to_owned(),
        key_hash: token_hash(&secret),
        created_at: Utc::now(),
        last_used_at: None,
        revoked_at: None,
    };
    let mut tx = store.begin().await?;
    store.insert_api_key(&mut tx, &record).await?;
    audit::record(
        store,
        &mut tx,
        ctx,
        "api_key_created",
        "api_key",
        Some(record.id.to_string()),
        json!({"name": record.name, "prefix": record.prefix, "user_id": user_id}),
    )
    .await?;
    tx.commit().await?;
    Ok((secret, record))
}

/// Revokes one of the acting user's own keys (an administrator may revoke anyone's).
pub async fn revoke_api_key(
    store: &Store,
    ctx: &Ctx,
    actor: &Actor,
    key_id: Uuid,
) -> ServiceResult<()> {
    let Some(key) = store.api_key_by_id(key_id).await? else {
        return Err(ServiceError::NotFound);
    };
    if key.user_id != actor.user_id && !actor.is_admin() {
        return Err(ServiceError::NotFound);
    }
    let mut tx = store.begin().await?;
    if store.revoke_api_key(&mut tx, key_id, Utc::now()).await? {
        audit::record(
            store,
            &mut tx,
            ctx,
            "api_key_revoked",
            "api_key",
            Some(key_id.to_string()),
            json!({"name": key.name, "prefix": key.prefix}),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The user as access checks see them: their role's grants and their teammates.
pub async fn actor_for(store: &Store, user: &UserRecord) -> ServiceResult<Actor> {
    let role = store
        .role_by_id(user.role_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    Ok(Actor {
        user_id: user.id,
        teammates: store.teammates(user.id).await?,
        role_key: role.key,
        permissions: role.permissions.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_hash_verifies_only_the_right_password() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn dummy_hash_parses() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }

    #[test]
    fn tokens_are_random_and_hashes_stable() {
        let a = random_token();
        let b = random_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash("abc"), token_hash("abc"));
        assert_ne!(token_hash(&a), token_hash(&b));
    }
}
