//! A faster reader for the common shape of .xlsx sheets, giving exactly the cells calamine's
//! streaming reader gives, or stepping aside.
//!
//! calamine reads a sheet on one thread through quick-xml's general event reader, after the
//! container inspection ([`super::limits`]) has inflated the whole file once already. Here the
//! sheet is inflated once, on its own thread, through the same limits guard; cut into blocks
//! at `<row` tags; the blocks are scanned on threads of its own (one per rayon thread); and
//! their cells are fed to the row processor in order on the calling thread.
//!
//! The scanner knows the cell shapes spreadsheet writers produce (`<c r s t>` holding `<v>`,
//! `<is><t>`, `<f>`), and the workbook parts it needs are read as calamine 0.38 reads them
//! (package and workbook relationships, sheet list, number formats of `cellXfs`, shared
//! strings: ports of its code, MIT licence, marked below); a control total on another sheet is
//! found by the same scanner. Anything else it meets (a comment, CDATA, inline rich text, an
//! entity inside a number, a row without `r` at a block start, a malformed reference, a part
//! over a limit, an empty control cell) makes it **step aside**: nothing it read is kept and the file is read again by the calamine path,
//! after the full inspection, so every value, error and message is the one that path gives.
//! `tests/ingest_xlsx_fast.rs` checks cell for cell that both readers agree, on generated
//! workbooks and on every xlsx fixture.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{BufReader, Read};
use std::sync::mpsc;

use calamine::{Sheet, SheetType, SheetVisible};
use quick_xml::events::Event;
use zip::ZipArchive;

use super::limits::{Guard, Limits};
use super::rows::{CellIn, RowProcessor};
use super::{control_in_sheet, error_text, pick_sheet, processed, sheet_pos, Processed};
use crate::error::{Error, Result};
use crate::ledger::Ledger;
use crate::model::Source;

/// Why the fast reader stepped aside, or the error it found (which the calamine path would
/// find at the same cell: both feed the row processor the same cells in the same order).
#[derive(Debug)]
pub(super) enum Step {
    Aside(&'static str),
    Err(Error),
    /// A sheet's reader was told to stop (the cell it looked for was found).
    Stop,
}

impl From<Error> for Step {
    fn from(e: Error) -> Self {
        Step::Err(e)
    }
}

type Fast<T> = std::result::Result<T, Step>;

fn aside<T>(why: &'static str) -> Fast<T> {
    Err(Step::Aside(why))
}

/// How calamine classes a cell format (`formats::CellFormat`).
#[derive(Debug, Clone, Copy, PartialEq)]
enum CellFormat {
    Other,
    DateTime,
    TimeDelta,
}

/// What the scanner needs from the workbook.
pub(super) struct Book {
    zip: ZipArchive<BufReader<File>>,
    paths: HashMap<String, String>,
    limits: Limits,
    /// Decompressed bytes of the parts read so far.
    total: u64,
    pub(super) sheets: Vec<(Sheet, String)>,
    strings: Vec<String>,
    formats: Vec<CellFormat>,
}

fn xml_config<R>(r: &mut quick_xml::Reader<R>) {
    let c = r.config_mut();
    c.check_end_names = false;
    c.trim_text(false);
    c.check_comments = false;
    c.expand_empty_elements = true;
}

fn attr(e: &quick_xml::events::BytesStart<'_>, key: &str) -> Fast<Option<String>> {
    for a in e.attributes().with_checks(false) {
        let Ok(a) = a else {
            return aside("malformed attribute");
        };
        if a.key.as_ref() == key {
            return Ok(Some(a.value.to_string()));
        }
    }
    Ok(None)
}

/// A general reference (`&amp;`, `&#x20AC;`) resolved as calamine resolves it, onto `out`.
fn push_ref(r: &quick_xml::events::BytesRef<'_>, out: &mut String) -> Fast<()> {
    if let Some(x) = quick_xml::escape::resolve_xml_entity(r) {
        out.push_str(x);
    } else if let Ok(Some(c)) = r.resolve_char_ref() {
        out.push(c);
    } else {
        return aside("entity");
    }
    Ok(())
}

fn unescape_attr(v: &str) -> Fast<String> {
    match quick_xml::escape::unescape(v) {
        Ok(s) => Ok(s.into_owned()),
        Err(_) => aside("attribute entity"),
    }
}

impl Book {
    pub(super) fn open(source: &Source) -> Fast<Book> {
        let limits = Limits::from_env();
        let Ok(file) = File::open(&source.path) else {
            return aside("cannot open");
        };
        let Ok(mut zip) = ZipArchive::new(BufReader::new(file)) else {
            return aside("not a zip");
        };
        // Entries this reader never reads still count against the file's limit: their
        // declared sizes are summed (the inspection on the calamine path inflates them).
        let mut declared = 0u64;
        let mut paths = HashMap::new();
        for i in 0..zip.len() {
            let Ok(e) = zip.by_index_raw(i) else {
                return aside("zip entry");
            };
            declared = declared.saturating_add(e.size());
            let Ok(name) = e.name() else {
                return aside("zip entry name");
            };
            let name = name.to_string();
            paths.insert(name.replace('\\', "/").to_ascii_lowercase(), name);
        }
        if declared > limits.decompressed_bytes {
            return aside("declared sizes over the limit");
        }
        let mut book = Book {
            zip,
            paths,
            limits,
            total: 0,
            sheets: Vec::new(),
            strings: Vec::new(),
            formats: Vec::new(),
        };
        // Ported from calamine 0.38 `Xlsx::new` (MIT, Johann Tuffe): package relationships,
        // styles, workbook relationships, workbook, shared strings.
        let (xl_path, workbook_name) = book.package_relationships()?;
        book.read_styles(&xl_path)?;
        let rels = book.relationships(&xl_path, &workbook_name)?;
        book.read_workbook(&xl_path, &workbook_name, &rels)?;
        book.read_shared_strings(&xl_path)?;
        Ok(book)
    }

    /// The part holding sheet `name`.
    fn sheet_path(&self, name: &str) -> Option<String> {
        self.sheets
            .iter()
            .find(|(s, _)| s.name == name)
            .map(|(_, p)| p.clone())
    }

    fn entry_name(&self, path: &str) -> String {
        self.paths
            .get(&path.to_ascii_lowercase())
            .cloned()
            .unwrap_or_else(|| path.to_string())
    }

    /// Run `f` over part `path` read through the limits guard; `None` if there is no such part.
    fn with_part<T>(
        &mut self,
        path: &str,
        f: impl FnOnce(&mut quick_xml::Reader<BufReader<&mut dyn Read>>) -> Fast<T>,
    ) -> Fast<Option<T>> {
        let name = self.entry_name(path);
        let entry = match self.zip.by_name(&name) {
            Ok(e) => e,
            Err(zip::result::ZipError::FileNotFound) => return Ok(None),
            Err(_) => return aside("zip entry"),
        };
        let mut guard = Guard::new(entry, self.total, &self.limits);
        let r = {
            let inner: &mut dyn Read = &mut guard;
            let mut xml = quick_xml::Reader::from_reader(BufReader::new(inner));
            xml_config(&mut xml);
            f(&mut xml)
        };
        if guard.tripped() {
            return aside("part over a limit");
        }
        self.total = guard.total();
        r.map(Some)
    }

    fn package_relationships(&mut self) -> Fast<(String, String)> {
        let target = self.with_part("_rels/.rels", |xml| {
            let mut buf = Vec::new();
            let mut target = None;
            let mut started = false;
            loop {
                buf.clear();
                match xml.read_event_into(&mut buf) {
                    Ok(Event::Start(e)) if e.local_name().as_ref() == "Relationships" => {
                        started = true
                    }
                    Ok(Event::Start(e)) if started && e.local_name().as_ref() == "Relationship" => {
                        let t = attr(&e, "Type")?;
                        if t.is_some_and(|t| t.ends_with("/relationships/officeDocument")) {
                            if let Some(v) = attr(&e, "Target")? {
                                target = Some(unescape_attr(&v)?);
                            }
                        }
                    }
                    Ok(Event::End(e)) if started && e.local_name().as_ref() == "Relationships" => {
                        break
                    }
                    Ok(Event::Eof) | Err(_) => return aside("package relationships"),
                    _ => {}
                }
            }
            Ok(target)
        })?;
        let Some(Some(target)) = target else {
            return aside("no office document");
        };
        let (dir, name) = match target.rfind('/') {
            Some(i) => target.split_at(i + 1),
            None => ("", target.as_str()),
        };
        let xl_path = dir.strip_prefix('/').unwrap_or(dir).to_string();
        let name = if name.is_empty() {
            "workbook.xml"
        } else {
            name
        };
        Ok((xl_path, name.to_string()))
    }

    fn read_styles(&mut self, xl_path: &str) -> Fast<()> {
        let formats = self.with_part(&format!("{xl_path}styles.xml"), |xml| {
            let mut number_formats: HashMap<String, String> = HashMap::new();
            let mut formats = Vec::new();
            let mut buf = Vec::new();
            #[derive(PartialEq)]
            enum In {
                Top,
                NumFmts,
                CellXfs,
            }
            let mut at = In::Top;
            loop {
                buf.clear();
                match xml.read_event_into(&mut buf) {
                    Ok(Event::Start(e)) => match (&at, e.local_name().as_ref()) {
                        (In::Top, "numFmts") => at = In::NumFmts,
                        (In::Top, "cellXfs") => at = In::CellXfs,
                        (In::NumFmts, "numFmt") => {
                            if let (Some(id), Some(fc)) =
                                (attr(&e, "numFmtId")?, attr(&e, "formatCode")?)
                            {
                                number_formats.insert(id, unescape_attr(&fc)?);
                            }
                        }
                        (In::CellXfs, "xf") => {
                            formats.push(match attr(&e, "numFmtId")? {
                                None => CellFormat::Other,
                                Some(v) => match number_formats.get(&v) {
                                    Some(f) => detect_custom_number_format(f),
                                    None => builtin_format_by_id(&v),
                                },
                            });
                        }
                        _ => {}
                    },
                    Ok(Event::End(e)) => match (&at, e.local_name().as_ref()) {
                        (In::NumFmts, "numFmts") | (In::CellXfs, "cellXfs") => at = In::Top,
                        (In::Top, "styleSheet") => break,
                        _ => {}
                    },
                    Ok(Event::Eof) | Err(_) => return aside("styles"),
                    _ => {}
                }
            }
            Ok(formats)
        })?;
        self.formats = formats.unwrap_or_default();
        Ok(())
    }

    fn relationships(
        &mut self,
        xl_path: &str,
        workbook: &str,
    ) -> Fast<HashMap<String, (String, String)>> {
        let rels = self.with_part(&format!("{xl_path}_rels/{workbook}.rels"), |xml| {
            let mut rels = HashMap::new();
            let mut buf = Vec::new();
            loop {
                buf.clear();
                match xml.read_event_into(&mut buf) {
                    Ok(Event::Start(e)) if e.local_name().as_ref() == "Relationship" => {
                        if let Some(id) = attr(&e, "Id")? {
                            let t = attr(&e, "Type")?.unwrap_or_default();
                            let target = attr(&e, "Target")?.unwrap_or_default();
                            rels.insert(id, (target, t));
                        }
                    }
                    Ok(Event::End(e)) if e.local_name().as_ref() == "Relationships" => break,
                    Ok(Event::Eof) | Err(_) => return aside("workbook relationships"),
                    _ => {}
                }
            }
            Ok(rels)
        })?;
        match rels {
            Some(r) => Ok(r),
            None => aside("no workbook relationships"),
        }
    }

    fn read_workbook(
        &mut self,
        xl_path: &str,
        workbook: &str,
        rels: &HashMap<String, (String, String)>,
    ) -> Fast<()> {
        let sheets = self.with_part(&format!("{xl_path}{workbook}"), |xml| {
            let mut sheets = Vec::new();
            let mut buf = Vec::new();
            loop {
                buf.clear();
                match xml.read_event_into(&mut buf) {
                    Ok(Event::Start(e)) if e.local_name().as_ref() == "sheet" => {
                        let mut name = String::new();
                        let mut rel_id = String::new();
                        let mut visible = SheetVisible::Visible;
                        for a in e.attributes().with_checks(false) {
                            let Ok(a) = a else {
                                return aside("sheet attribute");
                            };
                            let val: &str = &a.value;
                            let key = a.key.as_ref();
                            match key {
                                "name" => name = unescape_attr(val)?,
                                "state" => {
                                    visible = match val {
                                        "visible" => SheetVisible::Visible,
                                        "hidden" => SheetVisible::Hidden,
                                        "veryHidden" => SheetVisible::VeryHidden,
                                        _ => return aside("sheet state"),
                                    }
                                }
                                k if k == "id" || k.ends_with(":id") => rel_id = val.to_string(),
                                _ => {}
                            }
                        }
                        let Some((r, rel_type)) = rels.get(&rel_id) else {
                            return aside("sheet relationship");
                        };
                        let path = match r.strip_prefix('/') {
                            Some(abs) => abs.to_string(),
                            None => format!("{xl_path}{r}"),
                        };
                        let typ = match rel_type.rsplit('/').next() {
                            Some("worksheet") => SheetType::WorkSheet,
                            Some("chartsheet") => SheetType::ChartSheet,
                            Some("dialogsheet") => SheetType::DialogSheet,
                            _ => return aside("sheet type"),
                        };
                        sheets.push((Sheet { name, typ, visible }, path));
                    }
                    Ok(Event::Start(e)) if e.local_name().as_ref() == "definedName" => {
                        // Its text is skipped, with the same checks on entities as calamine.
                        let end = e.name().as_ref().to_string();
                        let mut inner = Vec::new();
                        let mut skipped = String::new();
                        loop {
                            inner.clear();
                            match xml.read_event_into(&mut inner) {
                                Ok(Event::GeneralRef(r)) => push_ref(&r, &mut skipped)?,
                                Ok(Event::End(x)) if x.name().as_ref() == end => break,
                                Ok(Event::Eof) | Err(_) => return aside("defined name"),
                                _ => {}
                            }
                        }
                    }
                    Ok(Event::End(e)) if e.local_name().as_ref() == "workbook" => break,
                    Ok(Event::Eof) | Err(_) => return aside("workbook"),
                    _ => {}
                }
            }
            Ok(sheets)
        })?;
        self.sheets = sheets.unwrap_or_default();
        Ok(())
    }

    fn read_shared_strings(&mut self, xl_path: &str) -> Fast<()> {
        let cells = self.limits.cells;
        let strings = self.with_part(&format!("{xl_path}sharedStrings.xml"), |xml| {
            let mut strings = Vec::new();
            let mut buf = Vec::new();
            loop {
                buf.clear();
                match xml.read_event_into(&mut buf) {
                    Ok(Event::Start(e)) if e.local_name().as_ref() == "sst" => {
                        for key in ["uniqueCount", "count"] {
                            if let Some(n) = attr(&e, key)? {
                                if n.trim().parse::<u64>().map_or(true, |n| n > cells) {
                                    return aside("shared strings count");
                                }
                            }
                        }
                        break;
                    }
                    Ok(Event::Eof) | Err(_) => return aside("shared strings"),
                    _ => {}
                }
            }
            loop {
                buf.clear();
                match xml.read_event_into(&mut buf) {
                    Ok(Event::Start(e)) if e.local_name().as_ref() == "si" => {
                        let end = e.name().as_ref().to_string();
                        strings.push(read_string(xml, &end)?);
                    }
                    Ok(Event::End(e)) if e.local_name().as_ref() == "sst" => break,
                    Ok(Event::Eof) | Err(_) => return aside("shared strings"),
                    _ => {}
                }
            }
            Ok(strings)
        })?;
        self.strings = strings.unwrap_or_default();
        Ok(())
    }
}

/// Ported from calamine 0.38 `read_string_with_bufs` (MIT): a simple or rich-text string,
/// phonetic runs left out (an element with neither is the empty string).
fn read_string<R: std::io::BufRead>(xml: &mut quick_xml::Reader<R>, closing: &str) -> Fast<String> {
    let mut rich: Option<String> = None;
    let mut phonetic = false;
    let mut buf = Vec::new();
    let mut tbuf = Vec::new();
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e)) if e.local_name().as_ref() == "r" && rich.is_none() => {
                rich = Some(String::new())
            }
            Ok(Event::Start(e)) if e.local_name().as_ref() == "rPh" => phonetic = true,
            Ok(Event::End(e)) if e.name().as_ref() == closing => {
                return Ok(rich.unwrap_or_default());
            }
            Ok(Event::End(e)) if e.local_name().as_ref() == "rPh" => phonetic = false,
            Ok(Event::Start(e)) if e.local_name().as_ref() == "t" && !phonetic => {
                let preserve = attr(&e, "xml:space")?.is_some_and(|v| v == "preserve");
                let end = e.name().as_ref().to_string();
                let mut value = String::new();
                loop {
                    tbuf.clear();
                    match xml.read_event_into(&mut tbuf) {
                        Ok(Event::Text(t)) => value.push_str(&t.xml10_content()),
                        Ok(Event::CData(t)) => value.push_str(&t.xml10_content()),
                        Ok(Event::GeneralRef(r)) => push_ref(&r, &mut value)?,
                        Ok(Event::End(x)) if x.name().as_ref() == end => break,
                        Ok(Event::Eof) | Err(_) => return aside("string"),
                        _ => {}
                    }
                }
                let value = if preserve {
                    unescape_xml(&value)
                } else {
                    unescape_xml(value.trim_matches([' ', '\t', '\r', '\n']))
                };
                match &mut rich {
                    Some(s) => s.push_str(&value),
                    None => rich = Some(value),
                }
            }
            Ok(Event::Eof) | Err(_) => return aside("string"),
            _ => {}
        }
    }
}

/// Ported from calamine 0.38 `utils::unescape_xml` (MIT): Excel's `_xHHHH_` escapes of UTF-16
/// code units (a surrogate pair as two escapes; a lone surrogate as U+FFFD).
fn unescape_xml(s: &str) -> String {
    fn unit(s: &[u8], i: usize) -> Option<u16> {
        let b = s.get(i..i + 7)?;
        if b[0] != b'_'
            || b[1] != b'x'
            || b[6] != b'_'
            || !b[2..6].iter().all(u8::is_ascii_hexdigit)
        {
            return None;
        }
        u16::from_str_radix(std::str::from_utf8(&b[2..6]).ok()?, 16).ok()
    }
    let b = s.as_bytes();
    if memchr::memmem::find(b, b"_x").is_none() {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut copied = 0;
    let mut i = 0;
    while let Some(off) = memchr::memchr(b'_', &b[i..]) {
        let at = i + off;
        let Some(u) = unit(b, at) else {
            i = at + 1;
            continue;
        };
        out.push_str(&s[copied..at]);
        let mut next = at + 7;
        match u {
            0xD800..=0xDBFF => match unit(b, next) {
                Some(low @ 0xDC00..=0xDFFF) => {
                    let cp = 0x10000 + ((u32::from(u) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                    out.push(char::from_u32(cp).unwrap_or(char::REPLACEMENT_CHARACTER));
                    next += 7;
                }
                _ => out.push(char::REPLACEMENT_CHARACTER),
            },
            0xDC00..=0xDFFF => out.push(char::REPLACEMENT_CHARACTER),
            u => out.push(char::from_u32(u32::from(u)).unwrap_or(char::REPLACEMENT_CHARACTER)),
        }
        copied = next;
        i = next;
    }
    out.push_str(&s[copied..]);
    out
}

/// Ported from calamine 0.38 `formats::detect_custom_number_format` (MIT).
fn detect_custom_number_format(format: &str) -> CellFormat {
    let mut escaped = false;
    let mut is_quote = false;
    let mut brackets = 0u8;
    let mut prev = ' ';
    let mut hms = false;
    let mut ap = false;
    for s in format.chars() {
        match (s, escaped, is_quote, ap, brackets) {
            (_, true, ..) => escaped = false,
            ('_' | '\\' | '*', ..) => escaped = true,
            ('"', _, true, _, _) => is_quote = false,
            (_, _, true, _, _) => (),
            ('"', _, _, _, _) => is_quote = true,
            (';', ..) => return CellFormat::Other,
            ('[', ..) => brackets += 1,
            (']', .., 1) if hms => return CellFormat::TimeDelta,
            (']', ..) => brackets = brackets.saturating_sub(1),
            ('a' | 'A', _, _, false, 0) => ap = true,
            ('p' | 'm' | '/' | 'P' | 'M', _, _, true, 0) => return CellFormat::DateTime,
            ('d' | 'm' | 'h' | 'y' | 's' | 'D' | 'M' | 'H' | 'Y' | 'S', _, _, false, 0) => {
                return CellFormat::DateTime
            }
            _ => {
                if !(hms && s.eq_ignore_ascii_case(&prev)) {
                    hms = prev == '[' && matches!(s, 'm' | 'h' | 's' | 'M' | 'H' | 'S');
                }
            }
        }
        prev = s;
    }
    CellFormat::Other
}

/// Ported from calamine 0.38 `formats::builtin_format_by_id` (MIT).
fn builtin_format_by_id(id: &str) -> CellFormat {
    match id {
        "14" | "15" | "16" | "17" | "18" | "19" | "20" | "21" | "22" | "45" | "47" => {
            CellFormat::DateTime
        }
        "27" | "28" | "29" | "30" | "31" | "32" | "33" | "34" | "35" | "36" | "50" | "51"
        | "52" | "53" | "54" | "55" | "56" | "57" | "58" => CellFormat::DateTime,
        "46" => CellFormat::TimeDelta,
        _ => CellFormat::Other,
    }
}

// ---------------------------------------------------------------------------------------------
// The sheet scanner.

/// A cell's value as scanned: text as a span of the block's bytes or of its decoded text.
#[derive(Debug, Clone, Copy)]
enum Val {
    Empty,
    Float(f64),
    Date(f64),
    Bool(bool),
    Error(&'static str),
    Shared(u32),
    Raw(u32, u32),
    Decoded(u32, u32),
}

#[derive(Debug, Clone, Copy)]
struct ScannedCell {
    row: u32,
    col: u32,
    val: Val,
}

/// One stretch of the sheet's XML, from a `<row` tag (or the start of `sheetData`) to the next
/// block's first `<row` (or `</sheetData>`), and the cells scanned in it.
struct Block {
    data: Vec<u8>,
    cells: Vec<ScannedCell>,
    decoded: String,
}

impl Block {
    fn text(&self, v: Val) -> &str {
        match v {
            // Checked UTF-8 when scanned.
            Val::Raw(a, b) => unsafe {
                std::str::from_utf8_unchecked(&self.data[a as usize..b as usize])
            },
            Val::Decoded(a, b) => &self.decoded[a as usize..b as usize],
            _ => "",
        }
    }
}

struct Ctx<'a> {
    strings: &'a [String],
    formats: &'a [CellFormat],
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// The tag name at `p` (just after `<`) is `name`, followed by a delimiter.
fn tag_is(d: &[u8], p: usize, name: &[u8]) -> bool {
    d.len() > p + name.len()
        && &d[p..p + name.len()] == name
        && matches!(
            d[p + name.len()],
            b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'/'
        )
}

/// The attributes of a start tag beginning at `p` (after its name) up to `>`: calls `f` for
/// each (name, raw value); returns (index after `>`, self-closing).
fn attrs<'d>(
    d: &'d [u8],
    mut p: usize,
    mut f: impl FnMut(&'d [u8], &'d [u8]) -> Fast<()>,
) -> Fast<(usize, bool)> {
    loop {
        while p < d.len() && is_ws(d[p]) {
            p += 1;
        }
        match d.get(p) {
            None => return aside("tag cut"),
            Some(b'>') => return Ok((p + 1, false)),
            Some(b'/') => {
                return if d.get(p + 1) == Some(&b'>') {
                    Ok((p + 2, true))
                } else {
                    aside("tag")
                }
            }
            _ => {}
        }
        let start = p;
        while p < d.len() && !matches!(d[p], b'=' | b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'/') {
            p += 1;
        }
        let name = &d[start..p];
        if d.get(p) != Some(&b'=') || name.is_empty() {
            return aside("attribute form");
        }
        p += 1;
        let Some(&q) = d.get(p) else {
            return aside("tag cut");
        };
        if q != b'"' && q != b'\'' {
            return aside("attribute quote");
        }
        let Some(len) = memchr::memchr(q, &d[p + 1..]) else {
            return aside("tag cut");
        };
        let value = &d[p + 1..p + 1 + len];
        if value.contains(&b'&') || value.contains(&b'<') {
            return aside("attribute entity");
        }
        f(name, value)?;
        p += len + 2;
    }
}

fn digits_u32(v: &[u8]) -> Option<u32> {
    if v.is_empty() || v.len() > 10 || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    v.iter().try_fold(0u32, |n, &c| {
        n.checked_mul(10)?.checked_add(u32::from(c - b'0'))
    })
}

/// A cell reference `[A-Z]+[0-9]+` as calamine reads it: (row - 1, col - 1).
fn cell_ref(v: &[u8]) -> Option<(u32, u32)> {
    let letters = v.iter().take_while(|c| c.is_ascii_uppercase()).count();
    if letters == 0 || letters > 6 {
        return None;
    }
    let col = v[..letters]
        .iter()
        .fold(0u32, |n, &c| n * 26 + u32::from(c - b'A') + 1);
    let row = digits_u32(&v[letters..])?;
    Some((row.checked_sub(1)?, col - 1))
}

/// A number as calamine's `fast_float2` would read it, for the plain decimal forms writers
/// produce; other spellings step aside.
fn number(v: &[u8]) -> Option<f64> {
    let mut i = 0;
    if v.first() == Some(&b'-') {
        i = 1;
    }
    let int = v[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    if int == 0 {
        return None;
    }
    i += int;
    if v.get(i) == Some(&b'.') {
        let frac = v[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if frac == 0 {
            return None;
        }
        i += 1 + frac;
    }
    if matches!(v.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(v.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        let exp = v[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if exp == 0 {
            return None;
        }
        i += exp;
    }
    if i != v.len() {
        return None;
    }
    // ASCII checked above.
    unsafe { std::str::from_utf8_unchecked(v) }.parse().ok()
}

/// `t` (no `<` inside) with its entities and character references resolved, by quick-xml's
/// own resolver (the one behind the reader events calamine reads text from).
fn unescape_text(t: &[u8]) -> Fast<String> {
    let Ok(s) = std::str::from_utf8(t) else {
        return aside("text not UTF-8");
    };
    match quick_xml::escape::unescape(s) {
        Ok(u) => Ok(u.into_owned()),
        Err(_) => aside("entity"),
    }
}

/// `s` kept in the block's decoded text.
fn decoded_val(decoded: &mut String, s: &str) -> Val {
    let start = decoded.len();
    decoded.push_str(s);
    Val::Decoded(start as u32, decoded.len() as u32)
}

/// The text of a `str` (Excel's `_xHHHH_` escapes resolved) or `d` (as it is) value, with its
/// entities resolved: a span of the block where nothing needed resolving.
fn text_val(text: &[u8], at: usize, escapes: bool, decoded: &mut String) -> Fast<Val> {
    if text.contains(&b'&') {
        let s = unescape_text(text)?;
        let s = if escapes { unescape_xml(&s) } else { s };
        return Ok(decoded_val(decoded, &s));
    }
    let Ok(s) = std::str::from_utf8(text) else {
        return aside("text not UTF-8");
    };
    Ok(if escapes && s.contains("_x") {
        decoded_val(decoded, &unescape_xml(s))
    } else {
        Val::Raw(at as u32, (at + text.len()) as u32)
    })
}

/// Scan one block. `row_index` is calamine's running row for cells without `r` (the first
/// block starts at 0; later ones begin with a `<row r=...>` or step aside).
fn scan(ctx: &Ctx<'_>, data: Vec<u8>, first: bool) -> Fast<Block> {
    let d = &data[..];
    let mut cells = Vec::with_capacity(d.len() / 48);
    let mut decoded = String::new();
    let mut row_index: Option<u32> = first.then_some(0);
    let mut col_index = 0u32;
    let mut p = 0usize;
    let n = d.len();
    loop {
        while p < n && is_ws(d[p]) {
            p += 1;
        }
        if p >= n {
            break;
        }
        if d[p] != b'<' {
            return aside("text between rows");
        }
        p += 1;
        if tag_is(d, p, b"row") {
            let mut r = None;
            let (q, closed) = attrs(d, p + 3, |k, v| {
                if k == b"r" {
                    r = Some(v);
                }
                Ok(())
            })?;
            p = q;
            if let Some(v) = r {
                let Some(row) = digits_u32(v).and_then(|r| r.checked_sub(1)) else {
                    return aside("row number");
                };
                row_index = Some(row);
            } else if row_index.is_none() {
                return aside("row without r at a block start");
            }
            if closed {
                row_index = row_index.and_then(|r| r.checked_add(1));
                if row_index.is_none() {
                    return aside("row overflow");
                }
                col_index = 0;
            }
        } else if d[p..].starts_with(b"/row>") {
            p += 5;
            let Some(r) = row_index.and_then(|r| r.checked_add(1)) else {
                return aside("row overflow");
            };
            row_index = Some(r);
            col_index = 0;
        } else if tag_is(d, p, b"c") {
            let (mut r, mut s, mut t) = (None, None, None);
            let (q, closed) = attrs(d, p + 1, |k, v| {
                match k {
                    b"r" => r = Some(v),
                    b"s" => s = Some(v),
                    b"t" => t = Some(v),
                    _ => {}
                }
                Ok(())
            })?;
            p = q;
            let (row, col) = match r {
                Some(v) => {
                    let Some(rc) = cell_ref(v) else {
                        return aside("cell reference");
                    };
                    col_index = rc.1;
                    rc
                }
                None => match row_index {
                    Some(row) => (row, col_index),
                    None => return aside("cell without position"),
                },
            };
            let format = match s {
                None => Some(CellFormat::Other),
                Some(v) => match digits_u32(v) {
                    Some(id) => ctx.formats.get(id as usize).copied(),
                    None => return aside("style id"),
                },
            };
            let mut val = Val::Empty;
            if !closed {
                loop {
                    while p < n && is_ws(d[p]) {
                        p += 1;
                    }
                    if p + 1 >= n || d[p] != b'<' {
                        return aside("cell content");
                    }
                    p += 1;
                    if d[p..].starts_with(b"/c>") {
                        p += 3;
                        break;
                    } else if d[p..].starts_with(b"v>") {
                        p += 2;
                        let Some(len) = memchr::memchr(b'<', &d[p..]) else {
                            return aside("value cut");
                        };
                        let text = &d[p..p + len];
                        if !d[p + len..].starts_with(b"</v>") {
                            return aside("value markup");
                        }
                        val = value(ctx, text, p, t, format, &mut decoded)?;
                        p += len + 4;
                    } else if tag_is(d, p, b"f") {
                        let (q, closed) = attrs(d, p + 1, |_, _| Ok(()))?;
                        p = q;
                        if !closed {
                            let Some(len) = memchr::memmem::find(&d[p..], b"</f>") else {
                                return aside("formula cut");
                            };
                            if d[p..p + len].contains(&b'<') {
                                return aside("formula markup");
                            }
                            p += len + 4;
                        }
                        val = Val::Empty;
                    } else if tag_is(d, p, b"is") {
                        let (q, closed) = attrs(d, p + 2, |_, _| Ok(()))?;
                        p = q;
                        if closed {
                            val = Val::Raw(0, 0);
                            continue;
                        }
                        while p < n && is_ws(d[p]) {
                            p += 1;
                        }
                        if d[p..].starts_with(b"</is>") {
                            p += 5;
                            val = Val::Raw(0, 0);
                            continue;
                        }
                        if !(d[p..].starts_with(b"<t") && tag_is(d, p + 1, b"t")) {
                            return aside("inline string shape");
                        }
                        let mut preserve = false;
                        let mut other = false;
                        let (q, closed) = attrs(d, p + 2, |k, v| {
                            if k == b"xml:space" {
                                preserve = v == b"preserve";
                            } else {
                                other = true;
                            }
                            Ok(())
                        })?;
                        if other || closed {
                            return aside("inline string attributes");
                        }
                        p = q;
                        let Some(len) = memchr::memchr(b'<', &d[p..]) else {
                            return aside("string cut");
                        };
                        let text = &d[p..p + len];
                        let after = p + len;
                        if !d[after..].starts_with(b"</t>") {
                            return aside("string markup");
                        }
                        let mut q = after + 4;
                        while q < n && is_ws(d[q]) {
                            q += 1;
                        }
                        if !d[q..].starts_with(b"</is>") {
                            return aside("inline string shape");
                        }
                        val = inline_text(text, p, preserve, &mut decoded)?;
                        p = q + 5;
                    } else {
                        return aside("cell child");
                    }
                }
            }
            cells.push(ScannedCell { row, col, val });
            col_index = col_index.wrapping_add(1);
        } else if d[p..].starts_with(b"/sheetData") {
            break;
        } else {
            return aside("sheet element");
        }
    }
    Ok(Block {
        data,
        cells,
        decoded,
    })
}

/// `<t>` text of an inline string: entities decoded, then trimmed unless `xml:space`
/// preserve, then Excel's `_xHHHH_` escapes, as calamine's `read_string_with_bufs`.
fn inline_text(text: &[u8], at: usize, preserve: bool, decoded: &mut String) -> Fast<Val> {
    if text.contains(&b'\r') {
        return aside("CR in text");
    }
    let plain = !text.contains(&b'&') && memchr::memmem::find(text, b"_x").is_none();
    if plain {
        if std::str::from_utf8(text).is_err() {
            return aside("text not UTF-8");
        }
        let (mut a, mut b) = (0, text.len());
        if !preserve {
            while a < b && is_ws(text[a]) {
                a += 1;
            }
            while b > a && is_ws(text[b - 1]) {
                b -= 1;
            }
        }
        return Ok(Val::Raw((at + a) as u32, (at + b) as u32));
    }
    let s = unescape_text(text)?;
    let s = if preserve {
        unescape_xml(&s)
    } else {
        unescape_xml(s.trim_matches([' ', '\t', '\r', '\n']))
    };
    Ok(decoded_val(decoded, &s))
}

/// A `<v>` value, as calamine's `read_v` reads it for the cell's type and format.
fn value(
    ctx: &Ctx<'_>,
    text: &[u8],
    at: usize,
    t: Option<&[u8]>,
    format: Option<CellFormat>,
    decoded: &mut String,
) -> Fast<Val> {
    if text.contains(&b'\r') {
        return aside("CR in a value");
    }
    // calamine reads the plain types from the first text event only; `str` and `d` whole.
    let plain_type = matches!(t, None | Some(b"n" | b"s" | b"b" | b"e"));
    if plain_type && text.contains(&b'&') {
        return aside("entity in a value");
    }
    Ok(match t {
        Some(b"inlineStr") | Some(b"is") => Val::Empty,
        Some(b"n") | None => {
            if text.is_empty() {
                return Ok(Val::Empty);
            }
            let Some(f) = number(text) else {
                return aside("number form");
            };
            match format {
                Some(CellFormat::DateTime) | Some(CellFormat::TimeDelta) => Val::Date(f),
                _ => Val::Float(f),
            }
        }
        Some(b"s") => {
            if text.is_empty() {
                return Ok(Val::Empty);
            }
            match digits_u32(text) {
                Some(i) if (i as usize) < ctx.strings.len() => Val::Shared(i),
                _ => return aside("shared string index"),
            }
        }
        Some(b"b") => {
            let v = text.trim_ascii();
            if v.is_empty() {
                Val::Empty
            } else if v == b"0" || v.eq_ignore_ascii_case(b"false") {
                Val::Bool(false)
            } else if v == b"1" || v.eq_ignore_ascii_case(b"true") {
                Val::Bool(true)
            } else {
                return aside("boolean");
            }
        }
        Some(b"e") => {
            let Ok(s) = std::str::from_utf8(text) else {
                return aside("error value");
            };
            match s.parse::<calamine::CellErrorType>() {
                Ok(e) => Val::Error(error_text(&e)),
                Err(_) => return aside("error value"),
            }
        }
        Some(b"str") => text_val(text, at, true, decoded)?,
        Some(b"d") => text_val(text, at, false, decoded)?,
        Some(_) => return aside("cell type"),
    })
}

/// Bytes inflated per block before it is cut at its last `<row`.
const BLOCK: usize = 1 << 20;
/// Blocks in flight between the inflater, the scanners and the feeder.
const IN_FLIGHT: usize = 8;

/// Find `<sheetData` in the sheet's first bytes and check what comes before it as calamine's
/// cell reader does (a `dimension` must carry a well-formed `ref`). Returns where the cells
/// start and whether `sheetData` is empty.
fn header(d: &[u8]) -> Fast<Option<(usize, bool)>> {
    let Some(at) = memchr::memmem::find(d, b"<sheetData") else {
        return Ok(None);
    };
    if !tag_is(d, at + 1, b"sheetData") {
        return aside("sheetData tag");
    }
    let before = &d[..at];
    if memchr::memmem::find(before, b"<!").is_some() {
        return aside("comment in the header");
    }
    if let Some(dim) = memchr::memmem::find(before, b"<dimension") {
        if !tag_is(d, dim + 1, b"dimension") {
            return aside("dimension tag");
        }
        let mut r = None;
        attrs(d, dim + 10, |k, v| {
            if k == b"ref" {
                r = Some(v);
            }
            Ok(())
        })?;
        let ok = r.is_some_and(|r| {
            let mut parts = r.split(|&c| c == b':');
            let a = parts.next().and_then(cell_ref);
            let b = parts.next().map(cell_ref);
            a.is_some() && parts.next().is_none() && !matches!(b, Some(None))
        });
        if !ok {
            return aside("dimension");
        }
    }
    let (q, closed) = attrs(d, at + 10, |_, _| Ok(()))?;
    Ok(Some((q, closed)))
}

/// Stream sheet `path`'s cells, in order, to `feed`.
fn read_sheet(
    book: &mut Book,
    path: &str,
    mut feed: impl FnMut(u32, u32, CellIn<'_>) -> Fast<()>,
) -> Fast<()> {
    let name = book.entry_name(path);
    let limits = book.limits;
    let total = book.total;
    let ctx = Ctx {
        strings: &book.strings,
        formats: &book.formats,
    };
    let zip = &mut book.zip;
    // Scanning runs on threads of its own, not rayon's: the caller may be one of rayon's
    // threads (sources are read in parallel), blocked here on the cells.
    let scanners = rayon::current_num_threads().clamp(1, 8);
    let (block_tx, block_rx) = mpsc::sync_channel::<(usize, Vec<u8>)>(IN_FLIGHT);
    let block_rx = std::sync::Mutex::new(block_rx);
    let (done_tx, done_rx) = mpsc::channel::<(usize, Fast<Block>)>();
    let (token_tx, token_rx) = mpsc::sync_channel::<()>(IN_FLIGHT);
    for _ in 0..IN_FLIGHT {
        token_tx.send(()).expect("room for every token");
    }
    std::thread::scope(|s| {
        // The inflater: reads the sheet through the limits guard, cuts it into blocks.
        let inflater_done = done_tx.clone();
        s.spawn(move || {
            // Each block waits for a token, which the feeder returns once it has fed the
            // block's cells: so at most IN_FLIGHT blocks are held at once.
            let put =
                |seq: usize, b: Vec<u8>| token_rx.recv().is_ok() && block_tx.send((seq, b)).is_ok();
            let r = super::quiet_panics(|| -> Fast<()> {
                let entry = match zip.by_name(&name) {
                    Ok(e) => e,
                    Err(_) => return aside("no sheet part"),
                };
                let mut g = Guard::new(entry, total, &limits);
                let mut buf: Vec<u8> = Vec::new();
                let mut seq = 0usize;
                let mut started = false;
                loop {
                    let eof = match (&mut g).take(BLOCK as u64).read_to_end(&mut buf) {
                        Ok(got) => got < BLOCK,
                        Err(_) => return aside("sheet over a limit or damaged"),
                    };
                    if !started {
                        match header(&buf)? {
                            Some((q, closed)) => {
                                started = true;
                                if closed {
                                    buf.clear();
                                    break;
                                }
                                buf.drain(..q);
                            }
                            None if eof || buf.len() > 16 * BLOCK => return aside("no sheetData"),
                            None => continue,
                        }
                    }
                    if let Some(end) = memchr::memmem::find(&buf, b"</sheetData") {
                        buf.truncate(end + 2 + 9);
                        if !put(seq, std::mem::take(&mut buf)) {
                            return Ok(());
                        }
                        break;
                    }
                    if eof {
                        return aside("sheetData not closed");
                    }
                    // Cut at the last `<row` tag; the rest starts the next block.
                    let cut = memchr::memmem::rfind(&buf, b"<row")
                        .filter(|&i| i > 0 && tag_is(&buf, i + 1, b"row"));
                    match cut {
                        Some(i) => {
                            let rest = buf[i..].to_vec();
                            buf.truncate(i);
                            let full = std::mem::replace(&mut buf, rest);
                            if !put(seq, full) {
                                return Ok(());
                            }
                            seq += 1;
                        }
                        None if buf.len() > 64 * BLOCK => return aside("row too long"),
                        None => {}
                    }
                }
                // The rest of the part is inflated only to count it against the limits.
                if std::io::copy(&mut g, &mut std::io::sink()).is_err() || g.tripped() {
                    return aside("sheet over a limit or damaged");
                }
                Ok(())
            });
            if let Err(e) = r {
                let _ = inflater_done.send((usize::MAX, Err(e)));
            }
        });
        // The scanners.
        let ctx = &ctx;
        let block_rx = &block_rx;
        for _ in 0..scanners {
            let done = done_tx.clone();
            s.spawn(move || loop {
                let next = block_rx.lock().map(|rx| rx.recv());
                let Ok(Ok((seq, b))) = next else { return };
                let r = super::quiet_panics(|| scan(ctx, b, seq == 0));
                // A feeder that stopped early drops the results; the inflater stops at its next
                // token, so keep taking blocks until it does.
                let _ = done.send((seq, r));
            });
        }
        drop(done_tx);
        // The feeder (this thread): cells in block order.
        let mut waiting: BTreeMap<usize, Fast<Block>> = BTreeMap::new();
        let mut next = 0usize;
        let r = (|| -> Fast<()> {
            for (seq, r) in done_rx.iter() {
                if seq == usize::MAX {
                    r?;
                    unreachable!("an error is sent as one");
                }
                waiting.insert(seq, r);
                while let Some(r) = waiting.remove(&next) {
                    let b = r?;
                    for c in &b.cells {
                        let v = match c.val {
                            Val::Empty => CellIn::Empty,
                            Val::Float(f) => CellIn::Float(f),
                            Val::Date(f) => CellIn::Date(f),
                            Val::Bool(x) => CellIn::Bool(x),
                            Val::Error(e) => CellIn::Error(e),
                            Val::Shared(i) => CellIn::Text(&ctx.strings[i as usize]),
                            v @ (Val::Raw(..) | Val::Decoded(..)) => CellIn::Text(b.text(v)),
                        };
                        feed(c.row, c.col, v)?;
                    }
                    next += 1;
                    let _ = token_tx.send(());
                }
            }
            Ok(())
        })();
        drop(token_tx);
        drop(done_rx);
        r
    })
}

/// Read an .xlsx/.xlsm source by the fast path; `Ok(None)` when it stepped aside (the caller
/// then reads the file by the calamine path, from scratch).
pub(super) fn read(
    source: &Source,
    idx: usize,
    ledger: &mut Ledger,
) -> Result<Option<(Option<String>, Processed)>> {
    // Read into a ledger of its own (numbering strings as the caller's would), so that
    // stepping aside leaves the caller's untouched.
    let mut local = Ledger::new();
    for s in ledger.strings.strings() {
        local.intern(s);
    }
    match read_inner(source, idx, &mut local) {
        Ok(r) => {
            if ledger.lines.is_empty() {
                *ledger = local;
            } else {
                ledger.append(local);
            }
            Ok(Some(r))
        }
        Err(Step::Err(e)) => Err(e),
        Err(Step::Aside(_) | Step::Stop) => Ok(None),
    }
}

/// Why the fast path steps aside for a file (for tests): `None` if it reads it.
#[doc(hidden)]
pub fn aside_reason(source: &Source) -> Option<&'static str> {
    let mut ledger = Ledger::new();
    match read_inner(source, 0, &mut ledger) {
        Err(Step::Aside(why)) => Some(why),
        _ => None,
    }
}

/// The value at (row `r`, 0-based column `c`) of sheet `name`, for a control total there: the
/// sheet is streamed to that cell, as on the calamine path.
fn control_cell(book: &mut Book, name: &str, r: u32, c: u32) -> Fast<calamine::Data> {
    use calamine::{CellErrorType as E, Data, ExcelDateTime, ExcelDateTimeType};
    let Some(path) = book.sheet_path(name) else {
        return aside("control sheet missing");
    };
    let mut found = Data::Empty;
    let r = read_sheet(book, &path, |row, col, v| {
        if (row, col) != (r.wrapping_sub(1), c) {
            return Ok(());
        }
        found = match v {
            CellIn::Empty => Data::Empty,
            CellIn::Int(i) => Data::Int(i),
            CellIn::Float(f) => Data::Float(f),
            CellIn::Date(f) => {
                Data::DateTime(ExcelDateTime::new(f, ExcelDateTimeType::DateTime, false))
            }
            CellIn::Text(s) => Data::String(s.to_string()),
            CellIn::Bool(b) => Data::Bool(b),
            CellIn::Error(e) => Data::Error(
                [
                    E::Div0,
                    E::NA,
                    E::Name,
                    E::Null,
                    E::Num,
                    E::Ref,
                    E::Value,
                    E::GettingData,
                ]
                .into_iter()
                .find(|t| error_text(t) == e)
                .expect("an error text of ours"),
            ),
        };
        Err(Step::Stop)
    });
    match r {
        Ok(()) | Err(Step::Stop) => Ok(found),
        Err(e) => Err(e),
    }
}

fn read_inner(
    source: &Source,
    idx: usize,
    ledger: &mut Ledger,
) -> Fast<(Option<String>, Processed)> {
    let mut book = Book::open(source)?;
    let metadata: Vec<Sheet> = book.sheets.iter().map(|(s, _)| s.clone()).collect();
    let (sheet, warning) = pick_sheet(source, &metadata)?;
    let control = control_in_sheet(source, Some(&sheet));
    let path = book.sheet_path(&sheet).expect("picked from these sheets");
    let mut proc = RowProcessor::new(source, idx, Some(sheet.clone()), control);
    read_sheet(&mut book, &path, |r, c, v| {
        let row = sheet_pos(source, &sheet, r, c)?;
        Ok(proc.feed(row, c, v, ledger)?)
    })?;
    proc.finish(ledger)?;
    let mut stepped = None;
    let control =
        super::finish_control(
            source,
            &mut proc,
            Some(&sheet),
            |s, r, c| match control_cell(&mut book, s, r, c) {
                Ok(d) => Ok(d),
                Err(Step::Err(e)) => Err(e),
                Err(Step::Aside(why)) => {
                    stepped = Some(why);
                    Ok(calamine::Data::Empty)
                }
                Err(Step::Stop) => unreachable!("control_cell handles its stop"),
            },
        );
    if let Some(why) = stepped {
        return aside(why);
    }
    let control = match control {
        // calamine's path says whether the empty cell holds a formula without a value.
        Err(Error::Input { message, .. }) if message.starts_with(super::rows::EMPTY_CONTROL) => {
            return aside("empty control cell")
        }
        r => r?,
    };
    let mut p = processed(proc, control);
    p.warnings.extend(warning);
    Ok((Some(sheet), p))
}
