//! CSV reading, as row-level rules a person can check against the file in a text editor:
//!
//! 1. **Lines.** A line ends at CRLF, LF or a lone CR (old Mac exports use CR only; Excel reads
//!    all three). Row numbers count those line ends, including ones inside quoted fields, so a
//!    location is the line an editor shows. In a file whose lines end in LF or CRLF, a record
//!    ended by a lone CR is an error: the stray CR would split a row in two.
//! 2. **Width.** After the header row, a record with a value in a column beyond the header's
//!    last named column is an error (an unquoted thousands comma, `CC1,1,234`, would otherwise
//!    shift the amount), and so is a record with fewer fields than the header, unless it is a
//!    single field (a heading or note line). Trailing empty fields are padding, not values.
//! 3. **Quotes.** A quoted field must close before the end of the file: an unterminated quote
//!    is an error at the row where it opened, not one field swallowing the rest of the file.
//! 4. **Encoding.** UTF-8 is checked once for the whole file; a file declared Windows-1252
//!    that is valid UTF-8 with non-ASCII text draws a warning (its `£` would read as `Â£`).
//!
//! Each rule is applied per record, so a parallel reader splitting the file at line ends can
//! keep them.

use memchr::memchr_iter;

use super::rows::{CellIn, RowProcessor};
use super::{control_in_sheet, finish_control, processed, Processed};
use crate::error::{col_letter, Error, Location, Result};
use crate::ledger::Ledger;
use crate::model::{Encoding, Source};

/// Line ends in `bytes`: each CRLF, LF and lone CR counts once (rule 1). A CR at the very end
/// of `bytes` followed (in the file) by LF is counted here and the LF must not be counted
/// again: callers pass whole stretches between record starts, which never split a CRLF.
pub fn count_line_ends(bytes: &[u8]) -> u32 {
    let lf = memchr_iter(b'\n', bytes).count();
    let crlf = memchr::memmem::find_iter(bytes, b"\r\n").count();
    let cr = memchr_iter(b'\r', bytes).count();
    // LFs + CRs that are not the first half of a CRLF.
    (lf + cr - crlf) as u32
}

/// A record's width as rule 2 sees it: (fields, 1 + index of the last non-blank field).
fn widths(rec: &csv::ByteRecord) -> (usize, usize) {
    let last = rec
        .iter()
        .rposition(|f| !f.iter().all(u8::is_ascii_whitespace))
        .map_or(0, |i| i + 1);
    (rec.len(), last)
}

/// Rule 2 for one record at `row`, given the header's width (1 + its last named column).
fn check_width(
    source: &Source,
    row: u32,
    (fields, used): (usize, usize),
    header: (u32, usize),
) -> Result<()> {
    let (header_row, header_width) = header;
    if row <= header_row || used == 0 {
        return Ok(());
    }
    if used > header_width {
        return Err(Error::input(
            Location::cell(&source.display, None, row, (used - 1) as u32),
            format!(
                "row has a value in column {} but the header (row {header_row}) names only {header_width} column{}: an unquoted delimiter (e.g. a thousands comma in 1,234) shifts the fields; quote such values (\"1,234\")",
                col_letter((used - 1) as u32),
                if header_width == 1 { "" } else { "s" },
            ),
        ));
    }
    if fields > 1 && fields < header_width {
        let mut loc = Location::file(&source.display);
        loc.row = Some(row);
        return Err(Error::input(
            loc,
            format!(
                "row has {fields} fields but the header (row {header_row}) has {header_width}: a field is missing"
            ),
        ));
    }
    Ok(())
}

pub(super) fn read_csv(source: &Source, idx: usize, ledger: &mut Ledger) -> Result<Processed> {
    // The whole file is read once: row numbers are counted from its bytes (the csv reader skips
    // empty lines and its own line count drifts), so every location matches what a person sees
    // opening the file, even with blank lines, CRLF endings and quoted fields spanning lines.
    let data = std::fs::read(&source.path).map_err(|e| Error::io(&source.path, e))?;
    super::limits::check_csv(source, &data)?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(source.delimiter)
        .from_reader(data.as_slice());
    let utf8 = std::str::from_utf8(&data).is_ok();
    let file_is_utf8 = source.encoding == Encoding::Utf8 && utf8;
    let mut warnings = Vec::new();
    if source.encoding == Encoding::Windows1252 && utf8 && !data.is_ascii() {
        warnings.push(format!(
            "{}: declared encoding = \"windows-1252\" but the file is valid UTF-8 with non-ASCII text (read as Windows-1252, a £ becomes Â£): if it was saved as UTF-8, remove the encoding line",
            source.display
        ));
    }
    // A typical ledger line is 40-80 bytes: reserve once rather than regrow a large Vec.
    ledger.lines.reserve(data.len() / 64);
    let mut proc = RowProcessor::new(source, idx, None, control_in_sheet(source, None));
    let mut rec = csv::ByteRecord::new();
    let mut row: u32 = 1;
    let mut scanned = 0usize;
    let mut decoded = String::new();
    // Rule 2 state: the header's (row, width) once known; records seen before it was.
    let mut header: Option<(u32, usize)> = None;
    let mut pending: Vec<(u32, (usize, usize))> = Vec::new();
    let mut header_widths: Vec<(u32, usize)> = Vec::new();
    let mut last: Option<(usize, u32, usize)> = None; // (start byte, row, fields) of the last record
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let mut loc = Location::file(&source.display);
                if let Some(p) = e.position() {
                    let upto = (p.byte() as usize).min(data.len());
                    loc.row = Some(row + count_line_ends(&data[scanned.min(upto)..upto]));
                }
                return Err(Error::input(loc, format!("not a readable CSV file: {e}")));
            }
        }
        // The record's position is where the previous one ended: step over empty lines.
        let mut start = rec.position().map(|p| p.byte() as usize).unwrap_or(scanned);
        while start < data.len() && (data[start] == b'\n' || data[start] == b'\r') {
            start += 1;
        }
        let start = start.max(scanned);
        row = row
            .checked_add(count_line_ends(&data[scanned..start]))
            .ok_or_else(|| Error::input(Location::file(&source.display), "too many lines"))?;
        scanned = start;
        last = Some((start, row, rec.len()));
        let w = widths(&rec);
        let ends_cr = ends_in_lone_cr(&data, rdr.position().byte() as usize);
        if ends_cr {
            let mut loc = Location::file(&source.display);
            loc.row = Some(row);
            return Err(Error::input(
                loc,
                "the line ends in a lone carriage return (CR) while the file's lines end in LF or CRLF: a CR is a line end, so the stray CR splits this row in two; remove it",
            ));
        }
        if w.1 > 0 {
            match header {
                Some(h) => check_width(source, row, w, h)?,
                None => {
                    pending.push((row, w));
                    header_widths.push((row, w.1));
                }
            }
        }
        for (c, field) in rec.iter().enumerate() {
            let mut field = field;
            if c == 0 && start == 0 {
                field = field.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(field);
            }
            if field.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            if !proc.wants(row, c as u32) {
                continue;
            }
            let text: &str = match source.encoding {
                // SAFETY: `data` was checked to be valid UTF-8 as a whole, and a csv field is
                // a run of its bytes cut at ASCII delimiters, quotes and line ends, with only
                // ASCII quote bytes removed; ASCII bytes never occur inside a multi-byte UTF-8
                // sequence, so every field is valid UTF-8 too. (Checking each field again cost
                // ~10% of CSV ingest.)
                Encoding::Utf8 if file_is_utf8 => unsafe { std::str::from_utf8_unchecked(field) },
                Encoding::Utf8 => match std::str::from_utf8(field) {
                    Ok(t) => t,
                    Err(_) => {
                        return Err(Error::input(
                            Location::cell(&source.display, None, row, c as u32),
                            "text is not valid UTF-8 (if the file came from Excel or a finance system, set encoding = \"windows-1252\")",
                        ))
                    }
                },
                Encoding::Windows1252 => {
                    decoded.clear();
                    let (cow, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(field);
                    decoded.push_str(&cow);
                    &decoded
                }
            };
            proc.feed(row, c as u32, CellIn::Text(text), ledger)?;
        }
        if header.is_none() {
            if let Some(h) = proc.header_row() {
                let width = header_widths
                    .iter()
                    .find(|(r, _)| *r == h)
                    .map_or(0, |(_, w)| *w);
                header = Some((h, width));
                header_widths.clear();
                for (r, w) in pending.drain(..) {
                    check_width(source, r, w, (h, width))?;
                }
            }
        }
    }
    // Rule 3: an odd number of quote characters in the last record means a quote never closed.
    if let Some((start, r, fields)) = last {
        if memchr_iter(b'"', &data[start..]).count() % 2 == 1 {
            return Err(Error::input(
                Location::cell(&source.display, None, r, fields.saturating_sub(1) as u32),
                "a quoted field opens here and is never closed: the rest of the file would read as one field; add the closing quote (\")",
            ));
        }
    }
    proc.finish(ledger)?;
    let control = finish_control(source, &mut proc, None, |_, _, _| {
        unreachable!("CSV has no other sheets")
    })?;
    let mut p = processed(proc, control);
    p.warnings = warnings;
    Ok(p)
}

/// Whether the record that ended at byte `end` was ended by a lone CR (not CRLF) in a file
/// that otherwise uses LF line ends: the stray-CR case of rule 1.
fn ends_in_lone_cr(data: &[u8], end: usize) -> bool {
    if end == 0 || end > data.len() || data[end - 1] != b'\r' {
        return false;
    }
    data.get(end) != Some(&b'\n') && memchr::memchr(b'\n', data).is_some()
}

#[cfg(test)]
mod tests {
    use super::count_line_ends;

    #[test]
    fn line_ends_are_crlf_lf_or_lone_cr() {
        assert_eq!(count_line_ends(b"a\r\nb\r\nc"), 2);
        assert_eq!(count_line_ends(b"a\nb\nc\n"), 3);
        assert_eq!(count_line_ends(b"a\rb\rc\r"), 3);
        // A lone CR inside a CRLF file is a line end of its own.
        assert_eq!(count_line_ends(b"a\r\nb\rc\r\n"), 3);
        assert_eq!(count_line_ends(b"\r\r\n\n"), 3);
    }
}
