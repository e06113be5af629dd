//! The results workbook lives in its own surface, [`crate::workbook`] (a live model with
//! Inputs and Model sheets); the report calls it through these two functions.

pub use crate::workbook::{place_workbook, scenario_workbook};
