//! A [`Doc`] written as a Word document (`.docx`, Office Open XML) with `docx-rs`: A4
//! portrait, numbered section headings ("3. Summary of the financial case"), tables with a
//! bold header row, right-aligned figures and a ruled total row, the charts as inline PNGs at
//! the text width with their captions, the synthetic-data banner as a shaded box, author
//! placeholders in `[square brackets]` highlighted, and a footer with the date, the tool's
//! version and the page number.
//!
//! Page breaks: each section after the summary starts a page; headings, a chart and its
//! caption, and tables of up to [`KEEP_TABLE_ROWS`] rows are kept together with what follows;
//! no table row splits across pages.
//!
//! Deterministic: paragraph and picture ids are numbered in document order (docx-rs would
//! otherwise take them from a per-thread counter), document properties carry a fixed date,
//! and the archive's entries carry no time stamp, so the same inputs give the same bytes.

use docx_rs::{
    AlignmentType, BorderType, Docx, Footer, LineSpacing, NumPages, PageMargin, PageNum, Paragraph,
    Pic, Run, RunFonts, Shading, SpecialIndentType, Style, StyleType, Table, TableBorders,
    TableCell, TableCellBorder, TableCellBorderPosition, TableCellMargins, TableRow, WidthType,
};

use crate::error::{Error, Result};
use crate::report::doc::{self, Block, Doc};

/// A4 in twentieths of a point.
const PAGE_W: u32 = 11_906;
const PAGE_H: u32 = 16_838;
/// 20 mm margins left and right, 18 mm top and bottom.
const MARGIN_LR: i32 = 1_134;
const MARGIN_TB: i32 = 1_020;
/// The text width in twips (170 mm).
const TEXT_W: usize = (PAGE_W as usize) - 2 * (MARGIN_LR as usize);
/// English metric units per twip (an image's size is in EMU).
const EMU_PER_TWIP: u32 = 635;
/// Tables of at most this many rows are kept on one page.
pub const KEEP_TABLE_ROWS: usize = 28;

const FONT: &str = "Arial";
const INK: &str = "1A1A1A";
const MUTED: &str = "4A4A4A";
const RED: &str = "A0001C";

/// Numbers paragraphs and pictures in document order.
struct Ids {
    para: u32,
    pic: u32,
}

impl Ids {
    fn p(&mut self) -> Paragraph {
        self.para += 1;
        Paragraph::new().id(format!("{:08X}", 0x1000_0000 + self.para))
    }
}

/// A run of text. A minus before a figure is written as a non-breaking hyphen (U+2011), so
/// Word never breaks "-£26.8k" across two lines.
fn run(text: &str) -> Run {
    Run::new().add_text(text.replace("-£", "\u{2011}£"))
}

/// Text with `[placeholders]` highlighted for the author to replace.
fn runs(mut p: Paragraph, text: &str, style: impl Fn(Run) -> Run) -> Paragraph {
    let mut rest = text;
    while let Some(i) = rest.find('[') {
        let Some(j) = rest[i..].find(']').map(|j| i + j + 1) else {
            break;
        };
        if i > 0 {
            p = p.add_run(style(run(&rest[..i])));
        }
        p = p.add_run(style(run(&rest[i..j])).highlight("yellow"));
        rest = &rest[j..];
    }
    if !rest.is_empty() {
        p = p.add_run(style(run(rest)));
    }
    p
}

fn styles(d: Docx) -> Docx {
    let h = |id: &str, name: &str, size: usize| {
        Style::new(id, StyleType::Paragraph)
            .name(name)
            .size(size)
            .bold()
            .color(INK)
            .fonts(RunFonts::new().ascii(FONT).hi_ansi(FONT).cs(FONT))
    };
    d.add_style(h("Title", "Title", 36))
        .add_style(h("Heading1", "heading 1", 28).outline_lvl(0))
        .add_style(h("Heading2", "heading 2", 22).outline_lvl(1))
}

/// Column widths in twips: a figure column is as wide as its longest figure (a figure never
/// wraps); text columns share what is left in proportion to their longest cell.
fn table_width_grid(t: &doc::Table, twips_per_char: usize) -> Vec<usize> {
    let n = t.header.len().max(1);
    let longest = |i: usize, with_header: bool| {
        let head = with_header.then(|| t.header.get(i)).flatten();
        std::iter::once(head)
            .chain(t.rows.iter().map(|r| r.get(i)))
            .flatten()
            .map(|c| c.chars().count())
            .max()
            .unwrap_or(1)
    };
    let pad = 180;
    let mut w = vec![0usize; n];
    let mut fixed = 0;
    for (i, x) in w.iter_mut().enumerate() {
        if t.numeric.get(i).copied().unwrap_or(false) {
            // The header may wrap onto two lines; the figures may not.
            let head = t.header.get(i).map(|h| h.chars().count()).unwrap_or(0);
            *x = longest(i, false).max(head.div_ceil(2)).max(4) * twips_per_char + pad;
            fixed += *x;
        }
    }
    let text: Vec<usize> = (0..n)
        .filter(|i| !t.numeric.get(*i).copied().unwrap_or(false))
        .collect();
    let weights: Vec<usize> = text
        .iter()
        .map(|&i| longest(i, true).clamp(10, 60))
        .collect();
    let total_weight: usize = weights.iter().sum();
    let left = TEXT_W.saturating_sub(fixed);
    for (k, &i) in text.iter().enumerate() {
        w[i] = (left * weights[k] / total_weight.max(1)).max(10 * twips_per_char);
    }
    // Too wide (many figure columns): scale everything down to the text width.
    let sum: usize = w.iter().sum();
    if sum > TEXT_W || text.is_empty() {
        for x in &mut w {
            *x = *x * TEXT_W / sum.max(1);
        }
    }
    w
}

fn cell_borders(bottom: BorderType, size: usize, color: &str) -> TableCell {
    TableCell::new().clear_all_border().set_border(
        TableCellBorder::new(TableCellBorderPosition::Bottom)
            .border_type(bottom)
            .size(size)
            .color(color),
    )
}

fn table(ids: &mut Ids, t: &doc::Table) -> Table {
    let size = if t.header.len() > 6 { 14 } else { 16 };
    // About 0.55 em a character: 7 pt text → 77 twips.
    let grid = table_width_grid(t, size * 11 / 2);
    let keep = t.rows.len() < KEEP_TABLE_ROWS;
    let last = t.rows.len().saturating_sub(1);
    let mk = |ids: &mut Ids, text: &str, i: usize, bold: bool, keep_next: bool| {
        let numeric = t.numeric.get(i).copied().unwrap_or(false);
        let mut p = ids
            .p()
            .keep_next(keep_next)
            .keep_lines(true)
            .line_spacing(LineSpacing::new().before(20).after(20));
        if numeric {
            p = p.align(AlignmentType::Right);
        }
        runs(p, text, |r| {
            let r = r.size(size);
            if bold {
                r.bold()
            } else {
                r
            }
        })
    };
    let mut rows = Vec::new();
    let header = TableRow::new(
        t.header
            .iter()
            .enumerate()
            .map(|(i, h)| {
                cell_borders(BorderType::Single, 12, INK)
                    .width(grid[i], WidthType::Dxa)
                    .add_paragraph(mk(ids, h, i, true, true))
            })
            .collect(),
    )
    .cant_split();
    rows.push(header);
    for (r, row) in t.rows.iter().enumerate() {
        let total = t.total_last && r == last;
        let keep_next = keep && r < last;
        let cells = (0..t.header.len())
            .map(|i| {
                let text = row.get(i).map(String::as_str).unwrap_or("");
                let c = if total {
                    cell_borders(BorderType::Double, 6, INK).set_border(
                        TableCellBorder::new(TableCellBorderPosition::Top)
                            .border_type(BorderType::Single)
                            .size(8)
                            .color(INK),
                    )
                } else {
                    cell_borders(BorderType::Single, 4, "C8C8C8")
                };
                c.width(grid[i], WidthType::Dxa)
                    .add_paragraph(mk(ids, text, i, total, keep_next))
            })
            .collect();
        rows.push(TableRow::new(cells).cant_split());
    }
    Table::new(rows)
        .set_grid(grid)
        .width(TEXT_W, WidthType::Dxa)
        .set_borders(TableBorders::with_empty())
        .margins(TableCellMargins::new().margin(30, 80, 30, 80))
}

fn figure(ids: &mut Ids, png: &[u8], caption: &str) -> Result<Vec<Paragraph>> {
    let (w, h) = png_size(png).ok_or_else(|| Error::Io {
        path: "board-paper.docx".into(),
        message: "a chart is not a PNG".into(),
    })?;
    let width_emu = TEXT_W as u32 * EMU_PER_TWIP;
    let height_emu = (u64::from(width_emu) * u64::from(h) / u64::from(w.max(1))) as u32;
    ids.pic += 1;
    let pic = Pic::new_with_dimensions(png.to_vec(), w, h)
        .id(format!("rIdImage{}", ids.pic))
        .size(width_emu, height_emu);
    Ok(vec![
        ids.p().keep_next(true).add_run(Run::new().add_image(pic)),
        ids.p()
            .line_spacing(LineSpacing::new().after(160))
            .add_run(run(caption).size(16).italic().color(MUTED)),
    ])
}

/// Width and height from a PNG's header.
fn png_size(b: &[u8]) -> Option<(u32, u32)> {
    if b.len() < 24 || &b[..8] != b"\x89PNG\r\n\x1a\n" || &b[12..16] != b"IHDR" {
        return None;
    }
    let w = u32::from_be_bytes(b[16..20].try_into().ok()?);
    let h = u32::from_be_bytes(b[20..24].try_into().ok()?);
    Some((w, h))
}

fn banner(ids: &mut Ids, text: &str) -> Table {
    let border = |pos| {
        TableCellBorder::new(pos)
            .border_type(BorderType::Single)
            .size(18)
            .color(RED)
    };
    Table::new(vec![TableRow::new(vec![TableCell::new()
        .width(TEXT_W, WidthType::Dxa)
        .shading(Shading::new().fill("FFF3F3"))
        .set_border(border(TableCellBorderPosition::Top))
        .set_border(border(TableCellBorderPosition::Bottom))
        .set_border(border(TableCellBorderPosition::Left))
        .set_border(border(TableCellBorderPosition::Right))
        .add_paragraph(
            ids.p().add_run(run(text).bold().color(RED).size(18)),
        )])
    .cant_split()])
    .set_grid(vec![TEXT_W])
    .width(TEXT_W, WidthType::Dxa)
    .margins(TableCellMargins::new().margin(80, 120, 80, 120))
}

/// Render a document as `.docx` bytes; `stamp` (date and version) goes in every footer.
pub fn render(d: &Doc, stamp: &str) -> Result<Vec<u8>> {
    let mut ids = Ids { para: 0, pic: 0 };
    let mut x = styles(Docx::new())
        .page_size(PAGE_W, PAGE_H)
        .page_margin(
            PageMargin::new()
                .top(MARGIN_TB)
                .bottom(MARGIN_TB)
                .left(MARGIN_LR)
                .right(MARGIN_LR)
                .header(560)
                .footer(560),
        )
        .default_fonts(RunFonts::new().ascii(FONT).hi_ansi(FONT).cs(FONT))
        .default_size(20)
        .created_at("2000-01-01T00:00:00Z")
        .updated_at("2000-01-01T00:00:00Z");
    let footer = Footer::new().add_paragraph(
        ids.p()
            .align(AlignmentType::Center)
            .add_run(run(&format!("{stamp} · page ")).size(16).color(MUTED))
            .add_page_num(PageNum::new())
            .add_run(run(" of ").size(16).color(MUTED))
            .add_num_pages(NumPages::new()),
    );
    x = x.footer(footer);

    let mut blocks = d.blocks.iter().peekable();
    while let Some(Block::Banner(t)) = blocks.peek() {
        x = x.add_table(banner(&mut ids, t));
        blocks.next();
    }
    x = x.add_paragraph(
        ids.p()
            .style("Title")
            .line_spacing(LineSpacing::new().before(240).after(120))
            .add_run(run(&d.title)),
    );
    for line in &d.subtitle {
        x = x.add_paragraph(runs(
            ids.p().line_spacing(LineSpacing::new().after(40)),
            line,
            |r| r.color(MUTED),
        ));
    }
    let mut section = 0;
    for b in blocks {
        match b {
            Block::Banner(t) => x = x.add_table(banner(&mut ids, t)),
            Block::Section { title, page_break } => {
                section += 1;
                x = x.add_paragraph(
                    ids.p()
                        .style("Heading1")
                        .keep_next(true)
                        .page_break_before(*page_break)
                        .line_spacing(LineSpacing::new().before(280).after(120))
                        .add_run(run(&format!("{section}. {title}"))),
                );
            }
            Block::Heading(t) => {
                x = x.add_paragraph(
                    ids.p()
                        .style("Heading2")
                        .keep_next(true)
                        .line_spacing(LineSpacing::new().before(200).after(80))
                        .add_run(run(t)),
                )
            }
            Block::Para(t) => {
                x = x.add_paragraph(runs(
                    ids.p().line_spacing(LineSpacing::new().after(120)),
                    t,
                    |r| r,
                ))
            }
            Block::Note(t) => {
                x = x.add_paragraph(runs(
                    ids.p().line_spacing(LineSpacing::new().after(120)),
                    t,
                    |r| r.size(16).color(MUTED),
                ))
            }
            Block::Bullets(items) => {
                for i in items {
                    let p = ids
                        .p()
                        .indent(Some(360), Some(SpecialIndentType::Hanging(240)), None, None)
                        .line_spacing(LineSpacing::new().after(80))
                        .add_run(run("•\t"));
                    x = x.add_paragraph(runs(p, i, |r| r));
                }
            }
            Block::Panel(tiles) => {
                let mut t = doc::Table::new(vec!["Measure".into(), "Figure".into(), "".into()]);
                t.numeric = vec![false, true, false];
                for tile in tiles {
                    t.rows.push(vec![
                        tile.label.clone(),
                        tile.value.clone(),
                        tile.note.clone(),
                    ]);
                }
                x = x.add_table(table(&mut ids, &t));
                x = x.add_paragraph(ids.p());
            }
            Block::Table(t) => {
                x = x.add_table(table(&mut ids, t));
                x = x.add_paragraph(ids.p().line_spacing(LineSpacing::new().after(60)));
            }
            Block::Figure { png, caption, .. } => {
                for p in figure(&mut ids, png, caption)? {
                    x = x.add_paragraph(p);
                }
            }
            Block::Links(links) => {
                for (text, _) in links {
                    x = x.add_paragraph(ids.p().add_run(run(text)));
                }
            }
        }
    }
    let mut buf = std::io::Cursor::new(Vec::new());
    x.build().pack(&mut buf).map_err(|e| Error::Io {
        path: "board-paper.docx".into(),
        message: format!("writing the Word document failed: {e}"),
    })?;
    Ok(buf.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_highlighted_runs() {
        let p = runs(
            Paragraph::new(),
            "The board is asked to [agree] this.",
            |r| r,
        );
        assert_eq!(p.children().len(), 3);
        assert_eq!(p.raw_text(), "The board is asked to [agree] this.");
    }

    /// Two documents built in different threads, after other documents, are byte-identical:
    /// no id comes from docx-rs's per-thread counters.
    #[test]
    fn same_document_same_bytes_whatever_the_thread() {
        let d = Doc {
            title: "T".into(),
            subtitle: vec!["s".into()],
            blocks: vec![
                Block::Section {
                    title: "One".into(),
                    page_break: false,
                },
                Block::Para("x [y] z".into()),
            ],
        };
        let a = render(&d, "stamp").unwrap();
        let _ = render(&d, "other").unwrap();
        let b = std::thread::spawn({
            let d = d.clone();
            move || render(&d, "stamp").unwrap()
        })
        .join()
        .unwrap();
        assert!(a == b);
        assert_eq!(&a[..2], b"PK");
    }
}
