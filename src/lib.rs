//! totalplace: place-based public finance.
//!
//! The pipeline is the library's public shape: [`model::Place::load`] → [`ingest::ingest_place`]
//! → mapping → scenarios → simulation → reports. Each step is a function over typed data that a
//! test can call without the CLI.

pub mod charts;
pub mod cli;
pub mod error;
pub mod format;
pub mod ingest;
pub mod ledger;
pub mod mapping;
pub mod mem;
pub mod model;
pub mod money;
pub mod output;
pub mod paper;
pub mod report;
pub mod sample;
pub mod scenario;
pub mod serve;
pub mod track;
pub mod uncertainty;
pub mod workbook;
