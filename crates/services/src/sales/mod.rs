//! Sales use cases: custom fields, contacts, companies, leads, pipelines, deals, activities.

pub mod activities;
pub mod common;
pub mod contacts;
pub mod custom_fields;
pub mod my_day;
pub mod referrals;
