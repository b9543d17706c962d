//! Users, teams and roles: first-run setup, creating and editing accounts, profile
//! preferences, deactivation (never deletion: a person's records outlive their account).

use chrono::Utc;
use peyvand_domain::access::{ADMIN_ROLE, Action, Actor, Permissions, RecordType};
use peyvand_domain::calendar::CalendarKind;
use peyvand_domain::prefs::{DigitStyle, Language, MoneyUnit, UserPrefs};
use peyvand_domain::{email, text};
use peyvand_store::{RoleRecord, Store, TeamRecord, UserRecord};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::audit::{self, Ctx};
use crate::error::Problems;
use crate::{ServiceError, ServiceResult};

pub const MIN_PASSWORD_CHARS: usize = 10;
const MAX_PASSWORD_CHARS: usize = 1024;
const MAX_NAME_CHARS: usize = 100;

/// A new account as a form, the API or the CLI sent it.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct NewUser {
    pub email: String,
    pub display_name: String,
    pub password: String,
    /// Role key (admin, manager, sales, support, marketing, or a custom one).
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub team_ids: Vec<Uuid>,
}

/// Changes an administrator makes to an account; absent fields stay as they are.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct UserChanges {
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub role: Option<String>,
    pub active: Option<bool>,
    pub team_ids: Option<Vec<Uuid>>,
    pub password: Option<String>,
}

/// What a user changes about themselves on the profile page.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ProfileChanges {
    pub display_name: Option<String>,
    pub language: Option<String>,
    pub calendar: Option<String>,
    pub time_zone: Option<String>,
    pub digits: Option<String>,
    pub money_unit: Option<String>,
    /// Take the calendar and digits as given even when the language changes. Otherwise a
    /// calendar or digit style sent unchanged that was only the old language's default follows
    /// the new language.
    #[serde(default)]
    pub exact: bool,
}

/// Account emails are compared case-insensitively (people type them every way), so they are
/// stored lowercased.
fn account_email(raw: &str) -> Result<String, email::EmailError> {
    email::parse(raw).map(|a| a.as_str().to_lowercase())
}

/// A user's display preferences, parsed from their stored record.
pub fn prefs_of(user: &UserRecord) -> UserPrefs {
    let language = user.language.parse::<Language>().unwrap_or(Language::Fa);
    let mut prefs = UserPrefs::for_language(language);
    if let Ok(c) = user.calendar.parse::<CalendarKind>() {
        prefs.calendar = c;
    }
    if let Ok(tz) = peyvand_domain::prefs::parse_time_zone(&user.time_zone) {
        prefs.time_zone = tz;
    }
    if let Ok(d) = user.digits.parse::<DigitStyle>() {
        prefs.digits = d;
    }
    if let Ok(m) = user.money_unit.parse::<MoneyUnit>() {
        prefs.money_unit = m;
    }
    prefs
}

/// The fields of a user that the audit log and the API show (never the password hash).
pub fn user_snapshot(u: &UserRecord, role_key: &str, team_ids: &[Uuid]) -> Value {
    json!({
        "email": u.email,
        "display_name": u.display_name,
        "role": role_key,
        "active": u.active,
        "language": u.language,
        "calendar": u.calendar,
        "time_zone": u.time_zone,
        "digits": u.digits,
        "money_unit": u.money_unit,
        "team_ids": team_ids,
    })
}

fn search_text(u: &UserRecord) -> String {
    text::normalize_for_search(&format!("{} {}", u.display_name, u.email))
}

fn check_name(p: &mut Problems, field: &str, raw: &str) -> String {
    let name = text::tidy(raw);
    if name.is_empty() {
        p.add(field, "field.required");
    } else if name.chars().count() > MAX_NAME_CHARS {
        p.add(field, "field.too_long");
    }
    name
}

fn check_password(p: &mut Problems, raw: &str) {
    let n = raw.chars().count();
    if n < MIN_PASSWORD_CHARS {
        p.add("password", "password.too_short");
    } else if n > MAX_PASSWORD_CHARS {
        p.add("password", "field.too_long");
    }
}

async fn check_teams(store: &Store, p: &mut Problems, ids: &[Uuid]) -> ServiceResult<()> {
    for id in ids {
        if store.team_by_id(*id).await?.is_none() {
            p.add("team_ids", "team.not_found");
            break;
        }
    }
    Ok(())
}

async fn validate_new(
    store: &Store,
    input: &NewUser,
    default_role: Option<&str>,
) -> ServiceResult<(UserRecord, RoleRecord)> {
    let mut p = Problems::default();
    let address = p.check("email", account_email(&input.email), |e| e.code());
    let name = check_name(&mut p, "display_name", &input.display_name);
    check_password(&mut p, &input.password);
    let role_key = if input.role.trim().is_empty() {
        default_role.unwrap_or("").to_owned()
    } else {
        input.role.trim().to_owned()
    };
    let role = if role_key.is_empty() {
        p.add("role", "field.required");
        None
    } else {
        let r = store.role_by_key(&role_key).await?;
        if r.is_none() {
            p.add("role", "role.not_found");
        }
        r
    };
    let language = match input
        .language
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => Language::Fa,
        Some(l) => match l.parse::<Language>() {
            Ok(l) => l,
            Err(_) => {
                p.add("language", "language.invalid");
                Language::Fa
            }
        },
    };
    check_teams(store, &mut p, &input.team_ids).await?;
    if let Some(a) = &address
        && store.user_by_email(a).await?.is_some()
    {
        p.add("email", "email.taken");
    }
    p.finish()?;
    let (Some(address), Some(role)) = (address, role) else {
        unreachable!("problems were reported above")
    };
    let prefs = UserPrefs::for_language(language);
    let now = Utc::now();
    let user = UserRecord {
        id: Uuid::now_v7(),
        email: address,
        display_name: name,
        password_hash: crate::auth::hash_password(&input.password)?,
        role_id: role.id,
        active: true,
        language: prefs.language.as_str().to_owned(),
        calendar: prefs.calendar.as_str().to_owned(),
        time_zone: prefs.time_zone.name().to_owned(),
        digits: prefs.digits.as_str().to_owned(),
        money_unit: prefs.money_unit.as_str().to_owned(),
        created_at: now,
        updated_at: now,
    };
    Ok((user, role))
}

async fn insert_new(
    store: &Store,
    ctx: &Ctx,
    user: &UserRecord,
    role: &RoleRecord,
    team_ids: &[Uuid],
    action: &str,
) -> ServiceResult<()> {
    let mut tx = store.begin().await?;
    store.insert_user(&mut tx, user, &search_text(user)).await?;
    store.set_user_teams(&mut tx, user.id, team_ids).await?;
    audit::record(
        store,
        &mut tx,
        ctx,
        action,
        "user",
        Some(user.id.to_string()),
        audit::diff(&json!({}), &user_snapshot(user, &role.key, team_ids)),
    )
    .await?;
    match tx.commit().await {
        Err(e) if e.is_conflict_on("email") => {
            Err(ServiceError::Validation(vec![crate::FieldError::new(
                "email",
                "email.taken",
            )]))
        }
        other => Ok(other?),
    }
}

/// Checks a new account's fields without creating it (to show every problem of a form at
/// once, together with checks the form adds, like a repeated password).
pub async fn check_new_user(
    store: &Store,
    input: &NewUser,
    default_role: Option<&str>,
) -> ServiceResult<()> {
    validate_new(store, input, default_role).await.map(|_| ())
}

/// True while nobody has an account: the first-run page is open only then.
pub async fn needs_setup(store: &Store) -> ServiceResult<bool> {
    Ok(store.count_users().await? == 0)
}

/// Creates the first administrator. Works once: a second call (even a concurrent one) fails
/// with [`ServiceError::SetupDone`].
pub async fn setup_first_admin(
    store: &Store,
    input: &NewUser,
    origin: &crate::Origin,
) -> ServiceResult<UserRecord> {
    if !needs_setup(store).await? {
        return Err(ServiceError::SetupDone);
    }
    let input = NewUser {
        role: ADMIN_ROLE.to_owned(),
        team_ids: vec![],
        ..input.clone()
    };
    let (user, role) = validate_new(store, &input, None).await?;
    let ctx = Ctx {
        who: audit::Who::user(user.id, &user.email),
        origin: origin.clone(),
    };
    let mut tx = store.begin().await?;
    if !store.claim_setup(&mut tx, Utc::now()).await? {
        return Err(ServiceError::SetupDone);
    }
    store
        .insert_user(&mut tx, &user, &search_text(&user))
        .await?;
    audit::record(
        store,
        &mut tx,
        &ctx,
        "setup",
        "user",
        Some(user.id.to_string()),
        audit::diff(&json!({}), &user_snapshot(&user, &role.key, &[])),
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}

/// An administrator (or the operator at the command line, with `actor: None`) creates an
/// account.
pub async fn create_user(
    store: &Store,
    ctx: &Ctx,
    actor: Option<&Actor>,
    input: &NewUser,
) -> ServiceResult<UserRecord> {
    if let Some(actor) = actor {
        actor.require(RecordType::User, Action::Create)?;
    }
    let (user, role) = validate_new(store, input, None).await?;
    insert_new(store, ctx, &user, &role, &input.team_ids, "create").await?;
    Ok(user)
}

/// An administrator changes an account. Deactivating ends the user's sessions at once; their
/// records stay theirs until reassigned.
pub async fn update_user(
    store: &Store,
    ctx: &Ctx,
    actor: &Actor,
    id: Uuid,
    changes: &UserChanges,
) -> ServiceResult<UserRecord> {
    actor.require(RecordType::User, Action::Update)?;
    let before = store.user_by_id(id).await?.ok_or(ServiceError::NotFound)?;
    let old_role = store
        .role_by_id(before.role_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let old_teams = store.user_team_ids(id).await?;
    let mut after = before.clone();
    let mut new_role = old_role.clone();
    let mut p = Problems::default();
    if let Some(e) = &changes.email
        && let Some(a) = p.check("email", account_email(e), |e| e.code())
    {
        if a != before.email && store.user_by_email(&a).await?.is_some() {
            p.add("email", "email.taken");
        }
        after.email = a;
    }
    if let Some(n) = &changes.display_name {
        after.display_name = check_name(&mut p, "display_name", n);
    }
    if let Some(r) = &changes.role {
        match store.role_by_key(r.trim()).await? {
            Some(role) => {
                after.role_id = role.id;
                new_role = role;
            }
            None => p.add("role", "role.not_found"),
        }
    }
    if let Some(active) = changes.active {
        after.active = active;
    }
    if let Some(teams) = &changes.team_ids {
        check_teams(store, &mut p, teams).await?;
    }
    if let Some(pw) = &changes.password {
        check_password(&mut p, pw);
    }
    // An administrator cannot lock themselves out, which would leave nobody to undo it.
    if id == actor.user_id && (!after.active || new_role.key != ADMIN_ROLE) && actor.is_admin() {
        p.add(
            if after.active { "role" } else { "active" },
            "user.cannot_demote_self",
        );
    }
    p.finish()?;
    if let Some(pw) = &changes.password {
        after.password_hash = crate::auth::hash_password(pw)?;
    }
    after.updated_at = Utc::now();
    let new_teams = changes
        .team_ids
        .clone()
        .unwrap_or_else(|| old_teams.clone());
    let mut tx = store.begin().await?;
    store
        .update_user(&mut tx, &after, &search_text(&after))
        .await?;
    if changes.team_ids.is_some() {
        store.set_user_teams(&mut tx, id, &new_teams).await?;
    }
    if !after.active || changes.password.is_some() {
        store.delete_user_sessions(&mut tx, id).await?;
    }
    let mut diff = audit::diff(
        &user_snapshot(&before, &old_role.key, &old_teams),
        &user_snapshot(&after, &new_role.key, &new_teams),
    );
    if changes.password.is_some() {
        diff["password"] = json!("changed");
    }
    let action = if new_role.id != old_role.id {
        "role_change"
    } else if before.active && !after.active {
        "deactivate"
    } else {
        "update"
    };
    audit::record(
        store,
        &mut tx,
        ctx,
        action,
        "user",
        Some(id.to_string()),
        diff,
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// A user edits their own name and display preferences.
pub async fn update_profile(
    store: &Store,
    ctx: &Ctx,
    user_id: Uuid,
    changes: &ProfileChanges,
) -> ServiceResult<UserRecord> {
    let before = store
        .user_by_id(user_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let mut after = before.clone();
    let mut p = Problems::default();
    if let Some(n) = &changes.display_name {
        after.display_name = check_name(&mut p, "display_name", n);
    }
    if let Some(c) = &changes.calendar {
        match c.parse::<CalendarKind>() {
            Ok(c) => after.calendar = c.as_str().to_owned(),
            Err(_) => p.add("calendar", "calendar.invalid"),
        }
    }
    if let Some(tz) = &changes.time_zone {
        match peyvand_domain::prefs::parse_time_zone(tz.trim()) {
            Ok(tz) => after.time_zone = tz.name().to_owned(),
            Err(e) => p.add("time_zone", e.code()),
        }
    }
    if let Some(d) = &changes.digits {
        match d.parse::<DigitStyle>() {
            Ok(d) => after.digits = d.as_str().to_owned(),
            Err(_) => p.add("digits", "digits.invalid"),
        }
    }
    if let Some(m) = &changes.money_unit {
        match m.parse::<MoneyUnit>() {
            Ok(m) => after.money_unit = m.as_str().to_owned(),
            Err(e) => p.add("money_unit", e.code()),
        }
    }
    if let Some(l) = &changes.language {
        match l.parse::<Language>() {
            Ok(l) => {
                if l.as_str() != before.language && !changes.exact {
                    // The profile form sends every preference; a calendar or digit style left as
                    // it was follows the new language when it was only the old one's default.
                    let moved = prefs_of(&before).switched_to(l);
                    if after.calendar == before.calendar {
                        after.calendar = moved.calendar.as_str().to_owned();
                    }
                    if after.digits == before.digits {
                        after.digits = moved.digits.as_str().to_owned();
                    }
                }
                after.language = l.as_str().to_owned();
            }
            Err(_) => p.add("language", "language.invalid"),
        }
    }
    p.finish()?;
    after.updated_at = Utc::now();
    let role = store
        .role_by_id(after.role_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let teams = store.user_team_ids(user_id).await?;
    let mut tx = store.begin().await?;
    // Only what a user may change about themselves is written: a role change or deactivation
    // an administrator saves meanwhile stays.
    store
        .update_user_prefs(&mut tx, &after, &search_text(&after))
        .await?;
    let diff = audit::diff(
        &user_snapshot(&before, &role.key, &teams),
        &user_snapshot(&after, &role.key, &teams),
    );
    audit::record(
        store,
        &mut tx,
        ctx,
        "update",
        "user",
        Some(user_id.to_string()),
        diff,
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// A user changes their own password, proving they know the current one. Other sessions end.
pub async fn change_password(
    store: &Store,
    ctx: &Ctx,
    user_id: Uuid,
    current: &str,
    new: &str,
) -> ServiceResult<()> {
    let mut user = store
        .user_by_id(user_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let mut p = Problems::default();
    if !crate::auth::verify_password(current, &user.password_hash) {
        p.add("current_password", "password.wrong");
    }
    check_password(&mut p, new);
    p.finish()?;
    user.password_hash = crate::auth::hash_password(new)?;
    user.updated_at = Utc::now();
    let mut tx = store.begin().await?;
    store
        .update_user(&mut tx, &user, &search_text(&user))
        .await?;
    audit::record(
        store,
        &mut tx,
        ctx,
        "password_change",
        "user",
        Some(user_id.to_string()),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn list_users(
    store: &Store,
    actor: &Actor,
    q: Option<&str>,
    after: Option<Uuid>,
    limit: i64,
) -> ServiceResult<Vec<UserRecord>> {
    actor.require(RecordType::User, Action::Read)?;
    let q = q.map(text::normalize_for_search).filter(|s| !s.is_empty());
    Ok(store.list_users(q.as_deref(), after, limit).await?)
}

pub async fn get_user(store: &Store, actor: &Actor, id: Uuid) -> ServiceResult<UserRecord> {
    if id != actor.user_id {
        actor.require(RecordType::User, Action::Read)?;
    }
    store.user_by_id(id).await?.ok_or(ServiceError::NotFound)
}

// ---- teams ----

pub async fn list_teams(store: &Store, actor: &Actor) -> ServiceResult<Vec<TeamRecord>> {
    actor.require(RecordType::Team, Action::Read)?;
    Ok(store.list_teams().await?)
}

fn check_team_name(p: &mut Problems, raw: &str) -> String {
    check_name(p, "name", raw)
}

pub async fn create_team(
    store: &Store,
    ctx: &Ctx,
    actor: &Actor,
    name: &str,
) -> ServiceResult<TeamRecord> {
    actor.require(RecordType::Team, Action::Create)?;
    let mut p = Problems::default();
    let name = check_team_name(&mut p, name);
    if !name.is_empty() && store.list_teams().await?.iter().any(|t| t.name == name) {
        p.add("name", "team.name_taken");
    }
    p.finish()?;
    let now = Utc::now();
    let team = TeamRecord {
        id: Uuid::now_v7(),
        name,
        created_at: now,
        updated_at: now,
    };
    let mut tx = store.begin().await?;
    store.insert_team(&mut tx, &team).await?;
    audit::record(
        store,
        &mut tx,
        ctx,
        "create",
        "team",
        Some(team.id.to_string()),
        json!({"name": [null, team.name]}),
    )
    .await?;
    match tx.commit().await {
        Err(e) if e.is_conflict_on("name") => {
            Err(ServiceError::Validation(vec![crate::FieldError::new(
                "name",
                "team.name_taken",
            )]))
        }
        other => other.map(|_| team).map_err(Into::into),
    }
}

pub async fn rename_team(
    store: &Store,
    ctx: &Ctx,
    actor: &Actor,
    id: Uuid,
    name: &str,
) -> ServiceResult<TeamRecord> {
    actor.require(RecordType::Team, Action::Update)?;
    let mut team = store.team_by_id(id).await?.ok_or(ServiceError::NotFound)?;
    let mut p = Problems::default();
    let name = check_team_name(&mut p, name);
    if store
        .list_teams()
        .await?
        .iter()
        .any(|t| t.name == name && t.id != id)
    {
        p.add("name", "team.name_taken");
    }
    p.finish()?;
    let now = Utc::now();
    let mut tx = store.begin().await?;
    store.rename_team(&mut tx, id, &name, now).await?;
    audit::record(
        store,
        &mut tx,
        ctx,
        "update",
        "team",
        Some(id.to_string()),
        json!({"name": [team.name, name]}),
    )
    .await?;
    tx.commit().await?;
    team.name = name;
    team.updated_at = now;
    Ok(team)
}

pub async fn delete_team(store: &Store, ctx: &Ctx, actor: &Actor, id: Uuid) -> ServiceResult<()> {
    actor.require(RecordType::Team, Action::Delete)?;
    let team = store.team_by_id(id).await?.ok_or(ServiceError::NotFound)?;
    let mut tx = store.begin().await?;
    store.delete_team(&mut tx, id, Utc::now()).await?;
    audit::record(
        store,
        &mut tx,
        ctx,
        "delete",
        "team",
        Some(id.to_string()),
        json!({"name": [team.name, null]}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---- roles ----

pub async fn list_roles(store: &Store) -> ServiceResult<Vec<RoleRecord>> {
    Ok(store.list_roles().await?)
}

/// A custom role, starting from a copy of another role's grants.
pub async fn create_role(
    store: &Store,
    ctx: &Ctx,
    actor: &Actor,
    key: &str,
    name_fa: &str,
    name_en: &str,
    copy_from: Option<&str>,
) -> ServiceResult<RoleRecord> {
    actor.require(RecordType::Role, Action::Create)?;
    let mut p = Problems::default();
    let key = key.trim().to_ascii_lowercase();
    if key.is_empty() {
        p.add("key", "field.required");
    } else if key.len() > 40
        || !key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        p.add("key", "role.key_invalid");
    } else if store.role_by_key(&key).await?.is_some() {
        p.add("key", "role.key_taken");
    }
    let name_fa = check_name(&mut p, "name_fa", name_fa);
    let name_en = check_name(&mut p, "name_en", name_en);
    let permissions = match copy_from.map(str::trim).filter(|s| !s.is_empty()) {
        None => Permissions::default(),
        Some(k) => match store.role_by_key(k).await? {
            Some(r) => r.permissions.0,
            None => {
                p.add("copy_from", "role.not_found");
                Permissions::default()
            }
        },
    };
    p.finish()?;
    let now = Utc::now();
    let role = RoleRecord {
        id: Uuid::now_v7(),
        key,
        name_fa,
        name_en,
        builtin: false,
        permissions: sqlx_json(permissions),
        created_at: now,
        updated_at: now,
    };
    let mut tx = store.begin().await?;
    store.insert_role(&mut tx, &role).await?;
    audit::record(
        store,
        &mut tx,
        ctx,
        "create",
        "role",
        Some(role.id.to_string()),
        json!({"key": [null, role.key], "permissions": [null, role.permissions.0]}),
    )
    .await?;
    tx.commit().await?;
    Ok(role)
}

fn sqlx_json<T>(v: T) -> peyvand_store::Json<T> {
    peyvand_store::Json(v)
}

/// Replaces a role's grants. The administrator role keeps full rights over users and roles,
/// so nobody can lock the installation.
pub async fn set_role_permissions(
    store: &Store,
    ctx: &Ctx,
    actor: &Actor,
    role_id: Uuid,
    permissions: Permissions,
) -> ServiceResult<RoleRecord> {
    actor.require(RecordType::Role, Action::Update)?;
    let before = store
        .role_by_id(role_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if before.key == ADMIN_ROLE {
        for rt in [RecordType::User, RecordType::Role] {
            for a in Action::ALL {
                if permissions.scope(rt, a) != peyvand_domain::access::Scope::All {
                    return Err(ServiceError::Validation(vec![crate::FieldError::new(
                        "permissions",
                        "role.admin_locked",
                    )]));
                }
            }
        }
    }
    let mut after = before.clone();
    after.permissions = sqlx_json(permissions);
    after.updated_at = Utc::now();
    let mut tx = store.begin().await?;
    store.update_role(&mut tx, &after).await?;
    audit::record(
        store,
        &mut tx,
        ctx,
        "permissions_change",
        "role",
        Some(role_id.to_string()),
        json!({"permissions": [before.permissions.0, after.permissions.0]}),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}
