//! Errors users can act on.
//!
//! Every error names where the fault is: a model file and key, or a budget file, sheet, cell.
//! The library returns [`Error`]; the CLI prints it and exits with code 2 (bad input) or 1
//! (anything else).

use std::fmt;
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;

/// Where in a budget file a problem sits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file as shown to the user (relative to where the tool runs, where possible).
    pub file: String,
    /// Sheet name; `None` for CSV.
    pub sheet: Option<String>,
    /// 1-based row number, as the spreadsheet shows it.
    pub row: Option<u32>,
    /// 0-based column index (shown as a letter).
    pub col: Option<u32>,
}

impl Location {
    pub fn file(file: impl Into<String>) -> Self {
        Location {
            file: file.into(),
            sheet: None,
            row: None,
            col: None,
        }
    }
    pub fn cell(file: &str, sheet: Option<&str>, row: u32, col: u32) -> Self {
        Location {
            file: file.to_string(),
            sheet: sheet.map(str::to_string),
            row: Some(row),
            col: Some(col),
        }
    }
}

/// Spreadsheet column letters for a 0-based index: 0 → A, 25 → Z, 26 → AA.
pub fn col_letter(mut col: u32) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).expect("ascii")
}

/// Quote a sheet name the way Excel does in references: `'Revenue 2024-25'`.
pub fn quote_sheet(sheet: &str) -> String {
    if !sheet.is_empty() && sheet.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        sheet.to_string()
    } else {
        format!("'{}'", sheet.replace('\'', "''"))
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        match (&self.sheet, self.row, self.col) {
            (Some(sheet), Some(r), Some(c)) => {
                write!(f, ": {}!{}{}", quote_sheet(sheet), col_letter(c), r)
            }
            (Some(sheet), Some(r), None) => write!(f, ": {} row {}", quote_sheet(sheet), r),
            (Some(sheet), None, _) => write!(f, ": sheet {}", quote_sheet(sheet)),
            (None, Some(r), Some(c)) => write!(f, ": row {}, column {}", r, col_letter(c)),
            (None, Some(r), None) => write!(f, ": row {}", r),
            (None, None, _) => Ok(()),
        }
    }
}

/// The library's error type.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A model file (TOML) is wrong: names the file and the key at fault.
    #[error("{file}: {key}: {message}")]
    Model {
        file: String,
        key: String,
        message: String,
    },
    /// A budget file is wrong at a location.
    #[error("{loc}: {message}")]
    Input { loc: Location, message: String },
    /// A source's lines do not add up to its control total.
    #[error("{0}")]
    Reconciliation(Box<Mismatch>),
    /// Reading or writing a file failed.
    #[error("{path}: {message}")]
    Io { path: String, message: String },
    /// Several independent problems, reported together.
    #[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
    Many(Vec<Error>),
}

impl Error {
    pub fn model(
        file: impl Into<String>,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Error::Model {
            file: file.into(),
            key: key.into(),
            message: message.into(),
        }
    }
    pub fn input(loc: Location, message: impl Into<String>) -> Self {
        Error::Input {
            loc,
            message: message.into(),
        }
    }
    pub fn io(path: &Path, err: impl fmt::Display) -> Self {
        Error::Io {
            path: display_path(path),
            message: err.to_string(),
        }
    }
    /// Collapse a list of errors: none → Ok, one → itself, more → `Many`.
    pub fn from_list(mut errors: Vec<Error>) -> Result<(), Error> {
        match errors.len() {
            0 => Ok(()),
            1 => Err(errors.pop().expect("one")),
            _ => Err(Error::Many(errors)),
        }
    }
    /// How many distinct problems this error carries.
    pub fn count(&self) -> usize {
        match self {
            Error::Many(v) => v.iter().map(Error::count).sum(),
            _ => 1,
        }
    }
}

/// A source whose lines do not add up to its control total.
#[derive(Debug)]
pub struct Mismatch {
    pub loc: Location,
    pub source_id: String,
    pub computed: Decimal,
    pub control: Decimal,
    pub difference: Decimal,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::money::format_gbp;
        write!(
            f,
            "{}: source \"{}\" does not reconcile: its lines total {} but the control total is {} (difference {})",
            self.loc,
            self.source_id,
            format_gbp(self.computed),
            format_gbp(self.control),
            format_gbp(self.difference)
        )
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Lexically normalise a path (drop `.` and fold `..`) so messages show
/// `sample-data/x.xlsx` rather than `models/p/../../sample-data/x.xlsx`.
pub fn normalize_path(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir) | Some(Component::Prefix(_)) => {}
                _ => out.push(c),
            },
            _ => out.push(c),
        }
    }
    if out.is_empty() {
        PathBuf::from(".")
    } else {
        out.iter().collect()
    }
}

/// A path as shown in messages: normalised, relative to the working directory where possible.
pub fn display_path(path: &Path) -> String {
    let norm = normalize_path(path);
    if let Ok(cwd) = std::env::current_dir() {
        if let Ok(rel) = norm.strip_prefix(&cwd) {
            return rel.display().to_string();
        }
    }
    norm.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters() {
        assert_eq!(col_letter(0), "A");
        assert_eq!(col_letter(7), "H");
        assert_eq!(col_letter(25), "Z");
        assert_eq!(col_letter(26), "AA");
        assert_eq!(col_letter(701), "ZZ");
        assert_eq!(col_letter(702), "AAA");
    }

    #[test]
    fn location_display() {
        let l = Location::cell("council.xlsx", Some("Revenue 2024-25"), 27, 7);
        assert_eq!(l.to_string(), "council.xlsx: 'Revenue 2024-25'!H27");
        let l = Location::cell("police.csv", None, 3, 1);
        assert_eq!(l.to_string(), "police.csv: row 3, column B");
    }

    #[test]
    fn paths_normalise() {
        assert_eq!(
            normalize_path(Path::new("models/p/../../sample-data/x.xlsx")),
            PathBuf::from("sample-data/x.xlsx")
        );
        assert_eq!(normalize_path(Path::new("./a/./b")), PathBuf::from("a/b"));
    }
}
