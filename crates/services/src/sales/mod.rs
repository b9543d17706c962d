//! Sales use cases: custom fields, contacts, companies, leads, pipelines, deals, activities.

pub mod activities;
pub mod attachments;
pub mod cells;
pub mod common;
pub mod companies;
pub mod contacts;
pub mod custom_fields;
pub mod deals;
pub mod export;
pub mod imports;
pub mod leads;
pub mod my_day;
pub mod pipelines;
pub mod referrals;
pub mod reindex;
pub mod search;
pub mod views;
