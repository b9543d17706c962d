//! Accounts, roles, teams, sessions, API keys, the audit log and first-run setup.

use chrono::{DateTime, Utc};
use peyvand_domain::access::Permissions;
use serde::Serialize;
use sqlx::types::Json;
use uuid::Uuid;

use crate::{Store, StoreResult, Tx, args};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UserRecord {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub role_id: Uuid,
    pub active: bool,
    pub language: String,
    pub calendar: String,
    pub time_zone: String,
    pub digits: String,
    pub money_unit: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const USER_COLUMNS: &str = "id, email, display_name, password_hash, role_id, active, language, \
     calendar, time_zone, digits, money_unit, created_at, updated_at";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RoleRecord {
    pub id: Uuid,
    pub key: String,
    pub name_fa: String,
    pub name_en: String,
    pub builtin: bool,
    pub permissions: Json<Permissions>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct TeamRecord {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SessionRecord {
    pub token_hash: String,
    pub user_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ApiKeyRecord {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub prefix: String,
    pub key_hash: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AuditRecord {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub actor_user_id: Option<Uuid>,
    pub actor_label: String,
    pub via: String,
    pub action: String,
    pub record_type: String,
    pub record_id: Option<String>,
    pub changes: Json<serde_json::Value>,
    pub client_ip: Option<String>,
}

/// An audit entry to write.
#[derive(Clone, Debug)]
pub struct NewAudit {
    pub actor_user_id: Option<Uuid>,
    pub actor_label: String,
    /// How the change came in: "web", "api", "cli", "system".
    pub via: String,
    pub action: String,
    pub record_type: String,
    pub record_id: Option<String>,
    pub changes: serde_json::Value,
    pub client_ip: Option<String>,
}

/// Filters for reading the audit log.
#[derive(Clone, Debug, Default)]
pub struct AuditQuery {
    pub record_type: Option<String>,
    pub record_id: Option<String>,
    pub actor_user_id: Option<Uuid>,
    /// Keyset cursor: entries older than this id.
    pub before: Option<Uuid>,
    pub limit: i64,
}

#[derive(sqlx::FromRow)]
struct Count(i64);
#[derive(sqlx::FromRow)]
struct IdRow(Uuid);

impl Store {
    // ---- users ----

    pub async fn count_users(&self) -> StoreResult<i64> {
        let c: Count = self
            .db
            .fetch_one("SELECT COUNT(*) FROM users", args![])
            .await?;
        Ok(c.0)
    }

    /// Users by id, in one query per 5,000 ids (a page's owners).
    pub async fn users_by_ids(&self, ids: &[Uuid]) -> StoreResult<Vec<UserRecord>> {
        let mut out = vec![];
        for chunk in ids.chunks(5000) {
            let b = self.db.backend();
            let ps: Vec<String> = (1..=chunk.len())
                .map(|i| crate::imports::placeholder(b, i))
                .collect();
            let rows: Vec<UserRecord> = self
                .db
                .fetch_all(
                    format!(
                        "SELECT {USER_COLUMNS} FROM users WHERE id IN ({})",
                        ps.join(", ")
                    ),
                    chunk.iter().map(|id| crate::db::Val::from(*id)).collect(),
                )
                .await?;
            out.extend(rows);
        }
        Ok(out)
    }

    pub async fn user_by_id(&self, id: Uuid) -> StoreResult<Option<UserRecord>> {
        self.db
            .fetch_optional(
                format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"),
                args![id],
            )
            .await
    }

    pub async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>> {
        self.db
            .fetch_optional(
                format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1"),
                args![email],
            )
            .await
    }

    /// A page of users in creation order, optionally matching a normalised search text.
    pub async fn list_users(
        &self,
        search: Option<&str>,
        after: Option<Uuid>,
        limit: i64,
    ) -> StoreResult<Vec<UserRecord>> {
        let pattern = search.map(|s| format!("%{}%", escape_like(s)));
        self.db
            .fetch_all(
                format!(
                    "SELECT {USER_COLUMNS} FROM users \
                     WHERE ($1 IS NULL OR search_text LIKE $1 ESCAPE '\\') AND ($2 IS NULL OR id > $2) \
                     ORDER BY id LIMIT $3"
                ),
                args![pattern, after, limit],
            )
            .await
    }

    pub async fn insert_user(
        &self,
        tx: &mut Tx,
        u: &UserRecord,
        search_text: &str,
    ) -> StoreResult<()> {
        tx.execute(
            format!(
                "INSERT INTO users ({USER_COLUMNS}, search_text) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
            ),
            args![
                u.id,
                &u.email,
                &u.display_name,
                &u.password_hash,
                u.role_id,
                u.active,
                &u.language,
                &u.calendar,
                &u.time_zone,
                &u.digits,
                &u.money_unit,
                u.created_at,
                u.updated_at,
                search_text
            ],
        )
        .await?;
        Ok(())
    }

    /// Writes a user's own profile fields (name and display preferences) and nothing else.
    pub async fn update_user_prefs(
        &self,
        tx: &mut Tx,
        u: &UserRecord,
        search_text: &str,
    ) -> StoreResult<()> {
        let n = tx
            .execute(
                "UPDATE users SET display_name = $2, language = $3, calendar = $4, time_zone = $5, \
                 digits = $6, money_unit = $7, updated_at = $8, search_text = $9 WHERE id = $1",
                args![
                    u.id,
                    &u.display_name,
                    &u.language,
                    &u.calendar,
                    &u.time_zone,
                    &u.digits,
                    &u.money_unit,
                    u.updated_at,
                    search_text
                ],
            )
            .await?;
        if n == 0 {
            return Err(crate::StoreError::NotFound);
        }
        Ok(())
    }

    /// Writes every mutable field of a user (the caller read, changed and audited it).
    pub async fn update_user(
        &self,
        tx: &mut Tx,
        u: &UserRecord,
        search_text: &str,
    ) -> StoreResult<()> {
        let n = tx
            .execute(
                "UPDATE users SET email = $2, display_name = $3, password_hash = $4, role_id = $5, \
                 active = $6, language = $7, calendar = $8, time_zone = $9, digits = $10, \
                 updated_at = $11, search_text = $12, money_unit = $13 WHERE id = $1",
                args![
                    u.id,
                    &u.email,
                    &u.display_name,
                    &u.password_hash,
                    u.role_id,
                    u.active,
                    &u.language,
                    &u.calendar,
                    &u.time_zone,
                    &u.digits,
                    u.updated_at,
                    search_text,
                    &u.money_unit
                ],
            )
            .await?;
        if n == 0 {
            return Err(crate::StoreError::NotFound);
        }
        Ok(())
    }

    /// Users who share at least one team with `user_id`, the user included.
    pub async fn teammates(&self, user_id: Uuid) -> StoreResult<Vec<Uuid>> {
        let rows: Vec<IdRow> = self
            .db
            .fetch_all(
                "SELECT DISTINCT m2.user_id FROM team_members m1 \
                 JOIN team_members m2 ON m2.team_id = m1.team_id \
                 JOIN teams t ON t.id = m1.team_id AND t.deleted_at IS NULL \
                 WHERE m1.user_id = $1",
                args![user_id],
            )
            .await?;
        let mut ids: Vec<Uuid> = rows.into_iter().map(|r| r.0).collect();
        if !ids.contains(&user_id) {
            ids.push(user_id);
        }
        Ok(ids)
    }

    // ---- roles ----

    /// Inserts the built-in roles that do not exist yet; an administrator's edits to existing
    /// ones are kept.
    pub async fn ensure_builtin_roles(&self) -> StoreResult<()> {
        let now = Utc::now();
        for role in peyvand_domain::access::builtin_roles() {
            let json = serde_json::to_value(&role.permissions).expect("permissions serialise");
            let sql = "INSERT INTO roles (id, key, name_fa, name_en, builtin, permissions, created_at, updated_at) \
                       VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (key) DO NOTHING";
            self.db
                .execute(
                    sql,
                    args![
                        Uuid::now_v7(),
                        role.key,
                        role.name_fa,
                        role.name_en,
                        true,
                        json,
                        now
                    ],
                )
                .await?;
        }
        Ok(())
    }

    pub async fn list_roles(&self) -> StoreResult<Vec<RoleRecord>> {
        self.db
            .fetch_all(
                "SELECT id, key, name_fa, name_en, builtin, permissions, created_at, updated_at \
                 FROM roles ORDER BY builtin DESC, id",
                args![],
            )
            .await
    }

    pub async fn role_by_id(&self, id: Uuid) -> StoreResult<Option<RoleRecord>> {
        self.db
            .fetch_optional(
                "SELECT id, key, name_fa, name_en, builtin, permissions, created_at, updated_at \
                 FROM roles WHERE id = $1",
                args![id],
            )
            .await
    }

    pub async fn role_by_key(&self, key: &str) -> StoreResult<Option<RoleRecord>> {
        self.db
            .fetch_optional(
                "SELECT id, key, name_fa, name_en, builtin, permissions, created_at, updated_at \
                 FROM roles WHERE key = $1",
                args![key],
            )
            .await
    }

    pub async fn insert_role(&self, tx: &mut Tx, r: &RoleRecord) -> StoreResult<()> {
        let json = serde_json::to_value(&r.permissions.0).expect("permissions serialise");
        tx.execute(
            "INSERT INTO roles (id, key, name_fa, name_en, builtin, permissions, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            args![r.id, &r.key, &r.name_fa, &r.name_en, r.builtin, json, r.created_at, r.updated_at],
        )
        .await?;
        Ok(())
    }

    pub async fn update_role(&self, tx: &mut Tx, r: &RoleRecord) -> StoreResult<()> {
        let json = serde_json::to_value(&r.permissions.0).expect("permissions serialise");
        tx.execute(
            "UPDATE roles SET name_fa = $2, name_en = $3, permissions = $4, updated_at = $5 WHERE id = $1",
            args![r.id, &r.name_fa, &r.name_en, json, r.updated_at],
        )
        .await?;
        Ok(())
    }

    // ---- teams ----

    pub async fn list_teams(&self) -> StoreResult<Vec<TeamRecord>> {
        self.db
            .fetch_all(
                "SELECT id, name, created_at, updated_at FROM teams WHERE deleted_at IS NULL ORDER BY name",
                args![],
            )
            .await
    }

    pub async fn team_by_id(&self, id: Uuid) -> StoreResult<Option<TeamRecord>> {
        self.db
            .fetch_optional(
                "SELECT id, name, created_at, updated_at FROM teams WHERE id = $1 AND deleted_at IS NULL",
                args![id],
            )
            .await
    }

    pub async fn insert_team(&self, tx: &mut Tx, t: &TeamRecord) -> StoreResult<()> {
        tx.execute(
            "INSERT INTO teams (id, name, created_at, updated_at) VALUES ($1, $2, $3, $4)",
            args![t.id, &t.name, t.created_at, t.updated_at],
        )
        .await?;
        Ok(())
    }

    pub async fn rename_team(
        &self,
        tx: &mut Tx,
        id: Uuid,
        name: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        tx.execute(
            "UPDATE teams SET name = $2, updated_at = $3 WHERE id = $1",
            args![id, name, now],
        )
        .await?;
        Ok(())
    }

    /// Soft delete: the team disappears from lists; memberships stay for the record.
    pub async fn delete_team(&self, tx: &mut Tx, id: Uuid, now: DateTime<Utc>) -> StoreResult<()> {
        tx.execute(
            "UPDATE teams SET deleted_at = $2, updated_at = $2 WHERE id = $1",
            args![id, now],
        )
        .await?;
        Ok(())
    }

    pub async fn team_member_ids(&self, team_id: Uuid) -> StoreResult<Vec<Uuid>> {
        let rows: Vec<IdRow> = self
            .db
            .fetch_all(
                "SELECT user_id FROM team_members WHERE team_id = $1 ORDER BY user_id",
                args![team_id],
            )
            .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    pub async fn user_team_ids(&self, user_id: Uuid) -> StoreResult<Vec<Uuid>> {
        let rows: Vec<IdRow> = self
            .db
            .fetch_all(
                "SELECT m.team_id FROM team_members m JOIN teams t ON t.id = m.team_id \
                 WHERE m.user_id = $1 AND t.deleted_at IS NULL ORDER BY t.name",
                args![user_id],
            )
            .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    pub async fn set_user_teams(
        &self,
        tx: &mut Tx,
        user_id: Uuid,
        team_ids: &[Uuid],
    ) -> StoreResult<()> {
        tx.execute(
            "DELETE FROM team_members WHERE user_id = $1",
            args![user_id],
        )
        .await?;
        for team in team_ids {
            tx.execute(
                "INSERT INTO team_members (team_id, user_id) VALUES ($1, $2)",
                args![*team, user_id],
            )
            .await?;
        }
        Ok(())
    }

    // ---- sessions ----

    pub async fn insert_session(&self, s: &SessionRecord) -> StoreResult<()> {
        self.db
            .execute(
                "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5)",
                args![
                    &s.token_hash,
                    s.user_id,
                    s.created_at,
                    s.last_seen_at,
                    s.expires_at
                ],
            )
            .await?;
        Ok(())
    }

    /// The live session with this token hash, if any.
    pub async fn session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<SessionRecord>> {
        self.db
            .fetch_optional(
                "SELECT token_hash, user_id, created_at, last_seen_at, expires_at FROM sessions \
                 WHERE token_hash = $1 AND expires_at > $2",
                args![token_hash, now],
            )
            .await
    }

    pub async fn touch_session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.db
            .execute(
                "UPDATE sessions SET last_seen_at = $2, expires_at = $3 WHERE token_hash = $1",
                args![token_hash, now, expires_at],
            )
            .await?;
        Ok(())
    }

    pub async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        self.db
            .execute(
                "DELETE FROM sessions WHERE token_hash = $1",
                args![token_hash],
            )
            .await?;
        Ok(())
    }

    pub async fn delete_user_sessions(&self, tx: &mut Tx, user_id: Uuid) -> StoreResult<()> {
        tx.execute("DELETE FROM sessions WHERE user_id = $1", args![user_id])
            .await?;
        Ok(())
    }

    pub async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        self.db
            .execute("DELETE FROM sessions WHERE expires_at <= $1", args![now])
            .await
    }

    // ---- API keys ----

    pub async fn insert_api_key(&self, tx: &mut Tx, k: &ApiKeyRecord) -> StoreResult<()> {
        tx.execute(
            "INSERT INTO api_keys (id, user_id, name, prefix, key_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            args![
                k.id,
                k.user_id,
                &k.name,
                &k.prefix,
                &k.key_hash,
                k.created_at
            ],
        )
        .await?;
        Ok(())
    }

    pub async fn api_key_by_hash(&self, key_hash: &str) -> StoreResult<Option<ApiKeyRecord>> {
        self.db
            .fetch_optional(
                "SELECT id, user_id, name, prefix, key_hash, created_at, last_used_at, revoked_at \
                 FROM api_keys WHERE key_hash = $1",
                args![key_hash],
            )
            .await
    }

    pub async fn api_key_by_id(&self, id: Uuid) -> StoreResult<Option<ApiKeyRecord>> {
        self.db
            .fetch_optional(
                "SELECT id, user_id, name, prefix, key_hash, created_at, last_used_at, revoked_at \
                 FROM api_keys WHERE id = $1",
                args![id],
            )
            .await
    }

    pub async fn api_keys_of(&self, user_id: Uuid) -> StoreResult<Vec<ApiKeyRecord>> {
        self.db
            .fetch_all(
                "SELECT id, user_id, name, prefix, key_hash, created_at, last_used_at, revoked_at \
                 FROM api_keys WHERE user_id = $1 ORDER BY id DESC",
                args![user_id],
            )
            .await
    }

    pub async fn revoke_api_key(
        &self,
        tx: &mut Tx,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let n = tx
            .execute(
                "UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                args![id, now],
            )
            .await?;
        Ok(n == 1)
    }

    pub async fn touch_api_key(&self, id: Uuid, now: DateTime<Utc>) -> StoreResult<()> {
        self.db
            .execute(
                "UPDATE api_keys SET last_used_at = $2 WHERE id = $1",
                args![id, now],
            )
            .await?;
        Ok(())
    }

    // ---- audit ----

    pub async fn insert_audit(&self, tx: &mut Tx, a: &NewAudit) -> StoreResult<()> {
        tx.execute(
            "INSERT INTO audit_log (id, at, actor_user_id, actor_label, via, action, record_type, \
             record_id, changes, client_ip) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            args![
                Uuid::now_v7(),
                Utc::now(),
                a.actor_user_id,
                &a.actor_label,
                &a.via,
                &a.action,
                &a.record_type,
                a.record_id.clone(),
                a.changes.clone(),
                a.client_ip.clone()
            ],
        )
        .await?;
        Ok(())
    }

    /// Newest first, keyset-paged by id (UUIDv7 ids sort by time).
    pub async fn list_audit(&self, q: &AuditQuery) -> StoreResult<Vec<AuditRecord>> {
        self.db
            .fetch_all(
                "SELECT id, at, actor_user_id, actor_label, via, action, record_type, record_id, changes, client_ip \
                 FROM audit_log WHERE ($1 IS NULL OR record_type = $1) AND ($2 IS NULL OR record_id = $2) \
                 AND ($3 IS NULL OR actor_user_id = $3) AND ($4 IS NULL OR id < $4) \
                 ORDER BY id DESC LIMIT $5",
                args![
                    q.record_type.clone(),
                    q.record_id.clone(),
                    q.actor_user_id,
                    q.before,
                    q.limit
                ],
            )
            .await
    }

    /// How many `action` events `actor_label` caused since `since` (e.g. failed sign-ins).
    pub async fn count_recent_events(
        &self,
        actor_label: &str,
        action: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let c: Count = self
            .db
            .fetch_one(
                "SELECT COUNT(*) FROM audit_log WHERE actor_label = $1 AND action = $2 AND at > $3",
                args![actor_label, action, since],
            )
            .await?;
        Ok(c.0)
    }

    // ---- first run ----

    /// Claims the one-time first-run setup inside `tx`; false when it was already done or any
    /// user exists.
    pub async fn claim_setup(&self, tx: &mut Tx, now: DateTime<Utc>) -> StoreResult<bool> {
        let users: Count = tx.fetch_one("SELECT COUNT(*) FROM users", args![]).await?;
        if users.0 > 0 {
            return Ok(false);
        }
        let n = tx
            .execute(
                "INSERT INTO setup_lock (id, completed_at) VALUES (1, $1) ON CONFLICT (id) DO NOTHING",
                args![now],
            )
            .await?;
        Ok(n == 1)
    }
}

/// Escapes `%`, `_` and the escape character itself for a LIKE pattern.
pub fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
