#!/usr/bin/env python3
"""Peer references for the ingest benchmark (benches/ingest.rs, docs/performance.md "Ingest").

Does what `totalplace ingest` does to the 1M-line benchmark ledger, end to end, with a
dataframe library: read the file, clean the amounts (`£1,234.56`, `-£1,234.56`, `(1,234.56)`
as the finance exports write them), sum them, and write the normalised ledger (agency, source,
cost_centre, account, service, description, amount with 2 decimals, file, sheet, row).

    python3 -m venv /work/venv && /work/venv/bin/pip install polars fastexcel pandas pyarrow
    /work/venv/bin/python benches/ingest_peers.py polars  LEDGER.csv  OUT.csv
    /work/venv/bin/python benches/ingest_peers.py pandas  LEDGER.csv  OUT.csv   # pyarrow engine
    /work/venv/bin/python benches/ingest_peers.py polars  LEDGER.xlsx OUT.csv   # fastexcel (calamine)

The ledgers are the ones `cargo bench --bench ingest` generates in benches/data/ (or
`totalplace generate-sample --large-lines 1000000 --out DIR`). Prints the line count and the
total, to check against totalplace's. polars sums exact decimals; pandas uses float64 (it has
no exact decimal column), so its total can differ in the last cents.
"""
import sys
import time

AMOUNT_JUNK = r"[£,()\s]"


def polars_ingest(path, out):
    import polars as pl

    if path.endswith(".xlsx"):
        df = pl.read_excel(path, engine="calamine")  # fastexcel
        amount = pl.col("Amount").cast(pl.Float64).round(2).cast(pl.Decimal(38, 2))
        sheet = "Sheet1"
    else:
        df = pl.read_csv(path, infer_schema=False)
        text = pl.col("Amount").str.strip_chars()
        negative = (text.str.starts_with("(") & text.str.ends_with(")")) | text.str.contains(
            "-", literal=True
        )
        digits = text.str.replace_all(AMOUNT_JUNK, "").str.replace_all("-", "", literal=True)
        value = digits.cast(pl.Decimal(38, 2))
        amount = pl.when(negative).then(-value).otherwise(value)
        sheet = ""
    n = df.height
    ledger = df.select(
        pl.lit("council").alias("agency"),
        pl.lit("large-ledger").alias("source"),
        pl.col("Cost Centre").cast(pl.Utf8).alias("cost_centre"),
        pl.col("Account").cast(pl.Utf8).alias("account"),
        pl.col("Service").alias("service"),
        pl.col("Description").alias("description"),
        amount.alias("amount"),
        pl.lit(path).alias("file"),
        pl.lit(sheet).alias("sheet"),
        pl.int_range(2, n + 2, eager=False).alias("row"),
    )
    total = ledger["amount"].sum()
    ledger.write_csv(out)
    return n, total


def pandas_ingest(path, out):
    import pandas as pd

    df = pd.read_csv(path, engine="pyarrow", dtype=str)
    text = df["Amount"].str.strip()
    negative = (text.str.startswith("(") & text.str.endswith(")")) | text.str.contains(
        "-", regex=False
    )
    value = text.str.replace(AMOUNT_JUNK, "", regex=True).str.replace("-", "", regex=False)
    amount = value.astype("float64")
    amount = amount.where(~negative, -amount)
    n = len(df)
    ledger = pd.DataFrame(
        {
            "agency": "council",
            "source": "large-ledger",
            "cost_centre": df["Cost Centre"],
            "account": df["Account"],
            "service": df["Service"],
            "description": df["Description"],
            "amount": amount,
            "file": path,
            "sheet": "",
            "row": range(2, n + 2),
        }
    )
    total = amount.sum()
    ledger.to_csv(out, index=False, float_format="%.2f")
    return n, total


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("polars", "pandas"):
        sys.exit(__doc__)
    engine, path, out = sys.argv[1:]
    t = time.perf_counter()
    n, total = (polars_ingest if engine == "polars" else pandas_ingest)(path, out)
    dt = time.perf_counter() - t
    print(f"{engine}: {n} lines, total {total}, {dt:.3f} s in-process")


if __name__ == "__main__":
    main()
