//! Speed of the what-if workbench: `scenario::evaluate` on each sample scenario (issue 14 asks
//! under 5 ms), serve's re-evaluation alone (`Workbench::evaluate`: set a value, evaluate), and
//! one `/api/evaluate` request's work without the network (that, then `results.json` and both
//! charts as SVG). Run: `cargo bench --bench serve`. Figures: docs/performance.md.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use totalplace::serve::{Variant, Workbench};

fn benches(c: &mut Criterion) {
    let place = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/kirkbridge");
    let mut g = c.benchmark_group("evaluate");
    for path in totalplace::report::scenario_files(&place).unwrap() {
        let sc = totalplace::scenario::load(&path).unwrap();
        let params = sc.params();
        g.bench_function(sc.id.clone(), |b| {
            b.iter(|| totalplace::scenario::evaluate(black_box(&sc), black_box(&params)))
        });
    }
    g.finish();

    let out = tempfile::tempdir().unwrap();
    let wb = Workbench::open(&place, out.path()).unwrap();
    let variants = [
        ("rate", "outcome.sustained-work-or-training.success", "0.3"),
        (
            "lag (re-validates the file)",
            "outcome.sustained-work-or-training.lag",
            "2",
        ),
    ]
    .map(|(name, path, value)| {
        (
            name,
            Variant {
                scenario: "bradford-care-leavers".into(),
                set: BTreeMap::from([(path.to_string(), serde_json::Value::String(value.into()))]),
                negotiate: None,
            },
        )
    });
    let mut g = c.benchmark_group("re-evaluate");
    for (name, v) in &variants {
        g.bench_function(*name, |b| b.iter(|| wb.evaluate(black_box(v)).unwrap()));
    }
    g.finish();
    let mut g = c.benchmark_group("api-evaluate");
    for (name, v) in &variants {
        g.bench_function(*name, |b| {
            b.iter(|| {
                let ev = wb.evaluate(black_box(v)).unwrap();
                wb.evaluation_json(&ev, true).unwrap()
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = serve;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(3));
    targets = benches
}
criterion_main!(serve);
