"""bench_design.py -- fitting and scoring a flat wide table (issue 23): a generated CSV of
1,000,000 rows x 40 feature columns (30 numeric, 10 strings of 3-12 levels; 0.1% of one numeric
column blank, so those rows are rejected) plus an id and a 0/1 label.

libchurn, through the CLI as an operator runs it (wall and CPU time of the child process):
  - churn fit --data T.csv --label churned --id id   with fit.memory_budget 4 GB (in memory)
  - the same with the default 256 MiB budget (the matrix does not fit: streamed from the file)
  - churn score --model M --data T.csv --id id --out S.csv   (every row, highest risk first)
The peer, in this process, on the same file: pandas read_csv + get_dummies(drop_first=True)
+ dropna, then scikit-learn LogisticRegression(penalty=None, lbfgs) fit; scoring: read_csv +
get_dummies + predict_proba + sort + to_csv.  Both fits are unpenalised maximum likelihood; the
script prints both log-likelihoods (the encodings differ only in the reference level, which
does not change the likelihood).

Run:  /usr/bin/python3 bench/bench_design.py [build-dir]   (default build; needs build/cli/churn)
"""
import os
os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["OMP_NUM_THREADS"] = "1"
import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "build")
CLI = os.path.join(BUILD, "cli", "churn")
N, NUM, STR = 1_000_000, 30, 10
TABLE = f"/tmp/bench_design_{N}.csv"


def make_table():
    rng = np.random.default_rng(7)
    cols = {"id": [f"S{i:07d}" for i in range(N)]}
    eta = np.full(N, -1.0)
    for j in range(NUM):
        x = rng.normal(size=N).round(4)
        eta += (0.3 if j % 3 == 0 else -0.1 if j % 3 == 1 else 0.0) * x
        cols[f"num{j}"] = x
    for j in range(STR):
        k = 3 + j  # 3..12 levels
        codes = rng.integers(0, k, size=N)
        eta += 0.2 * (codes == 0) - 0.15 * (codes == 1)
        cols[f"cat{j}"] = np.array([f"level_{c}" for c in range(k)], dtype=object)[codes]
    y = (rng.random(N) < 1 / (1 + np.exp(-eta))).astype(int)
    df = pd.DataFrame(cols)
    df["churned"] = y
    s = df["num0"].astype(str)
    s[rng.random(N) < 0.001] = ""
    df["num0"] = s
    df.to_csv(TABLE, index=False)


def run(args):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run(args, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return wall, cpu, out.stdout.strip()


def encode(df):
    df = df.drop(columns=["id"]).dropna()
    y = df.pop("churned").to_numpy() if "churned" in df else None
    return pd.get_dummies(df, drop_first=True, dtype=np.float64), y


def main():
    if not os.path.exists(TABLE):
        print("writing", TABLE)
        make_table()
    size = os.path.getsize(TABLE) / 2**20
    print(f"table: {N:,} rows x {NUM + STR} features ({NUM} numeric, {STR} strings), "
          f"{size:.0f} MiB")
    model, scores = "/tmp/bench_design.msgpack", "/tmp/bench_design_scores.csv"
    fit = [CLI, "fit", "--data", TABLE, "--label", "churned", "--id", "id", "--out", model]
    w, c, msg = run(fit + ["--set", "fit.memory_budget=4000000000"])
    print(f"libchurn fit (in memory)      wall {w:6.2f} s  cpu {c:6.2f} s  {N / w / 1e3:7.0f} k rows/s"
          f"   {msg}")
    w2, c2, msg2 = run(fit)
    print(f"libchurn fit (streamed, 256M) wall {w2:6.2f} s  cpu {c2:6.2f} s  {N / w2 / 1e3:7.0f} k rows/s"
          f"   {msg2}")
    ws, cs, msgs = run([CLI, "score", "--model", model, "--data", TABLE, "--id", "id", "--out",
                        scores])
    print(f"libchurn score (all rows)     wall {ws:6.2f} s  cpu {cs:6.2f} s  {N / ws / 1e3:7.0f} k rows/s"
          f"   {msgs}")

    from sklearn.linear_model import LogisticRegression
    t0, p0 = time.perf_counter(), time.process_time()
    X, y = encode(pd.read_csv(TABLE))
    est = LogisticRegression(penalty=None, max_iter=1000).fit(X.to_numpy(), y)
    wp, cp = time.perf_counter() - t0, time.process_time() - p0
    p = est.predict_proba(X.to_numpy())[:, 1]
    ll = float(np.sum(y * np.log(p) + (1 - y) * np.log1p(-p)))
    print(f"pandas+sklearn fit            wall {wp:6.2f} s  cpu {cp:6.2f} s  {N / wp / 1e3:7.0f} k rows/s"
          f"   {X.shape[1]} columns, {len(y)} rows, {est.n_iter_[0]} lbfgs iterations, "
          f"log-likelihood {ll:.4f}")
    t0, p0 = time.perf_counter(), time.process_time()
    df = pd.read_csv(TABLE)
    ids = df["id"]
    Xs, _ = encode(df.drop(columns=["churned"]))
    ps = est.predict_proba(Xs.to_numpy())[:, 1]
    out = pd.DataFrame({"id": ids[Xs.index], "probability": ps}).sort_values(
        "probability", ascending=False)
    out.to_csv("/tmp/bench_design_peer_scores.csv", index=False)
    wps, cps = time.perf_counter() - t0, time.process_time() - p0
    print(f"pandas+sklearn score          wall {wps:6.2f} s  cpu {cps:6.2f} s  {N / wps / 1e3:7.0f} k rows/s")
    print(f"ratios (peer / libchurn): fit in memory {wp / w:.1f}x wall, {cp / c:.1f}x cpu; "
          f"streamed {wp / w2:.1f}x wall; score {wps / ws:.1f}x wall, {cps / cs:.1f}x cpu")


if __name__ == "__main__":
    main()
