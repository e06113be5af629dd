//! Charts render every kind from sample data to PNG and SVG of the stated size, not blank, and
//! survive edge data (empty, zeros, negatives, one agency, NaN, very long labels).
//!
//! Set `TOTALPLACE_CHART_DIR=/tmp/charts` to keep the PNGs (and greyscale copies) for looking at.

use std::collections::HashSet;
use std::path::Path;

use totalplace::charts::*;
use totalplace::output::OutputSet;

const AGENCIES: [&str; 7] = [
    "Council",
    "NHS ICB",
    "Acute trust",
    "Mental-health trust",
    "Police",
    "Probation",
    "DWP",
];

fn palette() -> Palette {
    Palette::new(AGENCIES)
}

fn title(what: &str) -> ChartTitle {
    ChartTitle::new(
        format!("Kirkdale: {what}, scenario \"Care leavers' support\""),
        "£, 2024-25 prices; present values discounted at 3.5% (Green Book)",
    )
    .with_footnote("Synthetic sample place. Source: totalplace model run.")
}

fn spend_map() -> SpendMap {
    let cohort = |name: &str, vals: &[f64]| CohortSpend {
        cohort: name.to_string(),
        by_agency: AGENCIES
            .iter()
            .zip(vals)
            .map(|(a, v)| AgencyValue::new(*a, *v))
            .collect(),
    };
    SpendMap {
        title: title("spend by cohort and agency"),
        cohorts: vec![
            cohort(
                "Young people leaving care",
                &[8.2e6, 1.1e6, 0.6e6, 0.9e6, 1.4e6, 0.3e6, 2.2e6],
            ),
            cohort(
                "Adults leaving prison",
                &[1.3e6, 0.4e6, 0.5e6, 0.7e6, 3.9e6, 4.6e6, 2.8e6],
            ),
            cohort(
                "Older people with mental-health needs discharged from acute care",
                &[5.1e6, 3.3e6, 6.8e6, 2.9e6, 0.0, 0.0, 0.4e6],
            ),
            cohort(
                "Families with multiple needs",
                &[6.4e6, 0.8e6, 0.7e6, 1.2e6, 2.6e6, 0.5e6, 3.9e6],
            ),
        ],
        not_cohort_specific: Some(
            AGENCIES
                .iter()
                .zip([612e6, 890e6, 540e6, 120e6, 160e6, 25e6, 1_150e6])
                .map(|(a, v)| AgencyValue::new(*a, v))
                .collect(),
        ),
    }
}

fn who_pays() -> WhoPaysWhoGains {
    let f = |a: &str, cost: f64, cashable: f64, non: f64| AgencyFlows {
        agency: a.to_string(),
        cost,
        cashable,
        non_cashable: non,
    };
    WhoPaysWhoGains {
        title: ChartTitle::new(
            "Kirkdale: who pays and who gains, scenario \"Care leavers' support\"",
            "Present values over 10 years, £, 2024-25 prices. Wrong-pocket index 0.47 (cashable only: 0.58)",
        ),
        agencies: vec![
            f("Council", 4.1e6, 1.2e6, 0.9e6),
            f("NHS ICB", 0.3e6, 0.4e6, 0.8e6),
            f("Acute trust", 0.0, 0.2e6, 0.6e6),
            f("Mental-health trust", 0.2e6, 0.1e6, 0.5e6),
            f("Police", 0.0, 0.3e6, 1.4e6),
            f("Probation", 0.1e6, 0.2e6, 0.3e6),
            f("DWP", 0.0, 2.1e6, 0.4e6),
        ],
    }
}

fn cashflow() -> Cashflow {
    let years: Vec<String> = (0..10)
        .map(|i| format!("{}-{:02}", 2025 + i, 26 + i))
        .collect();
    let cum = |step: &[f64]| -> Vec<f64> {
        let mut t = 0.0;
        step.iter()
            .map(|s| {
                t += s;
                t
            })
            .collect()
    };
    let council = cum(&[
        -1.6e6, -0.9e6, 0.1e6, 0.3e6, 0.3e6, 0.3e6, 0.3e6, 0.3e6, 0.2e6, 0.2e6,
    ]);
    let police = cum(&[
        0.0, 0.1e6, 0.2e6, 0.25e6, 0.25e6, 0.25e6, 0.2e6, 0.2e6, 0.2e6, 0.15e6,
    ]);
    let dwp = cum(&[
        0.0, 0.2e6, 0.35e6, 0.35e6, 0.35e6, 0.3e6, 0.3e6, 0.3e6, 0.25e6, 0.2e6,
    ]);
    let nhs = cum(&[
        -0.2e6, 0.0, 0.1e6, 0.15e6, 0.15e6, 0.15e6, 0.1e6, 0.1e6, 0.1e6, 0.1e6,
    ]);
    let system: Vec<f64> = (0..10)
        .map(|i| council[i] + police[i] + dwp[i] + nhs[i])
        .collect();
    let agency = |a: &str, v: Vec<f64>, p: Option<f64>| AgencyCashflow {
        agency: a.to_string(),
        cumulative: v,
        payback: p.map(|at| Payback {
            at,
            label: String::new(),
        }),
    };
    Cashflow {
        title: title("cumulative net cashflow"),
        years,
        system,
        system_payback: Some(Payback {
            // Cumulative -£0.6m at index 3, +£0.45m at index 4: crosses at 3 + 0.6 / 1.05.
            at: 3.57,
            label: "System payback: 2029-30 (interpolated)".into(),
        }),
        agencies: vec![
            agency("Council", council, None),
            agency("Police", police, Some(0.0)),
            agency("DWP", dwp, Some(0.0)),
            agency("NHS ICB", nhs, Some(1.0)),
        ],
    }
}

/// Deterministic pseudo-normal samples (sum of uniforms from an LCG), no RNG crate needed.
fn normal_samples(n: usize, mean: f64, sd: f64, seed: u64) -> Vec<f64> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut next = || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n)
        .map(|_| {
            let z: f64 = (0..12).map(|_| next()).sum::<f64>() - 6.0;
            mean + sd * z
        })
        .collect()
}

fn monte_carlo() -> MonteCarlo {
    let mut panels = vec![NpvDistribution {
        label: "System".into(),
        agency: None,
        samples: normal_samples(20_000, 2.9e6, 1.6e6, 1),
        percentiles: None,
    }];
    for (i, (a, m, sd)) in [
        ("Council", -1.9e6, 0.7e6),
        ("NHS ICB", 0.6e6, 0.4e6),
        ("Police", 1.5e6, 0.8e6),
        ("DWP", 2.4e6, 0.9e6),
        ("Probation", 0.3e6, 0.15e6),
    ]
    .iter()
    .enumerate()
    {
        panels.push(NpvDistribution {
            label: a.to_string(),
            agency: Some(a.to_string()),
            samples: normal_samples(20_000, *m, *sd, i as u64 + 2),
            percentiles: None,
        });
    }
    MonteCarlo {
        title: title("NPV across 20,000 simulation runs"),
        panels,
    }
}

fn tornado() -> Tornado {
    let b = |l: &str, lo: f64, hi: f64, li: &str, hi_in: &str| TornadoBar {
        label: l.into(),
        low: lo,
        high: hi,
        low_input: li.into(),
        high_input: hi_in.into(),
    };
    Tornado {
        title: title("sensitivity of system NPV"),
        measure: "system NPV".into(),
        base: 2.9e6,
        bars: vec![
            b("Discount rate", 3.3e6, 2.6e6, "1.5%", "5%"),
            b("Deadweight", 4.1e6, 1.4e6, "10%", "40%"),
            b("Engagement rate", 1.2e6, 3.9e6, "50%", "90%"),
            b("Drop-off per year", 3.6e6, 2.0e6, "5%", "25%"),
            b("Unit cost: JSA claimant-year", 2.4e6, 3.4e6, "-20%", "+20%"),
            b("Optimism bias on costs", 3.1e6, 2.5e6, "0%", "40%"),
            b("Lag to first benefit", 3.2e6, 2.7e6, "0 years", "2 years"),
        ],
    }
}

fn scenarios() -> ScenarioComparison {
    let s = |name: &str, npv: f64, froi: Option<f64>, years: usize| ScenarioResult {
        name: name.into(),
        npv,
        npv_per_year: npv / years as f64,
        froi,
        basis: format!("{years} years from 2025-26"),
    };
    ScenarioComparison {
        title: ChartTitle::new(
            "Kirkdale: NPV by scenario",
            "Present values over 10 years, £, 2024-25 prices; FROI = PV fiscal benefits ÷ PV costs",
        ),
        scenarios: vec![
            s("Care leavers' support", 2.9e6, Some(1.62), 10),
            s("Golden 24 hours after release", 1.1e6, Some(1.35), 8),
            s("Smoother discharge", -0.4e6, Some(0.84), 5),
        ],
    }
}

struct Decoded {
    w: u32,
    h: u32,
    rgb: Vec<u8>,
}

fn decode(bytes: &[u8]) -> Decoded {
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .expect("PNG header");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("PNG data");
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    Decoded {
        w: info.width,
        h: info.height,
        rgb: buf,
    }
}

/// Save the PNG and a greyscale copy where a person can look at them.
fn keep(name: &str, png_bytes: &[u8]) {
    let Ok(dir) = std::env::var("TOTALPLACE_CHART_DIR") else {
        return;
    };
    let dir = Path::new(&dir);
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png_bytes).unwrap();
    let d = decode(png_bytes);
    let grey: Vec<u8> = d
        .rgb
        .chunks(3)
        .map(|p| (0.299 * p[0] as f64 + 0.587 * p[1] as f64 + 0.114 * p[2] as f64).round() as u8)
        .collect();
    let file = std::fs::File::create(dir.join(format!("{name}-grey.png"))).unwrap();
    let mut enc = png::Encoder::new(file, d.w, d.h);
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::Eight);
    enc.write_header().unwrap().write_image_data(&grey).unwrap();
}

/// A rendered PNG: the stated size, several distinct colours, dark text pixels, mostly white.
fn check_png(name: &str, bytes: &[u8], size: Size, min_colours: usize) {
    let d = decode(bytes);
    assert_eq!((d.w, d.h), (size.width, size.height), "{name}: size");
    let mut colours = HashSet::new();
    let mut dark = 0usize;
    let mut white = 0usize;
    for p in d.rgb.chunks(3) {
        colours.insert((p[0], p[1], p[2]));
        if p.iter().all(|c| *c < 80) {
            dark += 1;
        }
        if p.iter().all(|c| *c == 255) {
            white += 1;
        }
    }
    let total = (d.w * d.h) as usize;
    assert!(
        colours.len() >= min_colours,
        "{name}: only {} distinct colours",
        colours.len()
    );
    assert!(
        dark > total / 500,
        "{name}: no text or ink ({dark} dark pixels)"
    );
    assert!(white > total / 5, "{name}: hardly any background left");
    assert!(white < total, "{name}: blank");
}

fn check_svg(name: &str, svg: &str, title: &str) {
    assert!(svg.starts_with("<svg"), "{name}: not SVG");
    assert!(svg.trim_end().ends_with("</svg>"), "{name}: SVG not closed");
    assert!(svg.matches("<text").count() >= 3, "{name}: SVG has no text");
    // Titles are XML-escaped in the SVG and may wrap onto two lines: look for each word.
    for word in title.split_whitespace() {
        let escaped = word
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&apos;");
        assert!(
            svg.contains(word) || svg.contains(&escaped),
            "{name}: SVG lacks {word:?} of the title {title:?}"
        );
    }
}

fn render_all<C: Chart>(name: &str, chart: &C, min_colours: usize) {
    let p = palette();
    let png_bytes = render_png(chart, &p, Size::PRINT).expect("PNG renders");
    check_png(name, &png_bytes, Size::PRINT, min_colours);
    keep(name, &png_bytes);
    let svg = render_svg(chart, &p, Size::PRINT).expect("SVG renders");
    check_svg(name, &svg, &chart.title().title);
    if let Ok(dir) = std::env::var("TOTALPLACE_CHART_DIR") {
        std::fs::write(Path::new(&dir).join(format!("{name}.svg")), &svg).unwrap();
    }
}

#[test]
fn spend_map_renders() {
    render_all("spend-map", &spend_map(), 20);
}

#[test]
fn who_pays_renders() {
    render_all("who-pays", &who_pays(), 20);
}

#[test]
fn cashflow_renders() {
    render_all("cashflow", &cashflow(), 20);
}

#[test]
fn monte_carlo_renders() {
    render_all("monte-carlo", &monte_carlo(), 20);
}

#[test]
fn tornado_renders() {
    render_all("tornado", &tornado(), 10);
}

#[test]
fn scenarios_render() {
    render_all("scenarios", &scenarios(), 10);
}

#[test]
fn same_data_gives_identical_png() {
    let p = palette();
    let a = render_png(&monte_carlo(), &p, Size::PRINT).unwrap();
    let b = render_png(&monte_carlo(), &p, Size::PRINT).unwrap();
    assert!(a == b, "PNG bytes differ between two renders");
    let a = render_svg(&spend_map(), &p, Size::PRINT).unwrap();
    let b = render_svg(&spend_map(), &p, Size::PRINT).unwrap();
    assert_eq!(a, b);
}

#[test]
fn caller_size_is_respected_and_bad_sizes_are_errors() {
    let p = palette();
    let size = Size::new(800, 500);
    let bytes = render_png(&who_pays(), &p, size).unwrap();
    check_png("who-pays-small", &bytes, size, 10);
    keep("who-pays-small", &bytes);
    let err = render_png(&who_pays(), &p, Size::new(0, 500)).unwrap_err();
    let msg = err.to_string();
    assert!(msg.starts_with("who-pays-who-gains.png: "), "{msg}");
    assert!(msg.contains("outside"), "{msg}");
}

#[test]
fn add_chart_stages_png_and_svg() {
    let dir = tempfile::tempdir().unwrap();
    let mut out = OutputSet::new();
    let paths = add_chart(
        &mut out,
        dir.path(),
        "tornado",
        &tornado(),
        &palette(),
        Size::PRINT,
    )
    .unwrap();
    let written = out.commit().unwrap();
    assert_eq!(written, paths.to_vec());
    let png_bytes = std::fs::read(&paths[0]).unwrap();
    check_png("tornado-file", &png_bytes, Size::PRINT, 10);
    let svg = std::fs::read_to_string(&paths[1]).unwrap();
    check_svg("tornado-file", &svg, &tornado().title.title);
    let again = write_chart(dir.path(), "again", &cashflow(), &palette(), Size::PRINT).unwrap();
    assert_eq!(again.len(), 2);
    assert!(again.iter().all(|p| p.exists()));
}

/// Renders without panicking and gives a PNG of the right size (smaller than print, to keep
/// the test quick in debug builds).
fn survives<C: Chart>(name: &str, chart: &C, p: &Palette) {
    let size = Size::new(1000, 625);
    let bytes = render_png(chart, p, size).unwrap_or_else(|e| panic!("{name}: {e}"));
    let d = decode(&bytes);
    assert_eq!((d.w, d.h), (size.width, size.height), "{name}");
    keep(&format!("edge-{name}"), &bytes);
    render_svg(chart, p, size).unwrap_or_else(|e| panic!("{name} SVG: {e}"));
}

#[test]
fn edge_data_renders_without_panic() {
    let p = palette();
    let long = "An extremely long label that goes on and on about a cohort of people whose \
                needs span every agency in the place and then some more words again"
        .to_string();
    let empty_title = ChartTitle::default();

    // Empty everything.
    survives(
        "spend-empty",
        &SpendMap {
            title: empty_title.clone(),
            cohorts: vec![],
            not_cohort_specific: None,
        },
        &p,
    );
    survives(
        "who-empty",
        &WhoPaysWhoGains {
            title: empty_title.clone(),
            agencies: vec![],
        },
        &p,
    );
    survives(
        "cashflow-empty",
        &Cashflow {
            title: empty_title.clone(),
            years: vec![],
            system: vec![],
            system_payback: None,
            agencies: vec![],
        },
        &p,
    );
    survives(
        "mc-empty",
        &MonteCarlo {
            title: empty_title.clone(),
            panels: vec![],
        },
        &p,
    );
    survives(
        "tornado-empty",
        &Tornado {
            title: empty_title.clone(),
            measure: String::new(),
            base: f64::NAN,
            bars: vec![],
        },
        &p,
    );
    survives(
        "scenarios-empty",
        &ScenarioComparison {
            title: empty_title.clone(),
            scenarios: vec![],
        },
        &p,
    );

    // All zeros, NaN, negatives, one agency, long labels, unknown agencies.
    let t = ChartTitle::new(long.clone(), long.clone()).with_footnote(long.clone());
    survives(
        "spend-odd",
        &SpendMap {
            title: t.clone(),
            cohorts: vec![
                CohortSpend {
                    cohort: long.clone(),
                    by_agency: vec![
                        AgencyValue::new("Council", f64::NAN),
                        AgencyValue::new("Police", -2.0e5),
                        AgencyValue::new(long.clone(), 3.0e5),
                    ],
                },
                CohortSpend {
                    cohort: "Zeros".into(),
                    by_agency: vec![AgencyValue::new("Council", 0.0)],
                },
                CohortSpend {
                    cohort: "Nothing".into(),
                    by_agency: vec![],
                },
            ],
            not_cohort_specific: Some(vec![AgencyValue::new("Council", f64::INFINITY)]),
        },
        &p,
    );
    survives(
        "who-odd",
        &WhoPaysWhoGains {
            title: t.clone(),
            agencies: vec![AgencyFlows {
                agency: long.clone(),
                cost: f64::NAN,
                cashable: -5.0,
                non_cashable: 0.0,
            }],
        },
        &p,
    );
    survives(
        "who-zeros",
        &WhoPaysWhoGains {
            title: t.clone(),
            agencies: AGENCIES
                .iter()
                .map(|a| AgencyFlows {
                    agency: a.to_string(),
                    cost: 0.0,
                    cashable: 0.0,
                    non_cashable: 0.0,
                })
                .collect(),
        },
        &p,
    );
    survives(
        "cashflow-odd",
        &Cashflow {
            title: t.clone(),
            years: vec![long.clone(), "2026-27".into()],
            system: vec![f64::NAN, -1.0e6, 0.0, 5.0],
            system_payback: Some(Payback {
                at: f64::NAN,
                label: long.clone(),
            }),
            agencies: vec![AgencyCashflow {
                agency: long.clone(),
                cumulative: vec![1.0],
                payback: Some(Payback {
                    at: 99.0,
                    label: String::new(),
                }),
            }],
        },
        &p,
    );
    survives(
        "mc-odd",
        &MonteCarlo {
            title: t.clone(),
            panels: vec![
                NpvDistribution {
                    label: long.clone(),
                    agency: Some("Council".into()),
                    samples: vec![f64::NAN, f64::NAN],
                    percentiles: None,
                },
                NpvDistribution {
                    label: "All equal".into(),
                    agency: Some("Police".into()),
                    samples: vec![5.0e5; 100],
                    percentiles: None,
                },
                NpvDistribution {
                    label: "All zero, given percentiles".into(),
                    agency: None,
                    samples: vec![0.0; 10],
                    percentiles: Some(Percentiles {
                        p5: f64::NAN,
                        p50: 0.0,
                        p95: 1.0e9,
                    }),
                },
                NpvDistribution {
                    label: "One sample".into(),
                    agency: Some(long.clone()),
                    samples: vec![-3.0],
                    percentiles: None,
                },
            ],
        },
        &p,
    );
    survives(
        "tornado-odd",
        &Tornado {
            title: t.clone(),
            measure: long.clone(),
            base: -1.0e6,
            bars: (0..25)
                .map(|i| TornadoBar {
                    label: if i == 0 {
                        long.clone()
                    } else {
                        format!("Input {i}")
                    },
                    low: if i == 3 {
                        f64::NAN
                    } else {
                        -1.0e6 - i as f64 * 1.0e4
                    },
                    high: -1.0e6 + i as f64 * 2.0e4,
                    low_input: long.clone(),
                    high_input: String::new(),
                })
                .collect(),
        },
        &p,
    );
    survives(
        "scenarios-odd",
        &ScenarioComparison {
            title: t,
            scenarios: vec![ScenarioResult {
                name: long.clone(),
                npv: f64::NAN,
                froi: Some(f64::INFINITY),
                npv_per_year: -3.0e9,
                basis: long.clone(),
            }],
        },
        &p,
    );

    // A single-agency palette and an empty one.
    let one = Palette::new(["Council"]);
    survives("who-one", &who_pays(), &one);
    survives("mc-no-palette", &monte_carlo(), &Palette::default());
}

#[test]
fn percentiles_are_nearest_rank() {
    let v: Vec<f64> = (1..=100).map(f64::from).collect();
    let p = Percentiles::of(&v).unwrap();
    assert_eq!((p.p5, p.p50, p.p95), (5.0, 50.0, 95.0));
    assert!(Percentiles::of(&[f64::NAN]).is_none());
}

#[test]
fn smallest_size_and_extreme_values_render() {
    let p = palette();
    let tiny = Size::new(Size::MIN, Size::MIN);
    let check = |name: &str, bytes: Result<Vec<u8>, totalplace::error::Error>| {
        let bytes = bytes.unwrap_or_else(|e| panic!("{name}: {e}"));
        let d = decode(&bytes);
        assert_eq!((d.w, d.h), (tiny.width, tiny.height), "{name}");
    };
    check("spend", render_png(&spend_map(), &p, tiny));
    check("who", render_png(&who_pays(), &p, tiny));
    check("cashflow", render_png(&cashflow(), &p, tiny));
    check("mc", render_png(&monte_carlo(), &p, tiny));
    check("tornado", render_png(&tornado(), &p, tiny));
    check("scenarios", render_png(&scenarios(), &p, tiny));

    let huge = [1e300, -1e300, f64::MAX, f64::MIN_POSITIVE, -0.0];
    let mut sp = spend_map();
    sp.cohorts[0].by_agency = huge
        .iter()
        .map(|v| AgencyValue::new("Council", *v))
        .collect();
    survives("spend-huge", &sp, &p);
    let mut t = tornado();
    t.bars[0].low = f64::MAX;
    t.bars[0].high = f64::MIN;
    survives("tornado-huge", &t, &p);
    let mut m = monte_carlo();
    m.panels[0].samples = huge.to_vec();
    survives("mc-huge", &m, &p);
    let mut cf = cashflow();
    cf.system = huge.to_vec();
    survives("cashflow-huge", &cf, &p);
}

#[test]
fn errors_name_the_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut out = OutputSet::new();
    let err = add_chart(
        &mut out,
        dir.path(),
        "tornado",
        &tornado(),
        &palette(),
        Size::new(50_000, 10),
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("tornado.png: chart size"), "{msg}");
    assert_eq!(out.paths().count(), 0, "nothing staged after a failure");
}
