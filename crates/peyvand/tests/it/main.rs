//! Integration tests: the real server on a random port, on a fresh SQLite file and on a fresh
//! PostgreSQL database, driven over HTTP (and through Chromium for the browser journeys).

mod activities;
mod api;
mod browser;
mod choices;
mod contacts;
mod deals;
mod deals_ui;
mod demo;
mod files;
mod harness;
mod imports;
mod inline;
mod journey;
mod leads;
mod reindex;
mod reminders;
mod search;
mod ui;
mod ui_records;
