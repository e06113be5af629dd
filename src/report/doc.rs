//! A small document model for the board pack, rendered two ways from the same blocks:
//! self-contained HTML (charts embedded as base64 PNG, inline CSS with an A4 print stylesheet)
//! and Markdown (charts linked as the PNG files beside it).

use base64::Engine as _;

/// A table: header, rows, which columns are numbers (right-aligned), and whether the last row
/// is a total (bold, ruled).
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub numeric: Vec<bool>,
    pub total_last: bool,
}

impl Table {
    /// A table whose first column is text and the rest numbers.
    pub fn new(header: Vec<String>) -> Table {
        let numeric = (0..header.len()).map(|i| i > 0).collect();
        Table {
            header,
            rows: Vec::new(),
            numeric,
            total_last: false,
        }
    }
}

/// A headline tile: label, value, note under it.
#[derive(Debug, Clone)]
pub struct Tile {
    pub label: String,
    pub value: String,
    pub note: String,
}

#[derive(Debug, Clone)]
pub enum Block {
    /// A warning strip at the top (SYNTHETIC data).
    Banner(String),
    /// A section heading; `page_break` starts a new printed page.
    Section {
        title: String,
        page_break: bool,
    },
    Heading(String),
    Para(String),
    Bullets(Vec<String>),
    Panel(Vec<Tile>),
    Table(Table),
    /// A chart: PNG bytes (embedded in HTML), the file name beside the pack (linked from
    /// Markdown), alt text and caption.
    Figure {
        png: Vec<u8>,
        file: String,
        alt: String,
        caption: String,
    },
    /// Links to other files beside the pack: (text, relative path).
    Links(Vec<(String, String)>),
    /// Small print.
    Note(String),
}

/// A document: title, subtitle lines and blocks.
#[derive(Debug, Clone, Default)]
pub struct Doc {
    pub title: String,
    pub subtitle: Vec<String>,
    pub blocks: Vec<Block>,
}

pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

const CSS: &str = r#"
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Segoe UI", Arial, Helvetica, sans-serif; color: #1a1a1a; background: #ffffff; max-width: 200mm; margin: 0 auto; padding: 10mm 8mm; font-size: 10.5pt; line-height: 1.45; }
h1 { font-size: 19pt; line-height: 1.2; margin: 0 0 2mm; }
.subtitle { color: #3a3a3a; margin: 0 0 1mm; }
h2 { font-size: 14pt; border-bottom: 2px solid #1a1a1a; padding-bottom: 1mm; margin: 9mm 0 3mm; }
h3 { font-size: 11.5pt; margin: 5mm 0 2mm; }
.banner { border: 2.5px solid #a0001c; color: #a0001c; background: #fff3f3; padding: 2.5mm 4mm; margin: 0 0 5mm; font-weight: bold; }
.panel { display: grid; grid-template-columns: repeat(3, 1fr); gap: 3mm; margin: 4mm 0; }
.tile { border: 1px solid #9a9a9a; border-top: 4px solid #1a1a1a; padding: 2.5mm 3mm; }
.tile .label { font-size: 8pt; color: #3a3a3a; text-transform: uppercase; letter-spacing: 0.04em; }
.tile .value { font-size: 16pt; font-weight: bold; margin: 0.5mm 0; white-space: nowrap; }
.tile .note { font-size: 8.5pt; color: #3a3a3a; }
table { border-collapse: collapse; width: 100%; font-size: 8.8pt; margin: 3mm 0 4mm; }
th { text-align: left; border-bottom: 1.5px solid #1a1a1a; padding: 1.2mm 1.8mm; vertical-align: bottom; font-weight: bold; }
td { border-bottom: 1px solid #c8c8c8; padding: 1mm 1.8mm; vertical-align: top; }
th.n, td.n { text-align: right; font-variant-numeric: tabular-nums; }
td.nw { white-space: nowrap; }
tr.total td { font-weight: bold; border-top: 1.5px solid #1a1a1a; border-bottom: 1.5px solid #1a1a1a; }
figure { margin: 4mm 0; }
figure img { display: block; width: 100%; height: auto; border: 1px solid #d0d0d0; }
figcaption { font-size: 8.5pt; color: #3a3a3a; margin-top: 1mm; }
ul.findings li { margin-bottom: 1.6mm; }
.note { font-size: 8.5pt; color: #3a3a3a; }
a { color: #1a4d8f; }
@page { size: A4; margin: 14mm 13mm 16mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 9.5pt; line-height: 1.35; }
  h1 { font-size: 16pt; }
  h2 { font-size: 13pt; margin: 5mm 0 2mm; }
  .banner { padding: 1.5mm 3mm; margin-bottom: 3mm; }
  .panel { gap: 2mm; margin: 2mm 0; }
  .tile { padding: 1.5mm 2.5mm; }
  .tile .value { font-size: 13pt; }
  ul.findings li { margin-bottom: 0.8mm; }
  /* No forced page breaks (they left near-empty pages when a section ran a few lines over):
     a heading stays with what follows, and a chart, the headline panel, a table of up to
     25 rows (class keep) and its note are never split across pages. */
  h2.page { margin-top: 6mm; }
  h2, h3 { break-after: avoid; }
  figure, .panel, .tile, tr, .banner, table.keep { break-inside: avoid; }
  table { break-inside: auto; }
  table + p.note, figure + p.note { break-before: avoid; }
  thead { display: table-header-group; }
  a { color: #1a1a1a; text-decoration: none; }
}
"#;

/// Printed, a table of at most this many rows is kept on one page.
pub const KEEP_ROWS: usize = 25;

/// Render as one self-contained HTML file: no external references of any kind.
pub fn html(doc: &Doc) -> String {
    let mut s = String::new();
    s += "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n";
    s += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    s += &format!(
        "<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        escape(&doc.title)
    );
    let mut blocks = doc.blocks.iter().peekable();
    // Banners go above the title.
    while let Some(Block::Banner(t)) = blocks.peek() {
        s += &format!("<div class=\"banner\" role=\"note\">{}</div>\n", escape(t));
        blocks.next();
    }
    s += &format!("<h1>{}</h1>\n", escape(&doc.title));
    for line in &doc.subtitle {
        s += &format!("<p class=\"subtitle\">{}</p>\n", escape(line));
    }
    for b in blocks {
        match b {
            Block::Banner(t) => {
                s += &format!("<div class=\"banner\" role=\"note\">{}</div>\n", escape(t))
            }
            Block::Section { title, page_break } => {
                s += &format!(
                    "<h2{}>{}</h2>\n",
                    if *page_break { " class=\"page\"" } else { "" },
                    escape(title)
                )
            }
            Block::Heading(t) => s += &format!("<h3>{}</h3>\n", escape(t)),
            Block::Para(t) => s += &format!("<p>{}</p>\n", escape(t)),
            Block::Note(t) => s += &format!("<p class=\"note\">{}</p>\n", escape(t)),
            Block::Bullets(items) => {
                s += "<ul class=\"findings\">\n";
                for i in items {
                    s += &format!("<li>{}</li>\n", escape(i));
                }
                s += "</ul>\n";
            }
            Block::Panel(tiles) => {
                s += "<div class=\"panel\">\n";
                for t in tiles {
                    s += &format!(
                        "<div class=\"tile\"><div class=\"label\">{}</div><div class=\"value\">{}</div><div class=\"note\">{}</div></div>\n",
                        escape(&t.label),
                        escape(&t.value),
                        escape(&t.note)
                    );
                }
                s += "</div>\n";
            }
            Block::Table(t) => {
                s += if t.rows.len() <= KEEP_ROWS {
                    "<table class=\"keep\">\n<thead><tr>"
                } else {
                    "<table>\n<thead><tr>"
                };
                for (i, h) in t.header.iter().enumerate() {
                    let n = t.numeric.get(i).copied().unwrap_or(false);
                    s += &format!(
                        "<th{}>{}</th>",
                        if n { " class=\"n\"" } else { "" },
                        escape(h)
                    );
                }
                s += "</tr></thead>\n<tbody>\n";
                let last = t.rows.len().saturating_sub(1);
                for (r, row) in t.rows.iter().enumerate() {
                    s += if t.total_last && r == last {
                        "<tr class=\"total\">"
                    } else {
                        "<tr>"
                    };
                    for (i, c) in row.iter().enumerate() {
                        let n = t.numeric.get(i).copied().unwrap_or(false);
                        // A figure never breaks (e.g. after its minus sign); words may.
                        let class = match (n, c.contains(' ')) {
                            (true, false) => " class=\"n nw\"",
                            (true, true) => " class=\"n\"",
                            _ => "",
                        };
                        s += &format!("<td{class}>{}</td>", escape(c));
                    }
                    s += "</tr>\n";
                }
                s += "</tbody>\n</table>\n";
            }
            Block::Figure {
                png, alt, caption, ..
            } => {
                s += &format!(
                    "<figure><img alt=\"{}\" src=\"data:image/png;base64,{}\"><figcaption>{}</figcaption></figure>\n",
                    escape(alt),
                    base64::engine::general_purpose::STANDARD.encode(png),
                    escape(caption)
                );
            }
            Block::Links(links) => {
                s += "<ul>\n";
                for (text, href) in links {
                    s += &format!(
                        "<li><a href=\"{}\">{}</a></li>\n",
                        escape(href),
                        escape(text)
                    );
                }
                s += "</ul>\n";
            }
        }
    }
    s += "</body>\n</html>\n";
    s
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Render as Markdown (GitHub-flavoured tables; charts linked as PNG files beside it).
pub fn markdown(doc: &Doc) -> String {
    let mut s = String::new();
    let mut blocks = doc.blocks.iter().peekable();
    while let Some(Block::Banner(t)) = blocks.peek() {
        s += &format!("> **{}**\n\n", t);
        blocks.next();
    }
    s += &format!("# {}\n\n", doc.title);
    for line in &doc.subtitle {
        s += &format!("{line}  \n");
    }
    if !doc.subtitle.is_empty() {
        s.push('\n');
    }
    for b in blocks {
        match b {
            Block::Banner(t) => s += &format!("> **{t}**\n\n"),
            Block::Section { title, .. } => s += &format!("## {title}\n\n"),
            Block::Heading(t) => s += &format!("### {t}\n\n"),
            Block::Para(t) => s += &format!("{t}\n\n"),
            Block::Note(t) => {
                let t = t
                    .strip_prefix('*')
                    .map(|r| format!("\\*{r}"))
                    .unwrap_or(t.clone());
                s += &format!("_{t}_\n\n")
            }
            Block::Bullets(items) => {
                for i in items {
                    s += &format!("- {i}\n");
                }
                s.push('\n');
            }
            Block::Panel(tiles) => {
                s += "| headline | value | |\n| --- | ---: | --- |\n";
                for t in tiles {
                    s += &format!(
                        "| {} | **{}** | {} |\n",
                        md_cell(&t.label),
                        md_cell(&t.value),
                        md_cell(&t.note)
                    );
                }
                s.push('\n');
            }
            Block::Table(t) => {
                s += &format!(
                    "| {} |\n",
                    t.header
                        .iter()
                        .map(|h| md_cell(h))
                        .collect::<Vec<_>>()
                        .join(" | ")
                );
                s += &format!(
                    "| {} |\n",
                    (0..t.header.len())
                        .map(|i| if t.numeric.get(i).copied().unwrap_or(false) {
                            "---:"
                        } else {
                            "---"
                        })
                        .collect::<Vec<_>>()
                        .join(" | ")
                );
                let last = t.rows.len().saturating_sub(1);
                for (r, row) in t.rows.iter().enumerate() {
                    let cells: Vec<String> = row
                        .iter()
                        .map(|c| {
                            if t.total_last && r == last && !c.is_empty() {
                                format!("**{}**", md_cell(c))
                            } else {
                                md_cell(c)
                            }
                        })
                        .collect();
                    s += &format!("| {} |\n", cells.join(" | "));
                }
                s.push('\n');
            }
            Block::Figure {
                file, alt, caption, ..
            } => {
                s += &format!("![{}]({})\n\n*{}*\n\n", alt, file, caption);
            }
            Block::Links(links) => {
                for (text, href) in links {
                    s += &format!("- [{text}]({href})\n");
                }
                s.push('\n');
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_and_embeds() {
        let doc = Doc {
            title: "A <b> & c".into(),
            subtitle: vec![],
            blocks: vec![Block::Figure {
                png: vec![1, 2, 3],
                file: "x.png".into(),
                alt: "x".into(),
                caption: "c".into(),
            }],
        };
        let h = html(&doc);
        assert!(h.contains("<h1>A &lt;b&gt; &amp; c</h1>"));
        assert!(h.contains("src=\"data:image/png;base64,AQID\""));
        assert!(markdown(&doc).contains("![x](x.png)"));
    }
}
