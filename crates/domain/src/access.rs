//! Who may do what: roles grant actions per record type, each with a scope.
//!
//! Every record type — the platform's own and those added later (contacts, deals, tickets …) —
//! is a [`RecordType`]. A handler asks the [`Actor`] for a [`Grant`]; the grant carries the
//! [`OwnerFilter`] that the store applies to lists and the check for single records, so a new
//! record type needs no security code of its own.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Kinds of record that permissions are granted on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordType {
    Contact,
    Company,
    Lead,
    Deal,
    Activity,
    User,
    Team,
    Role,
    AuditLog,
}

impl RecordType {
    pub const ALL: [RecordType; 9] = [
        RecordType::Contact,
        RecordType::Company,
        RecordType::Lead,
        RecordType::Deal,
        RecordType::Activity,
        RecordType::User,
        RecordType::Team,
        RecordType::Role,
        RecordType::AuditLog,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RecordType::Contact => "contact",
            RecordType::Company => "company",
            RecordType::Lead => "lead",
            RecordType::Deal => "deal",
            RecordType::Activity => "activity",
            RecordType::User => "user",
            RecordType::Team => "team",
            RecordType::Role => "role",
            RecordType::AuditLog => "audit_log",
        }
    }

    pub fn parse(s: &str) -> Option<RecordType> {
        RecordType::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Business records have an owner, so own/team scopes apply; administrative ones
    /// (users, teams, roles, the audit log) are all-or-nothing.
    pub fn is_owned(self) -> bool {
        matches!(
            self,
            RecordType::Contact
                | RecordType::Company
                | RecordType::Lead
                | RecordType::Deal
                | RecordType::Activity
        )
    }
}

/// What is done to a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Read,
    Create,
    Update,
    Delete,
    Export,
}

impl Action {
    pub const ALL: [Action; 5] = [
        Action::Read,
        Action::Create,
        Action::Update,
        Action::Delete,
        Action::Export,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
            Action::Export => "export",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// How far a grant reaches: nothing, the actor's own records, their teams' records, or all.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    #[default]
    None,
    Own,
    Team,
    All,
}

impl Scope {
    pub const ALL: [Scope; 4] = [Scope::None, Scope::Own, Scope::Team, Scope::All];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::None => "none",
            Scope::Own => "own",
            Scope::Team => "team",
            Scope::All => "all",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// A role's grants: for each record type, the scope of each action. Missing means none.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Permissions(pub BTreeMap<RecordType, BTreeMap<Action, Scope>>);

impl Permissions {
    pub fn scope(&self, rt: RecordType, action: Action) -> Scope {
        let scope = self
            .0
            .get(&rt)
            .and_then(|m| m.get(&action))
            .copied()
            .unwrap_or_default();
        // Own/team mean nothing for records without an owner: only "all" grants those.
        if !rt.is_owned() && scope != Scope::All {
            return Scope::None;
        }
        scope
    }

    pub fn set(&mut self, rt: RecordType, action: Action, scope: Scope) {
        let entry = self.0.entry(rt).or_default();
        if scope == Scope::None {
            entry.remove(&action);
        } else {
            entry.insert(action, scope);
        }
        if entry.is_empty() {
            self.0.remove(&rt);
        }
    }

    fn with(mut self, types: &[RecordType], grants: &[(Action, Scope)]) -> Self {
        for rt in types {
            for (a, s) in grants {
                self.set(*rt, *a, *s);
            }
        }
        self
    }
}

const BUSINESS: [RecordType; 5] = [
    RecordType::Contact,
    RecordType::Company,
    RecordType::Lead,
    RecordType::Deal,
    RecordType::Activity,
];
const ADMIN: [RecordType; 4] = [
    RecordType::User,
    RecordType::Team,
    RecordType::Role,
    RecordType::AuditLog,
];

/// A role shipped with Peyvand. Administrators may edit their grants; the keys stay.
#[derive(Clone, Debug)]
pub struct BuiltinRole {
    pub key: &'static str,
    pub name_fa: &'static str,
    pub name_en: &'static str,
    pub permissions: Permissions,
}

/// The key of the role that can do everything, including managing users and roles.
pub const ADMIN_ROLE: &str = "admin";

/// The roles a new installation starts with.
pub fn builtin_roles() -> Vec<BuiltinRole> {
    use Action::*;
    use Scope::*;
    let everything: Vec<(Action, Scope)> = Action::ALL.iter().map(|a| (*a, All)).collect();
    vec![
        BuiltinRole {
            key: ADMIN_ROLE,
            name_fa: "مدیر سیستم",
            name_en: "Administrator",
            permissions: Permissions::default()
                .with(&BUSINESS, &everything)
                .with(&ADMIN, &everything),
        },
        BuiltinRole {
            key: "manager",
            name_fa: "مدیر فروش",
            name_en: "Manager",
            permissions: Permissions::default()
                .with(
                    &BUSINESS,
                    &[
                        (Read, All),
                        (Create, All),
                        (Update, All),
                        (Delete, Team),
                        (Export, All),
                    ],
                )
                .with(&[RecordType::User, RecordType::Team], &[(Read, All)]),
        },
        BuiltinRole {
            key: "sales",
            name_fa: "کارشناس فروش",
            name_en: "Sales",
            permissions: Permissions::default()
                .with(
                    &BUSINESS,
                    &[
                        (Read, Team),
                        (Create, Own),
                        (Update, Own),
                        (Delete, Own),
                        (Export, Own),
                    ],
                )
                .with(&[RecordType::User, RecordType::Team], &[(Read, All)]),
        },
        BuiltinRole {
            key: "support",
            name_fa: "کارشناس پشتیبانی",
            name_en: "Support",
            permissions: Permissions::default()
                .with(
                    &[RecordType::Contact, RecordType::Company],
                    &[(Read, All), (Update, Team)],
                )
                .with(
                    &[RecordType::Activity],
                    &[(Read, All), (Create, Own), (Update, Own), (Delete, Own)],
                )
                .with(&[RecordType::User, RecordType::Team], &[(Read, All)]),
        },
        BuiltinRole {
            key: "marketing",
            name_fa: "کارشناس بازاریابی",
            name_en: "Marketing",
            permissions: Permissions::default()
                .with(
                    &[RecordType::Contact, RecordType::Company],
                    &[(Read, All), (Export, All)],
                )
                .with(
                    &[RecordType::Lead],
                    &[(Read, All), (Create, All), (Update, All), (Export, All)],
                )
                .with(
                    &[RecordType::Activity],
                    &[(Read, Team), (Create, Own), (Update, Own)],
                )
                .with(&[RecordType::User, RecordType::Team], &[(Read, All)]),
        },
    ]
}

/// Which records of a type an actor may touch with one action, as the store applies it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OwnerFilter {
    /// Every record.
    Any,
    /// Only records owned by one of these users.
    OwnedBy(Vec<Uuid>),
}

/// Proof that an access check passed; store functions that read or change records of a type
/// take one, so a handler cannot reach them without asking first.
#[derive(Clone, Debug)]
pub struct Grant {
    pub record_type: RecordType,
    pub action: Action,
    pub filter: OwnerFilter,
}

impl Grant {
    /// Whether one record, with this owner, is inside the grant.
    pub fn covers(&self, owner: Option<Uuid>) -> bool {
        match &self.filter {
            OwnerFilter::Any => true,
            OwnerFilter::OwnedBy(ids) => owner.is_some_and(|o| ids.contains(&o)),
        }
    }

    /// A grant for work the system does on its own behalf (migrations, the CLI run by the
    /// operator, background jobs). Named so it stands out in review.
    pub fn system_bypass(record_type: RecordType, action: Action) -> Grant {
        Grant {
            record_type,
            action,
            filter: OwnerFilter::Any,
        }
    }
}

/// The access check refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not allowed to {action:?} {record_type:?}")]
pub struct Denied {
    pub record_type: RecordType,
    pub action: Action,
}

/// The signed-in user as access checks see them.
#[derive(Clone, Debug)]
pub struct Actor {
    pub user_id: Uuid,
    /// Members of the actor's teams, the actor included.
    pub teammates: Vec<Uuid>,
    pub role_key: String,
    pub permissions: Permissions,
}

impl Actor {
    pub fn scope(&self, rt: RecordType, action: Action) -> Scope {
        self.permissions.scope(rt, action)
    }

    pub fn can(&self, rt: RecordType, action: Action) -> bool {
        self.scope(rt, action) != Scope::None
    }

    pub fn is_admin(&self) -> bool {
        self.role_key == ADMIN_ROLE
    }

    /// Asks for a grant; refused when the role has no scope for it.
    pub fn require(&self, rt: RecordType, action: Action) -> Result<Grant, Denied> {
        let filter = match self.scope(rt, action) {
            Scope::None => {
                return Err(Denied {
                    record_type: rt,
                    action,
                });
            }
            Scope::Own => OwnerFilter::OwnedBy(vec![self.user_id]),
            Scope::Team => {
                let mut ids = self.teammates.clone();
                if !ids.contains(&self.user_id) {
                    ids.push(self.user_id);
                }
                OwnerFilter::OwnedBy(ids)
            }
            Scope::All => OwnerFilter::Any,
        };
        Ok(Grant {
            record_type: rt,
            action,
            filter,
        })
    }

    /// Checks one record with a known owner.
    pub fn require_record(
        &self,
        rt: RecordType,
        action: Action,
        owner: Option<Uuid>,
    ) -> Result<Grant, Denied> {
        let grant = self.require(rt, action)?;
        if grant.covers(owner) {
            Ok(grant)
        } else {
            Err(Denied {
                record_type: rt,
                action,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: &str, teammates: Vec<Uuid>) -> Actor {
        let role = builtin_roles().into_iter().find(|r| r.key == role).unwrap();
        Actor {
            user_id: teammates[0],
            teammates,
            role_key: role.key.to_owned(),
            permissions: role.permissions,
        }
    }

    #[test]
    fn sales_reads_team_but_updates_only_own() {
        let me = Uuid::now_v7();
        let mate = Uuid::now_v7();
        let stranger = Uuid::now_v7();
        let a = actor("sales", vec![me, mate]);
        assert!(
            a.require_record(RecordType::Deal, Action::Read, Some(mate))
                .is_ok()
        );
        assert!(
            a.require_record(RecordType::Deal, Action::Read, Some(stranger))
                .is_err()
        );
        assert!(
            a.require_record(RecordType::Deal, Action::Update, Some(me))
                .is_ok()
        );
        assert!(
            a.require_record(RecordType::Deal, Action::Update, Some(mate))
                .is_err()
        );
        assert!(
            a.require_record(RecordType::Deal, Action::Read, None)
                .is_err()
        );
        assert_eq!(
            a.require(RecordType::Contact, Action::Read).unwrap().filter,
            OwnerFilter::OwnedBy(vec![me, mate])
        );
    }

    #[test]
    fn only_admin_manages_users_and_roles() {
        let me = Uuid::now_v7();
        for role in ["manager", "sales", "support", "marketing"] {
            let a = actor(role, vec![me]);
            assert!(
                a.require(RecordType::User, Action::Create).is_err(),
                "{role}"
            );
            assert!(
                a.require(RecordType::Role, Action::Update).is_err(),
                "{role}"
            );
            assert!(
                a.require(RecordType::AuditLog, Action::Read).is_err(),
                "{role}"
            );
        }
        let admin = actor("admin", vec![me]);
        for rt in RecordType::ALL {
            for action in Action::ALL {
                assert_eq!(admin.require(rt, action).unwrap().filter, OwnerFilter::Any);
            }
        }
    }

    #[test]
    fn own_scope_on_unowned_type_grants_nothing() {
        let mut p = Permissions::default();
        p.set(RecordType::User, Action::Read, Scope::Own);
        assert_eq!(p.scope(RecordType::User, Action::Read), Scope::None);
        p.set(RecordType::User, Action::Read, Scope::All);
        assert_eq!(p.scope(RecordType::User, Action::Read), Scope::All);
    }

    #[test]
    fn permissions_round_trip_as_json() {
        for role in builtin_roles() {
            let json = serde_json::to_string(&role.permissions).unwrap();
            let back: Permissions = serde_json::from_str(&json).unwrap();
            assert_eq!(back, role.permissions);
        }
        let json = r#"{"contact":{"read":"team","update":"own"}}"#;
        let p: Permissions = serde_json::from_str(json).unwrap();
        assert_eq!(p.scope(RecordType::Contact, Action::Read), Scope::Team);
        assert_eq!(p.scope(RecordType::Contact, Action::Delete), Scope::None);
    }

    #[test]
    fn setting_none_removes_the_grant() {
        let mut p = Permissions::default();
        p.set(RecordType::Lead, Action::Read, Scope::All);
        p.set(RecordType::Lead, Action::Read, Scope::None);
        assert_eq!(p, Permissions::default());
    }
}
