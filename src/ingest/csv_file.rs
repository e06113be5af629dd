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
    // One pass over the line-end bytes (most stretches are one record with one LF at its
    // end): each LF counts unless it completes a CRLF, each CR counts.
    let mut n = 0u32;
    for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
        if bytes[i] == b'\r' || i == 0 || bytes[i - 1] != b'\r' {
            n += 1;
        }
    }
    n
}

/// A record's width as rule 2 sees it: (fields, 1 + index of the last non-blank field).
fn widths(rec: &Record<'_>) -> (usize, usize) {
    let last = (0..rec.len())
        .rposition(|i| !rec.field(i).iter().all(u8::is_ascii_whitespace))
        .map_or(0, |i| i + 1);
    (rec.len(), last)
}

/// One record as the csv crate reads it (no headers, flexible widths, `"` quotes doubled,
/// CRLF, LF or CR ending a record, blank lines skipped): its fields, and where it starts and
/// ends in the file.
struct Record<'b> {
    /// The bytes the fields are spans of: the file itself, or the slow reader's buffer.
    src: &'b [u8],
    spans: &'b [(usize, usize)],
    /// The record's first byte (blank lines before it stepped over).
    start: usize,
    /// The byte after its terminator (a CRLF's CR: the LF is skipped as a blank line before
    /// the next record), or the end of the file.
    end: usize,
}

impl Record<'_> {
    fn len(&self) -> usize {
        self.spans.len()
    }

    fn field(&self, i: usize) -> &[u8] {
        let (a, b) = self.spans[i];
        &self.src[a..b]
    }
}

/// Reads records from the file's bytes. A record whose line holds no quote character is its
/// line split at the delimiter, without copying (most ledger lines); any other record is read
/// by `csv_core`, the csv crate's own parser, so every record, position and field is the one
/// the csv crate reads (tested against it in this module).
struct Records<'a> {
    data: &'a [u8],
    delimiter: u8,
    core: csv_core::Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
    spans: Vec<(usize, usize)>,
    /// Whether quote-free lines may be split directly (not with a delimiter that is itself
    /// a quote or line-end byte).
    fast: bool,
}

impl<'a> Records<'a> {
    fn new(data: &'a [u8], delimiter: u8) -> Self {
        Records {
            data,
            delimiter,
            core: csv_core::ReaderBuilder::new().delimiter(delimiter).build(),
            out: vec![0; 1024],
            ends: vec![0; 64],
            spans: Vec::with_capacity(16),
            fast: !matches!(delimiter, b'"' | b'\n' | b'\r'),
        }
    }

    /// The record after byte `pos` (the end of the previous record, or a record boundary),
    /// or `None` at the end of the file.
    fn next(&mut self, pos: usize) -> Option<Record<'_>> {
        let data = self.data;
        let mut start = pos;
        while start < data.len() && (data[start] == b'\n' || data[start] == b'\r') {
            start += 1;
        }
        if start >= data.len() {
            return None;
        }
        self.spans.clear();
        let line_end = memchr::memchr3(b'"', b'\n', b'\r', &data[start..]).map(|i| start + i);
        if self.fast && line_end.is_none_or(|e| data[e] != b'"') {
            let e = line_end.unwrap_or(data.len());
            let mut a = start;
            for d in memchr::memchr_iter(self.delimiter, &data[start..e]) {
                self.spans.push((a, start + d));
                a = start + d + 1;
            }
            self.spans.push((a, e));
            return Some(Record {
                src: data,
                spans: &self.spans,
                start,
                end: (e + 1).min(data.len()),
            });
        }
        // A quote on the line: csv_core reads the record, from a fresh start-of-record state
        // (the state it is in after any record, once line-end bytes are stepped over).
        use csv_core::ReadRecordResult as R;
        self.core.reset();
        let (mut at, mut nout, mut nend) = (start, 0, 0);
        loop {
            let (res, nin, o, e) =
                self.core
                    .read_record(&data[at..], &mut self.out[nout..], &mut self.ends[nend..]);
            at += nin;
            nout += o;
            nend += e;
            match res {
                // All the file given: the next call, with nothing, tells the end of the file
                // (as the csv crate's reader does).
                R::InputEmpty => {}
                R::OutputFull => self.out.resize(self.out.len() * 2, 0),
                R::OutputEndsFull => self.ends.resize(self.ends.len() * 2, 0),
                R::Record => break,
                R::End => return None,
            }
        }
        let mut a = 0;
        for &b in &self.ends[..nend] {
            self.spans.push((a, b));
            a = b;
        }
        Some(Record {
            src: &self.out,
            spans: &self.spans,
            start,
            end: at,
        })
    }
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

/// How a CSV file is split for parallel reading (see [`read_csv`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Chunking {
    /// Chunks sized from the file and the thread count; small files are read in one go.
    #[default]
    Auto,
    /// Chunks of about this many bytes, however small the file (tests use it to put chunk
    /// boundaries where they want them).
    Bytes(usize),
    /// One reader from the first byte to the last.
    Sequential,
}

/// Files smaller than this are read by one reader (splitting costs more than it saves).
const MIN_PARALLEL_BYTES: usize = 4 << 20;
/// The smallest chunk [`Chunking::Auto`] makes.
const MIN_CHUNK_BYTES: usize = 1 << 20;

/// The file and what was found about it once.
struct Ctx<'a> {
    source: &'a Source,
    data: &'a [u8],
    file_is_utf8: bool,
    /// Whether the file has any LF (rule 1's stray CR applies only then).
    file_has_lf: bool,
}

/// A reader's position between records.
#[derive(Clone)]
struct Walk {
    /// The line of the record that starts at `scanned`.
    row: u32,
    scanned: usize,
    /// Rule 2 state: the header's (row, width) once known; records seen before it was.
    header: Option<(u32, usize)>,
    pending: Vec<(u32, (usize, usize))>,
    header_widths: Vec<(u32, usize)>,
    /// (start byte, row, fields) of the last record read.
    last: Option<(usize, u32, usize)>,
}

/// Where [`walk`] stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StopAt {
    /// After the record that completes the header.
    Header,
    /// Before the first record starting at or after this byte, unless a record crosses it
    /// (starts before it and ends after it: the byte was inside a quoted field), in which case
    /// the walk goes on to the end of the file.
    Byte(usize),
    End,
}

/// Whether a walk to a boundary met a record crossing it (and so read on to the end).
type Crossed = bool;

/// Read records from byte `from` (a record boundary) through the row processor.
fn walk(
    ctx: &Ctx<'_>,
    from: usize,
    w: &mut Walk,
    stop: StopAt,
    proc: &mut RowProcessor<'_>,
    ledger: &mut Ledger,
) -> Result<Crossed> {
    let (source, data) = (ctx.source, ctx.data);
    let mut records = Records::new(data, source.delimiter);
    let mut decoded = String::new();
    let mut boundary = match stop {
        StopAt::Byte(b) => Some(b),
        _ => None,
    };
    let mut crossed = false;
    let mut pos = from;
    while let Some(rec) = records.next(pos) {
        let start = rec.start.max(w.scanned);
        let end = rec.end;
        pos = end;
        if let Some(b) = boundary {
            if start >= b {
                return Ok(false);
            }
            if end > b {
                // The boundary was inside this record: the reader after it started in the
                // wrong place. This one is right; it reads on to the end.
                crossed = true;
                boundary = None;
            }
        }
        w.row = w
            .row
            .checked_add(count_line_ends(&data[w.scanned..start]))
            .ok_or_else(|| Error::input(Location::file(&source.display), "too many lines"))?;
        w.scanned = start;
        let row = w.row;
        w.last = Some((start, row, rec.len()));
        let wd = widths(&rec);
        if ctx.file_has_lf && ends_in_lone_cr(data, end) {
            let mut loc = Location::file(&source.display);
            loc.row = Some(row);
            return Err(Error::input(
                loc,
                "the line ends in a lone carriage return (CR) while the file's lines end in LF or CRLF: a CR is a line end, so the stray CR splits this row in two; remove it",
            ));
        }
        if wd.1 > 0 {
            match w.header {
                Some(h) => check_width(source, row, wd, h)?,
                None => {
                    w.pending.push((row, wd));
                    w.header_widths.push((row, wd.1));
                }
            }
        }
        for c in 0..rec.len() {
            let mut field = rec.field(c);
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
                Encoding::Utf8 if ctx.file_is_utf8 => unsafe {
                    std::str::from_utf8_unchecked(field)
                },
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
        // Rule 3: an odd number of quote characters in the last record means a quote never
        // closed (checked before the row is ended: its amount would be the rest of the file).
        if data[end.min(data.len())..]
            .iter()
            .all(|&b| b == b'\n' || b == b'\r')
            && memchr_iter(b'"', &data[start..]).count() % 2 == 1
        {
            return Err(Error::input(
                Location::cell(&source.display, None, row, rec.len().saturating_sub(1) as u32),
                "a quoted field opens here and is never closed: the rest of the file would read as one field; add the closing quote (\")",
            ));
        }
        // A CSV record is a whole row: end it now, so its errors come before the next row's.
        proc.end_record(ledger)?;
        if w.header.is_none() {
            if let Some(h) = proc.header_row() {
                let width = w
                    .header_widths
                    .iter()
                    .find(|(r, _)| *r == h)
                    .map_or(0, |(_, w)| *w);
                w.header = Some((h, width));
                w.header_widths.clear();
                for (r, wd) in w.pending.drain(..) {
                    check_width(source, r, wd, (h, width))?;
                }
                if stop == StopAt::Header {
                    return Ok(false);
                }
            }
        }
    }
    Ok(crossed)
}

/// Read a CSV source. The header is found by one reader from the top; the rest of the file is
/// then cut into chunks at line ends outside quotes (counting quote characters from the
/// header, which is right for any file whose quotes are balanced) and the chunks are read in
/// parallel, each by its own reader and row processor into its own ledger, and joined in file
/// order. A chunk's reader starts at a record boundary (guaranteed by checking that no record
/// of the chunk before crosses it; when one does, as a stray quote can make happen, that
/// chunk's reader reads on to the end and the chunks after it are dropped), so every record,
/// row number, count and error is the one a single reader finds: the first error in file
/// order is the one reported.
pub(super) fn read_csv(
    source: &Source,
    idx: usize,
    ledger: &mut Ledger,
    chunking: Chunking,
) -> Result<Processed> {
    // The whole file is read once: row numbers are counted from its bytes (the csv reader skips
    // empty lines and its own line count drifts), so every location matches what a person sees
    // opening the file, even with blank lines, CRLF endings and quoted fields spanning lines.
    let data = crate::mem::read_file(&source.path).map_err(|e| Error::io(&source.path, e))?;
    super::limits::check_csv(source, &data)?;
    let utf8 = is_utf8(&data);
    let ctx = Ctx {
        source,
        data: &data,
        file_is_utf8: source.encoding == Encoding::Utf8 && utf8,
        file_has_lf: memchr::memchr(b'\n', &data).is_some(),
    };
    let mut warnings = Vec::new();
    if source.encoding == Encoding::Windows1252 && utf8 && !data.is_ascii() {
        warnings.push(format!(
            "{}: declared encoding = \"windows-1252\" but the file is valid UTF-8 with non-ASCII text (read as Windows-1252, a £ becomes Â£): if it was saved as UTF-8, remove the encoding line",
            source.display
        ));
    }
    let mut proc = RowProcessor::new(source, idx, None, control_in_sheet(source, None));
    let mut w = Walk {
        row: 1,
        scanned: 0,
        header: None,
        pending: Vec::new(),
        header_widths: Vec::new(),
        last: None,
    };
    let chunk = match chunking {
        Chunking::Sequential => None,
        Chunking::Bytes(n) => Some(n.max(1)),
        Chunking::Auto if data.len() < MIN_PARALLEL_BYTES => None,
        Chunking::Auto => {
            Some((data.len() / (4 * rayon::current_num_threads().max(1))).max(MIN_CHUNK_BYTES))
        }
    };
    match chunk {
        None => {
            // A typical ledger line is 40-80 bytes: reserve once rather than regrow a large Vec.
            ledger.lines.reserve(data.len() / 64);
            crate::mem::hint_huge(&mut ledger.lines);
            walk(&ctx, 0, &mut w, StopAt::End, &mut proc, ledger)?;
        }
        Some(chunk) => {
            walk(&ctx, 0, &mut w, StopAt::Header, &mut proc, ledger)?;
            if w.header.is_some() {
                read_chunks(&ctx, chunk, &mut w, &mut proc, ledger)?;
            }
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

/// Read the rest of the file after the header (`w` is just past it) in parallel chunks of
/// about `chunk` bytes, and join them into `proc` and `ledger` in order.
fn read_chunks(
    ctx: &Ctx<'_>,
    chunk: usize,
    w: &mut Walk,
    proc: &mut RowProcessor<'_>,
    ledger: &mut Ledger,
) -> Result<()> {
    use rayon::prelude::*;
    let data = ctx.data;
    // The header walk stopped at the end of the header's record: its line end, or the start
    // of the next record. Step past a CRLF's LF so no chunk starts between CR and LF.
    let mut pos = match w.last {
        Some((s, _, _)) => s,
        None => return Ok(()),
    };
    pos = record_end(data, pos, ctx.source.delimiter);
    let bounds = chunk_bounds(data, pos, chunk);
    // Row of each chunk's first line.
    let gaps: Vec<u64> = bounds
        .par_windows(2)
        .map(|b| u64::from(count_line_ends(&data[b[0]..b[1]])))
        .collect();
    let mut rows = Vec::with_capacity(gaps.len());
    let mut row = u64::from(w.row) + u64::from(count_line_ends(&data[w.scanned..pos]));
    for g in &gaps {
        rows.push(
            u32::try_from(row)
                .map_err(|_| Error::input(Location::file(&ctx.source.display), "too many lines"))?,
        );
        row += g;
    }
    let header = w.header;
    let n = rows.len();
    let outs: Vec<(Result<Crossed>, RowProcessor<'_>, Ledger)> = (0..n)
        .into_par_iter()
        .map(|i| {
            super::quiet_panics(|| {
                let mut p = proc.fork();
                let mut local = Ledger::new();
                // Room for a line per line end in the chunk (a bound on its records), unless
                // its lines average under 24 bytes: no regrowing (and copying) as it fills.
                let len = bounds[i + 1] - bounds[i];
                local
                    .lines
                    .reserve((gaps[i] as usize + 1).min(len / 24 + 1));
                crate::mem::hint_huge(&mut local.lines);
                let mut cw = Walk {
                    row: rows[i],
                    scanned: bounds[i],
                    header,
                    pending: Vec::new(),
                    header_widths: Vec::new(),
                    last: None,
                };
                let stop = if i + 1 == n {
                    StopAt::End
                } else {
                    StopAt::Byte(bounds[i + 1])
                };
                let r = walk(ctx, bounds[i], &mut cw, stop, &mut p, &mut local)
                    .and_then(|crossed| p.end_record(&mut local).map(|()| crossed));
                (r, p, local)
            })
        })
        .collect();
    // `append_all` reserves for (and hints) the lines it joins.
    let mut parts = Vec::with_capacity(outs.len());
    for (r, p, local) in outs {
        let crossed = r?;
        proc.absorb(p)?;
        parts.push(local);
        if crossed {
            break;
        }
    }
    ledger.append_all(parts);
    Ok(())
}

/// Whether `data` is UTF-8, checked in parallel pieces cut just after LF bytes (an ASCII byte
/// never falls inside a character, so the whole is valid exactly when every piece is).
fn is_utf8(data: &[u8]) -> bool {
    use rayon::prelude::*;
    const PIECE: usize = 4 << 20;
    if data.len() < 2 * PIECE {
        return std::str::from_utf8(data).is_ok();
    }
    let mut cuts = vec![0];
    let mut at = PIECE;
    while at < data.len() {
        match memchr::memchr(b'\n', &data[at..]) {
            Some(i) => {
                cuts.push(at + i + 1);
                at += i + 1 + PIECE;
            }
            None => break,
        }
    }
    cuts.push(data.len());
    cuts.par_windows(2)
        .all(|w| std::str::from_utf8(&data[w[0]..w[1]]).is_ok())
}

/// The byte after the record starting at `start` ends, found by a reader of that one record
/// (CRLF stepped over whole).
fn record_end(data: &[u8], start: usize, delimiter: u8) -> usize {
    let mut records = Records::new(data, delimiter);
    let mut end = records.next(start).map_or(data.len(), |r| r.end);
    if end > 0 && end < data.len() && data[end - 1] == b'\r' && data[end] == b'\n' {
        end += 1;
    }
    end.min(data.len())
}

/// Chunk boundaries from `pos` to the end of `data`: `pos`, then the first line end at or
/// after each further `chunk` bytes where the quote characters since `pos` are even (outside
/// any quoted field, if the file's quotes are balanced), then `data.len()`.
fn chunk_bounds(data: &[u8], pos: usize, chunk: usize) -> Vec<usize> {
    let mut bounds = vec![pos];
    let mut cur = pos;
    loop {
        let nominal = cur.saturating_add(chunk);
        if nominal >= data.len() {
            break;
        }
        // Quote parity at `nominal`, from `cur` (where it is even).
        let mut odd = memchr::memchr_iter(b'"', &data[cur..nominal]).count() % 2 == 1;
        let mut next = None;
        for i in memchr::memchr2_iter(b'"', b'\n', &data[nominal..]) {
            if data[nominal + i] == b'"' {
                odd = !odd;
            } else if !odd {
                next = Some(nominal + i + 1);
                break;
            }
        }
        match next {
            Some(b) if b < data.len() => {
                bounds.push(b);
                cur = b;
            }
            _ => break,
        }
    }
    bounds.push(data.len());
    bounds
}

/// Whether the record that ended at byte `end` was ended by a lone CR (not CRLF) in a file
/// that otherwise uses LF line ends: the stray-CR case of rule 1.
/// (The caller checks the file has an LF at all.)
fn ends_in_lone_cr(data: &[u8], end: usize) -> bool {
    if end == 0 || end > data.len() || data[end - 1] != b'\r' {
        return false;
    }
    data.get(end) != Some(&b'\n')
}

#[cfg(test)]
mod tests {
    use super::{count_line_ends, is_utf8, Records};
    use proptest::prelude::*;

    /// The parallel UTF-8 check agrees with one `from_utf8` over the whole, with characters
    /// and bad bytes placed across its 4 MB piece boundaries.
    #[test]
    fn parallel_utf8_check_is_the_whole_files() {
        let line = "café £12.50, Rent\n".as_bytes();
        let mut data: Vec<u8> = line.iter().copied().cycle().take(13 << 20).collect();
        assert_eq!(is_utf8(&data), std::str::from_utf8(&data).is_ok());
        for at in [4 << 20, (4 << 20) + 1, 8 << 20, data.len() - 1] {
            let was = data[at];
            data[at] = 0xFF;
            assert!(!is_utf8(&data), "bad byte at {at}");
            data[at] = was;
        }
        assert!(is_utf8(&data));
    }

    /// (start, end, fields) of every record as the csv crate's reader reads `data` (no
    /// headers, flexible), positions as `walk` took them from it before `Records`.
    fn csv_crate_records(data: &[u8], delimiter: u8) -> Vec<(usize, usize, Vec<Vec<u8>>)> {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(data);
        let mut rec = csv::ByteRecord::new();
        let mut out = Vec::new();
        let mut scanned = 0;
        while rdr.read_byte_record(&mut rec).unwrap() {
            let mut start = rec.position().map_or(scanned, |p| p.byte() as usize);
            while start < data.len() && (data[start] == b'\n' || data[start] == b'\r') {
                start += 1;
            }
            let start = start.max(scanned);
            scanned = start;
            let end = rdr.position().byte() as usize;
            out.push((start, end, rec.iter().map(<[u8]>::to_vec).collect()));
        }
        out
    }

    fn our_records(data: &[u8], delimiter: u8) -> Vec<(usize, usize, Vec<Vec<u8>>)> {
        let mut records = Records::new(data, delimiter);
        let mut out = Vec::new();
        let mut pos = 0;
        while let Some(r) = records.next(pos) {
            pos = r.end;
            out.push((
                r.start,
                r.end,
                (0..r.len()).map(|i| r.field(i).to_vec()).collect(),
            ));
        }
        out
    }

    proptest! {
        /// Records reads every record, field and position as the csv crate does, on any mix
        /// of delimiters, quotes, line ends and text, quoted or not.
        #[test]
        fn records_are_the_csv_crates(
            bytes in proptest::collection::vec(prop_oneof![
                Just(b'a'), Just(b' '), Just(b','), Just(b';'), Just(b'"'), Just(b'\r'), Just(b'\n'),
            ], 0..120),
            semicolon in any::<bool>(),
        ) {
            let d = if semicolon { b';' } else { b',' };
            prop_assert_eq!(our_records(&bytes, d), csv_crate_records(&bytes, d));
        }
    }

    #[test]
    fn records_on_ledger_like_lines() {
        for data in [
            &b"A,B\r\nx,\"1,234.50\"\r\n\r\ny,2\r\n"[..],
            b"a,b\nc,\"multi\nline\",d\n\"unclosed,e\n",
            b"\"a\"\"b\"x,\"\"\n,,\n   \n",
            b"no end",
            b"\n\r\n\r",
            b"a\rb\rc\"d\"\r",
        ] {
            for d in [b',', b'"', b'\n'] {
                assert_eq!(
                    our_records(data, d),
                    csv_crate_records(data, d),
                    "{data:?} {d}"
                );
            }
        }
    }

    proptest! {
        /// The one-pass count equals LFs + CRs − CRLFs on any mix of line-end bytes.
        #[test]
        fn line_ends_one_pass(bytes in proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'\r'), Just(b'\n'), Just(b'"')], 0..200)) {
            let lf = bytes.iter().filter(|&&b| b == b'\n').count();
            let cr = bytes.iter().filter(|&&b| b == b'\r').count();
            let crlf = bytes.windows(2).filter(|w| w == b"\r\n").count();
            prop_assert_eq!(count_line_ends(&bytes) as usize, lf + cr - crlf);
        }
    }

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
