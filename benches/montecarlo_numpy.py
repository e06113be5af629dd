#!/usr/bin/env python3
"""NumPy reference for the Monte Carlo benchmark (benches/montecarlo.rs).

The same model as totalplace's f64 kernel, vectorised over iterations in chunks (and over
outcomes and flows: no Python loop per outcome), with the same PV-by-Horner algorithm: reads the
model JSON the bench writes (Model::reference_json: structure, parameter indices, base values,
distributions), draws every uncertain parameter with numpy's PCG64, and computes each party's
PV costs, cashable and non-cashable benefits, transfers and NPV.

    python3 -m pip install numpy      # bench-time dependency only
    python3 benches/montecarlo_numpy.py model.json 100000 [chunk, default 2000] [runs, default 1]

Prints the base-case NPVs (for the bench to check against Rust) and a line
`numpy: <iterations> iterations in <s> s = <rate> iterations/s`: the best of `runs` runs (the
bench passes the number of runs it times the Rust side over, so both figures are best-of-N).

Note numpy's triangular(left, mode, right) argument order (statrs takes min, max, mode).
"""
import json
import os
import sys
import time

# The matrix products here are small scatter-adds (flows x parties); BLAS threads only add
# overhead (measured here: 1 thread is 2-3x faster than the default on this 2-core machine).
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import numpy as np  # noqa: E402

Z95 = 1.6448536269514722


def draw(rng, d, n):
    kind = d["dist"]
    if kind == "fixed":
        return np.full(n, d["value"])
    if kind == "uniform":
        return rng.uniform(d["min"], d["max"], n)
    if kind == "triangular":
        return rng.triangular(d["min"], d["mode"], d["max"], n)
    if kind == "pert":
        lo, mo, hi, lam = d["min"], d["mode"], d["max"], d["lambda"]
        r = hi - lo
        a = 1 + lam * (mo - lo) / r
        b = 1 + lam * (hi - mo) / r
        return lo + r * rng.beta(a, b, n)
    if kind == "beta":
        return d["min"] + (d["max"] - d["min"]) * rng.beta(d["alpha"], d["beta"], n)
    if kind in ("normal", "lognormal"):
        if kind == "normal":
            mean, sd = d["mean"], d["sd"]
        else:
            mean, sd = d["mu"], d["sigma"]
        lower = d["lower"] if d["lower"] is not None else -np.inf
        upper = d["upper"] if d["upper"] is not None else np.inf
        out = np.empty(n)
        todo = np.arange(n)
        while todo.size:
            x = rng.normal(mean, sd, todo.size)
            if kind == "lognormal":
                x = np.exp(x)
            ok = (x >= lower) & (x <= upper)
            out[todo[ok]] = x[ok]
            todo = todo[~ok]
        return out
    raise SystemExit(f"unknown distribution {kind}")


def compile_model(m):
    """Index arrays for a fully vectorised evaluation (no Python loop over outcomes or flows)."""
    h = m["horizon"]
    n_par = m["parties"]
    outs = m["outcomes"]
    idx = lambda key: np.array([o[key] for o in outs], dtype=np.int64)
    W = np.zeros((len(outs), h))
    for i, o in enumerate(outs):
        W[i, : len(o["w"])] = o["w"]
    flows = [(i, f) for i, o in enumerate(outs) for f in o["flows"]]
    c = {
        "D": np.asarray(m["discount"]),
        "part": idx("participants"), "eng": idx("engagement"), "succ": idx("success"),
        "dw": idx("deadweight"), "drop": idx("drop_off"), "ob": idx("optimism_bias"),
        "attr": idx("attribution"), "disp": idx("displacement"), "leak": idx("leakage"),
        "W": W,
        "f_out": np.array([i for i, _ in flows], dtype=np.int64),
        "f_q": np.array([f["quantity"] for _, f in flows], dtype=np.int64),
        "f_v": np.array([f["value"] for _, f in flows], dtype=np.int64),
        "f_c": np.array([f["cashability"] for _, f in flows], dtype=np.int64),
        "f_rebase": np.array([f["rebase"] for _, f in flows]),
        "f_party": np.zeros((len(flows), n_par)),
    }
    for k, (_, f) in enumerate(flows):
        c["f_party"][k, f["party"]] = 1.0
    # Costs and fixed transfers: PV = P[:, amount] @ (D[t] per amount), scattered to parties.
    cost_amt, cost_w, cost_ob, cost_party = [], [], [], []
    for cst in m["costs"]:
        for t, a in cst["years"]:
            cost_amt.append(a)
            cost_w.append(c["D"][t])
            cost_ob.append(cst["optimism_bias"])
            cost_party.append(cst["party"])
    c["c_amt"] = np.array(cost_amt, dtype=np.int64)
    c["c_w"] = np.array(cost_w)
    c["c_ob"] = np.array(cost_ob, dtype=np.int64)
    c["c_party"] = np.zeros((len(cost_amt), n_par))
    for k, p in enumerate(cost_party):
        c["c_party"][k, p] = 1.0
    tr_amt, tr_w, tr_party = [], [], []
    for tr in m["transfers"]:
        for t, a in tr["years"]:
            tr_amt.append(a)
            tr_w.append(c["D"][t])
            row = np.zeros(n_par)
            row[tr["from"]] -= 1.0
            row[tr["to"]] += 1.0
            tr_party.append(row)
    c["t_amt"] = np.array(tr_amt, dtype=np.int64)
    c["t_w"] = np.array(tr_w)
    c["t_party"] = np.array(tr_party).reshape(len(tr_amt), n_par)
    return c


def evaluate(m, c, P):
    """P: (params, chunk), one row per parameter so that gathers are contiguous.
    Returns (4, parties, chunk): PV costs, cashable, non-cashable, transfers."""
    n = P.shape[1]
    out = np.zeros((4, m["parties"], n))
    out[0] = c["c_party"].T @ (P[c["c_amt"]] * (1.0 + P[c["c_ob"]]) * c["c_w"][:, None])
    if c["t_amt"].size:
        out[3] = c["t_party"].T @ (P[c["t_amt"]] * c["t_w"][:, None])
    achieving = P[c["part"]] * P[c["eng"]] * P[c["succ"]] * (1.0 - P[c["dw"]])
    achieving *= (1.0 - P[c["disp"]]) * (1.0 - P[c["leak"]]) * P[c["attr"]]
    keep = 1.0 - P[c["drop"]]
    # PV of persisting people per achiever: Horner's rule in keep over the static weights W.
    W = c["W"]
    pv_per = np.zeros_like(keep)
    for j in range(W.shape[1] - 1, -1, -1):
        pv_per = pv_per * keep + W[:, j : j + 1]
    pv_people = achieving * pv_per * (1.0 - P[c["ob"]])
    benefit = pv_people[c["f_out"]] * P[c["f_q"]] * P[c["f_v"]] * c["f_rebase"][:, None]
    cash = benefit * P[c["f_c"]]
    out[1] = c["f_party"].T @ cash
    out[2] = c["f_party"].T @ (benefit - cash)
    return out


def npv(out):
    return out[1] + out[2] - out[0] + out[3]


def main():
    model_path, iterations = sys.argv[1], int(sys.argv[2])
    # Chunks of 2,000 keep the (parameters x chunk) matrix in cache: fastest here.
    chunk = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    m = json.load(open(model_path))
    base = np.asarray(m["base"], dtype=float)
    c = compile_model(m)
    base_npv = npv(evaluate(m, c, base[:, None]))[:, 0]
    print("numpy base npv: " + " ".join(repr(float(x)) for x in base_npv))
    best = float("inf")
    for r in range(max(runs, 1)):
        rng = np.random.Generator(np.random.PCG64(2026 + r))
        t0 = time.perf_counter()
        done = 0
        total = 0.0
        while done < iterations:
            n = min(chunk, iterations - done)
            P = np.repeat(base[:, None], n, axis=1)
            for u in m["uncertain"]:
                P[u["param"]] = draw(rng, u["distribution"], n)
            out = evaluate(m, c, P)
            total += npv(out).sum()
            done += n
        secs = time.perf_counter() - t0
        best = min(best, secs)
        if r == 0:
            mean = total / iterations
    secs = best
    print(f"numpy mean system npv: {mean:.2f}")
    print(f"numpy: {iterations} iterations in {secs:.3f} s = {iterations / secs:.0f} iterations/s")


if __name__ == "__main__":
    main()
