//! Monte Carlo throughput (issue 5): 100,000 iterations of a generated scenario with 8
//! agencies, 20 outcomes and a 10-year horizon (86 uncertain parameters: success, deadweight
//! and drop-off of every outcome, 20 unit costs, 6 cost lines), through the real engine
//! (`uncertainty::Model::run`: drawing, the f64 kernel, the result matrix), on every core.
//!
//! The NumPy reference of the same model (`benches/montecarlo_numpy.py`, vectorised in
//! chunks) is run in the same process afterwards and both figures and their ratio printed.
//! NumPy is a bench-time dependency only: when it is missing the bench tries
//! `python3 -m pip install --user numpy` once, and skips the reference with a message if that
//! fails.
//!
//!     cargo bench --bench montecarlo
//!     MC_BENCH_QUICK=1 cargo bench --bench montecarlo    # a short run while developing
//!     MC_BENCH_MODEL_JSON=/tmp/model.json cargo bench --bench montecarlo   # keep the model

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use criterion::{Criterion, Throughput};
use totalplace::scenario::{load, ValidatedScenario};
use totalplace::uncertainty::{spec, Model};

const ITERATIONS: usize = 100_000;
const AGENCIES: [&str; 8] = [
    "council",
    "icb",
    "acute-trust",
    "mh-trust",
    "police",
    "probation",
    "dwp",
    "housing",
];

/// Write a place with 8 agencies and a 20-outcome, 10-year scenario under `dir`.
fn generate(dir: &Path) -> std::path::PathBuf {
    let mut place = String::from(
        "[place]\nid = \"benchville\"\nname = \"Benchville\"\nfinancial_year = \"2024-25\"\nprice_base = 2024\npopulation = 500000\nsynthetic = true\n",
    );
    for a in AGENCIES {
        let _ = write!(
            place,
            "\n[[agency]]\nid = \"{a}\"\nname = \"{a}\"\nsector = \"other\"\nbudget_control = \"{}\"\n",
            if matches!(a, "police" | "dwp" | "probation") { "central" } else { "local" }
        );
    }
    std::fs::write(dir.join("place.toml"), place).unwrap();
    std::fs::write(
        dir.join("sources.toml"),
        "[[source]]\nid = \"council-budget\"\nagency = \"council\"\nfile = \"council.csv\"\ncolumns = { amount = \"Amount\", service = \"Service\" }\n",
    )
    .unwrap();
    std::fs::write(dir.join("council.csv"), "Service,Amount\nChildren,100\n").unwrap();
    std::fs::write(
        dir.join("gdp-deflators.csv"),
        "financial_year,index,verified,source\n2021-22,90,no,bench\n2024-25,100,no,bench\n",
    )
    .unwrap();
    let mut uc =
        String::from("id,name,value,unit,price_year,role,cashability,verified,source,notes\n");
    for k in 0..20 {
        let _ = writeln!(
            uc,
            "uc{k},Unit cost {k},{},unit,{},{},0.{},no,bench,",
            500 + 250 * k,
            if k % 2 == 0 { "2024-25" } else { "2021-22" },
            AGENCIES[k % 8],
            (k * 3) % 10
        );
    }
    std::fs::write(dir.join("unit-costs.csv"), uc).unwrap();

    let mut s = String::from(
        "[scenario]\nid = \"bench\"\nname = \"Benchmark: 8 agencies, 20 outcomes, 10 years\"\nstart_year = 2025\nhorizon = 10\n\n[optimism_bias]\ncosts = \"0.1\"\n",
    );
    for (i, a) in AGENCIES.iter().enumerate().take(6) {
        let _ = write!(
            s,
            "\n[[cost]]\nid = \"c{i}\"\nagency = \"{a}\"\nkind = \"revenue\"\namounts = [{0}, {0}, {0}]\n",
            200_000 + 50_000 * i
        );
    }
    s.push_str("\n[[transfer]]\nid = \"pool\"\nkind = \"pooled\"\nfrom = \"icb\"\nto = \"council\"\namounts = [100000, 100000, 100000]\n");
    for o in 0..20 {
        let _ = write!(
            s,
            "\n[[outcome]]\nid = \"o{o}\"\nname = \"Outcome {o}\"\nparticipants = {}\nintakes = 3\nengagement = \"0.8\"\nsuccess = \"0.3\"\ndeadweight = \"0.2\"\nlag = 1\ndrop_off = \"0.15\"\nevidence_grade = {}\n",
            40 + 5 * o,
            1 + o % 6
        );
        for k in 0..2 {
            let _ = write!(
                s,
                "\n[[outcome.flow]]\nid = \"f{k}\"\nunit_cost = \"uc{}\"\nquantity = \"0.{}\"\n",
                (o + 7 * k) % 20,
                5 + k * 3
            );
        }
    }
    for o in 0..20 {
        let _ = write!(
            s,
            "\n[[uncertain]]\npath = \"outcome.o{o}.success\"\ndist = \"pert\"\nmin = \"0.15\"\nmode = \"0.3\"\nmax = \"0.45\"\n\
             \n[[uncertain]]\npath = \"outcome.o{o}.deadweight\"\ndist = \"triangular\"\nmin = \"0.1\"\nmode = \"0.2\"\nmax = \"0.35\"\n\
             \n[[uncertain]]\npath = \"outcome.o{o}.drop_off\"\ndist = \"uniform\"\nmin = \"0.05\"\nmax = \"0.25\"\n"
        );
    }
    for k in 0..20 {
        let v = 500.0 + 250.0 * k as f64;
        let _ = write!(
            s,
            "\n[[uncertain]]\npath = \"unit_cost.uc{k}.value\"\ndist = \"lognormal\"\np5 = {}\np95 = {}\n",
            v * 0.75,
            v * 1.3
        );
    }
    for i in 0..6 {
        let m = 200_000 + 50_000 * i;
        let _ = write!(
            s,
            "\n[[uncertain]]\npath = \"cost.c{i}.amounts.0\"\ndist = \"normal\"\nmean = {m}\nsd = {}\n",
            m / 10
        );
    }
    std::fs::create_dir_all(dir.join("scenarios")).unwrap();
    let path = dir.join("scenarios").join("bench.toml");
    std::fs::write(&path, s).unwrap();
    path
}

fn numpy_available() -> bool {
    let ok = || {
        Command::new("python3")
            .args(["-c", "import numpy"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    if ok() {
        return true;
    }
    eprintln!("numpy not found: trying `python3 -m pip install --user numpy`");
    let _ = Command::new("python3")
        .args(["-m", "pip", "install", "--user", "--quiet", "numpy"])
        .status();
    ok()
}

fn rust_rate(model: &Model, runs: usize, threads: Option<usize>) -> f64 {
    let mut best = f64::INFINITY;
    for r in 0..runs {
        let t = Instant::now();
        let d = model.run(ITERATIONS, r as u64 + 1, threads, None);
        std::hint::black_box(&d.data);
        best = best.min(t.elapsed().as_secs_f64());
    }
    ITERATIONS as f64 / best
}

fn main() {
    let quick = std::env::var_os("MC_BENCH_QUICK").is_some();
    let tmp = tempfile::tempdir().unwrap();
    let path = generate(tmp.path());
    let sc: ValidatedScenario = load(&path).expect("generated scenario");
    let spec = spec::load(&path, &sc, &[]).expect("generated distributions");
    let n_uncertain = spec.params.len();
    let model = Model::new(&sc, spec, &sc.params());
    println!(
        "model: {} agencies, {} outcomes, {}-year horizon, {} uncertain parameters; {} iterations",
        AGENCIES.len(),
        sc.outcomes.len(),
        sc.horizon,
        n_uncertain,
        ITERATIONS
    );

    let mut c = Criterion::default()
        .configure_from_args()
        .sample_size(10)
        .measurement_time(std::time::Duration::from_secs(if quick { 2 } else { 8 }))
        .warm_up_time(std::time::Duration::from_secs(1));
    {
        let mut g = c.benchmark_group("montecarlo");
        g.throughput(Throughput::Elements(ITERATIONS as u64));
        g.bench_function("simulate_100k_8agencies_20outcomes_10y", |b| {
            b.iter(|| model.run(ITERATIONS, 7, None, None))
        });
        g.finish();
    }
    let runs = if quick { 2 } else { 5 };
    let one = rust_rate(&model, runs, Some(1));
    let rust = rust_rate(&model, runs, None);
    println!(
        "rust:  {ITERATIONS} iterations, best of {runs} runs: {:.0} iterations/s on 1 thread, {:.0} iterations/s on {} threads",
        one,
        rust,
        rayon::current_num_threads()
    );
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!("load average at measurement: {}", load.trim());
    }

    // The NumPy reference of the same model, in the same run.
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/montecarlo_numpy.py");
    if !numpy_available() {
        println!(
            "numpy: skipped (python3 with numpy not available; `python3 -m pip install numpy`)"
        );
        return;
    }
    let json = tmp.path().join("model.json");
    std::fs::write(
        &json,
        serde_json::to_vec(&model.reference_json().expect("reference model")).unwrap(),
    )
    .unwrap();
    if let Some(keep) = std::env::var_os("MC_BENCH_MODEL_JSON") {
        // Keep the model to run the reference alone: python3 benches/montecarlo_numpy.py <file> 100000
        std::fs::copy(&json, keep).expect("copy model JSON");
    }
    let out = Command::new("python3")
        .arg(&script)
        .arg(&json)
        .arg(ITERATIONS.to_string())
        .arg("2000")
        .arg(runs.to_string())
        .output()
        .expect("run python3");
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        println!(
            "numpy: reference failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return;
    }
    print!("{text}");
    // Same model: the base-case NPVs must agree with the Rust kernel.
    let mut w = model.work();
    let mut row = vec![0.0; model.width()];
    model.evaluate_row(&mut w, &mut row);
    let sys_rust = row[row.len() - 3];
    let numpy_base: Vec<f64> = text
        .lines()
        .find_map(|l| l.strip_prefix("numpy base npv: "))
        .map(|l| {
            l.split_whitespace()
                .map(|x| x.parse::<f64>().unwrap())
                .collect()
        })
        .unwrap_or_default();
    let sys_numpy: f64 = numpy_base.iter().sum();
    for (g, grp) in model.groups.iter().enumerate() {
        if let Some(a) = grp.party {
            let (r, n) = (row[g * 3], numpy_base[a]);
            assert!(
                (r - n).abs() < 1e-6 * r.abs().max(1.0),
                "NumPy reference disagrees with the kernel at base for {}: {n} vs {r}",
                grp.id
            );
        }
    }
    println!("base-case system NPV: rust {sys_rust:.2}, numpy {sys_numpy:.2} (same model)");
    // Same distributions: the mean system NPV agrees within Monte Carlo error.
    let d = model.run(ITERATIONS, 7, None, None);
    let col = d.column(model.groups.len() - 1, 0);
    let mean = col.iter().sum::<f64>() / col.len() as f64;
    println!("rust mean system npv: {mean:.2}");
    let numpy: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("numpy: "))
        .and_then(|l| l.split(" = ").nth(1))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|x| x.parse().ok())
        .unwrap_or(f64::NAN);
    println!(
        "montecarlo: rust {:.0} iterations/s, numpy {:.0} iterations/s, ratio {:.2}x",
        rust,
        numpy,
        rust / numpy
    );
}
