//! Pure domain rules for Peyvand, a Persian-first CRM.
//!
//! This crate holds everything that must behave the same no matter which
//! storage, web framework or runtime is used: Persian text normalisation,
//! phone numbers, Iranian national IDs, the Jalali (Solar Hijri) calendar,
//! money formatting and user display preferences. It deliberately has no IO,
//! async, SQL or HTTP dependencies so it stays cheap to test and reuse.
//!
//! Every error type exposes a stable `code()` string (for example
//! `"phone.too_short"`) so the web layer can translate messages without
//! depending on the English `Display` text.
#![forbid(unsafe_code)]

pub mod access;
pub mod calendar;
pub mod digits;
pub mod email;
pub mod import;
pub mod money;
pub mod names;
pub mod national_id;
pub mod phone;
pub mod places;
pub mod prefs;
pub mod reminders;
pub mod sales;
pub mod schedule;
pub mod text;
