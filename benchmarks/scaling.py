"""Benchmark: how the course model's training scales with the number of ratings.

Not a test. Prints a table and writes ``benchmarks/results/scaling.json``.

Usage::

    .venv/bin/python benchmarks/scaling.py                     # 1M, 4M and 25M ratings (about 20 min)
    .venv/bin/python benchmarks/scaling.py --sizes 1M 4M       # a quicker look
    .venv/bin/python benchmarks/scaling.py --sizes 1M --full-fit 1M --update   # re-measure one size, keep the others

Worlds: planted toy worlds (``cfcourse.toy.make_toy_world``) shaped like
MovieLens ml-25m (162,541 users x 59,047 movies x 25,000,095 ratings): for
``N`` ratings, ``sqrt(N / 25M)`` times as many users and movies, so the
density stays that of ml-25m (0.26%). Eight planted factors, noise 0.5,
half stars, seed 0.

Each size runs in a fresh Python process, so its peak memory (the process's
maximum resident set, world included) is its own. In that process, on the
same shuffled batches of the default ``batch_size`` (1024) and with one torch
thread (``--threads``):

- **floor**: one pass over the epoch's batches that only gathers the user and
  movie rows each batch looks up and scatters an update of the same size back
  (``index_select`` + ``index_add_`` on tables as wide as the trainer's).
  No trainer that updates those rows can do less. Measured before and after
  each "after" epoch; the fastest run is reported (all are in the JSON).
- **after**: one epoch of ``cfcourse.fast_train.fit_fast`` with the defaults of
  ``MatrixFactorization`` (row-sparse Adam: cost follows the ratings), in
  PyTorch operations (``engine="torch"``, the default).
- **after, numba**: the same epoch with ``engine="numba"`` (``cfcourse.fast_kernel``,
  the same step compiled; the ``fast`` extra). Its one-off compilation (or the
  loading of its cache) is timed separately, on a tiny fit before the epoch.
  Skipped when numba is not installed.
- **before**: one epoch of the dense path it replaced, ``cfcourse.train.fit(...,
  fused=True)`` with the same settings (Adam over whole tables every step;
  only up to ``--before-max`` ratings, it grows with the square of the data).
- **peer**: one iteration of ``implicit``'s ALS (64 factors, CPU, the same
  number of threads): the field's usual one-machine alternative. It fits
  implicit-feedback confidences rather than explicit ratings, so only its
  speed is comparable. Skipped when ``implicit`` is not installed
  (``pip install implicit``).
- **full fit**: ``MatrixFactorization().fit(world.ratings)`` with its default
  5 epochs, everything included (id encoding, the baseline, per-user lists),
  for the sizes in ``--full-fit`` (default 25M); then the same with
  ``engine="numba"`` when numba is installed.

Peak memory is the process's maximum resident set so far, recorded after each
phase (``peak_memory_mb_after``: world generated, "after" epoch, "after, numba"
epoch, "before" epoch, ALS, full fits), so the phase that set the peak can be read off.

The machine (CPU model, cores, library versions) and ``uptime``'s load (at the
start, after each size, and in each row) are recorded in the JSON: on a shared
machine, compare rows of one run only.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "scaling.json"
ML25M = dict(n_users=162_541, n_items=59_047, n_ratings=25_000_095)
FACTORS = tuple(f"factor{j}" for j in range(8))


def parse_size(text: str) -> int:
    """'1M' -> 1_000_000, '250k' -> 250_000, '25000000' -> 25_000_000."""
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1].lower(), 1)
    try:
        value = float(text[:-1] if scale > 1 else text) * scale
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 1M, 250k or 1000000, got {text!r}") from None
    if value < 1000:
        raise argparse.ArgumentTypeError(f"size must be at least 1k ratings, got {text!r}")
    return int(value)


def world_shape(n_ratings: int) -> tuple[int, int, float]:
    """Users, movies and density of an ml-25m-shaped world with ``n_ratings`` ratings."""
    f = math.sqrt(n_ratings / ML25M["n_ratings"])
    n_users, n_items = round(ML25M["n_users"] * f), round(ML25M["n_items"] * f)
    return n_users, n_items, n_ratings / (n_users * n_items)


def machine() -> dict:
    """CPU model, cores, threads and library versions of this run."""
    import numpy
    import pandas
    import torch

    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {"python": platform.python_version(), "numpy": numpy.__version__, "pandas": pandas.__version__,
                "torch": torch.__version__}  # fmt: skip
    for name in ("implicit", "surprise", "pyspark", "numba"):
        try:
            versions[name] = __import__(name).__version__
        except ImportError:
            pass
    return {"cpu": cpu, "cores": os.cpu_count(), "torch_threads": torch.get_num_threads(), "platform": platform.platform(),
            "load_average": list(os.getloadavg()), "versions": versions}  # fmt: skip


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


# ------------------------------------------------------------ one size
def floor_epoch(user_idx, item_idx, n_users: int, n_items: int, width: int, batch_size: int, seed: int) -> float:
    """Seconds for one epoch that only gathers each batch's rows and scatters them back."""
    import torch

    user_table, item_table = torch.zeros(n_users, width), torch.zeros(n_items, width)
    perm = torch.randperm(len(user_idx), generator=torch.Generator().manual_seed(seed))
    t0 = time.perf_counter()
    for start in range(0, len(perm), batch_size):
        batch = perm[start : start + batch_size]
        for table, idx in ((user_table, user_idx.index_select(0, batch)), (item_table, item_idx.index_select(0, batch))):
            rows = table.index_select(0, idx)
            table.index_add_(0, idx, rows, alpha=-1e-3)
    return time.perf_counter() - t0


def als_iteration(world, threads: int) -> float | None:
    """Seconds for one iteration of implicit's ALS (64 factors), or None without implicit."""
    try:
        import implicit.cpu.als
        import scipy.sparse
        from threadpoolctl import threadpool_limits
    except ImportError:
        return None
    r = world.ratings
    matrix = scipy.sparse.csr_matrix(
        (r["rating"].to_numpy("float32"), (r["userId"].to_numpy(), r["movieId"].to_numpy())),
        shape=(world.n_users, world.n_items),
    )
    with threadpool_limits(1, "blas"):
        model = implicit.cpu.als.AlternatingLeastSquares(
            factors=64, iterations=1, regularization=0.1, random_state=0, num_threads=threads
        )
        t0 = time.perf_counter()
        model.fit(matrix, show_progress=False)
        return time.perf_counter() - t0


def one_size(n_ratings: int, *, threads: int, before: bool, full_fit: bool) -> dict:
    import torch

    from cfcourse.factorization import MatrixFactorization
    from cfcourse.fast_train import _fit_dense, fit_fast, numba_available
    from cfcourse.models import DotProductBias
    from cfcourse.toy import make_toy_world
    from cfcourse.validation import check_y_range_for_scale

    torch.set_num_threads(threads)
    n_users, n_items, density = world_shape(n_ratings)
    t0 = time.perf_counter()
    world = make_toy_world(n_users, n_items, factors=FACTORS, density=density, noise=0.5, seed=0)
    row = {"n_ratings": len(world.ratings), "n_users": n_users, "n_items": n_items,
           "world_seconds": time.perf_counter() - t0}  # fmt: skip
    defaults = MatrixFactorization().get_params()
    settings = {name: defaults[name] for name in ("lr", "batch_size", "weight_decay", "bias_weight_decay", "lr_schedule")}
    triple = tuple(
        torch.tensor(world.ratings[col].to_numpy(dtype)) for col, dtype in (("userId", "int64"), ("movieId", "int64"), ("rating", "float32"))
    )
    k = defaults["n_factors"]
    y_range = check_y_range_for_scale(defaults["y_range"], defaults["scale"])  # what fit() trains with: (0.0, 5.5)
    peaks = row["peak_memory_mb_after"] = {"world": peak_mb()}
    floors = [floor_epoch(triple[0], triple[1], n_users, n_items, k + 2, settings["batch_size"], seed=0)]

    model = DotProductBias(n_users, n_items, k, y_range, init_std=defaults["init_std"], seed=0)
    t0 = time.perf_counter()
    history = fit_fast(model, triple, epochs=1, seed=0, **settings)
    row["after_seconds"] = time.perf_counter() - t0
    row["after_train_rmse"] = history.train_rmse[-1]
    peaks["after"] = peak_mb()
    # the floor again, right after: on a shared machine the fastest run is the floor (and the ratio the
    # harder one to meet)
    floors.append(floor_epoch(triple[0], triple[1], n_users, n_items, k + 2, settings["batch_size"], seed=0))
    if numba_available():
        tiny = make_toy_world(50, 40, density=0.2, seed=1).ratings
        tiny = tuple(tiny[col].to_numpy() for col in ("userId", "movieId", "rating"))
        t0 = time.perf_counter()
        fit_fast(DotProductBias(50, 40, k, y_range, seed=0), tiny, epochs=1, engine="numba", **settings)
        row["numba_compile_seconds"] = time.perf_counter() - t0
        model = DotProductBias(n_users, n_items, k, y_range, init_std=defaults["init_std"], seed=0)
        t0 = time.perf_counter()
        history = fit_fast(model, triple, epochs=1, seed=0, engine="numba", **settings)
        row["numba_seconds"] = time.perf_counter() - t0
        row["numba_train_rmse"] = history.train_rmse[-1]
        peaks["numba"] = peak_mb()
        floors.append(floor_epoch(triple[0], triple[1], n_users, n_items, k + 2, settings["batch_size"], seed=0))
    row["floor_runs_seconds"], row["floor_seconds"] = floors, min(floors)
    if before:
        model = DotProductBias(n_users, n_items, k, y_range, init_std=defaults["init_std"], seed=0)
        t0 = time.perf_counter()
        history = _fit_dense(model, triple, epochs=1, seed=0, **settings)  # the dense Adam loop fit_fast replaced
        row["before_seconds"] = time.perf_counter() - t0
        row["before_train_rmse"] = history.train_rmse[-1]
        peaks["before"] = peak_mb()
    del model
    row["als_iteration_seconds"] = als_iteration(world, threads)
    peaks["als"] = peak_mb()
    if full_fit:
        del triple  # the fit starts from the world's DataFrame, as a user's would
        t0 = time.perf_counter()
        mf = MatrixFactorization().fit(world.ratings)
        row["full_fit_seconds"] = time.perf_counter() - t0
        row["full_fit_epochs"] = mf.epochs
        row["full_fit_train_rmse"] = mf.history_.train_rmse[-1]
        truth = world.true_scores(world.ratings["userId"].to_numpy()[:100_000], world.ratings["movieId"].to_numpy()[:100_000])
        pred = mf.predict(world.ratings.iloc[:100_000])
        row["full_fit_rmse_vs_truth"] = float(((pred - truth.clip(0.5, 5.0)) ** 2).mean() ** 0.5)
        peaks["full_fit"] = peak_mb()
        if numba_available():
            del mf
            t0 = time.perf_counter()
            mf = MatrixFactorization(engine="numba").fit(world.ratings)
            row["full_fit_numba_seconds"] = time.perf_counter() - t0
            row["full_fit_numba_train_rmse"] = mf.history_.train_rmse[-1]
            pred = mf.predict(world.ratings.iloc[:100_000])
            row["full_fit_numba_rmse_vs_truth"] = float(((pred - truth.clip(0.5, 5.0)) ** 2).mean() ** 0.5)
            peaks["full_fit_numba"] = peak_mb()
    row["peak_memory_mb"] = peak_mb()
    row["load_average"] = list(os.getloadavg())
    row["measured_utc"] = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    return row


# ---------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", type=parse_size, default=[1_000_000, 4_000_000, 25_000_000],
                        help="numbers of ratings (default 1M 4M 25M)")  # fmt: skip
    parser.add_argument("--threads", type=int, default=1, help="torch (and ALS) threads (default 1)")
    parser.add_argument("--before-max", type=parse_size, default=4_000_000,
                        help="largest size at which the old dense trainer is timed (default 4M)")  # fmt: skip
    parser.add_argument("--full-fit", nargs="*", type=parse_size, default=[25_000_000],
                        help="sizes at which a whole default MatrixFactorization().fit is timed (default 25M)")  # fmt: skip
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"JSON file (default {RESULTS})")
    parser.add_argument("--update", action="store_true",
                        help="keep the other sizes' rows of --output (same CPU only) and replace those measured now")  # fmt: skip
    parser.add_argument("--one", type=parse_size, help=argparse.SUPPRESS)  # internal: run one size, print JSON
    args = parser.parse_args(argv)

    if args.one:
        row = one_size(args.one, threads=args.threads, before=args.one <= args.before_max, full_fit=args.one in args.full_fit)
        print(json.dumps(row))
        return row

    import torch

    torch.set_num_threads(args.threads)  # so that machine() records the threads the sizes run with
    report = {"machine": machine(), "threads": args.threads, "rows": []}
    kept = []
    if args.update and args.output.exists():
        previous = json.loads(args.output.read_text())
        if previous["machine"]["cpu"] != report["machine"]["cpu"] or previous["threads"] != args.threads:
            raise SystemExit(f"{args.output} was measured on another CPU or thread count; run every size instead of --update.")
        kept = [row for row in previous["rows"] if row["n_ratings"] not in args.sizes]
    header = (f"{'ratings':>10} {'users x movies':>17} {'floor s':>8} {'torch s':>8} {'ratio':>6} {'numba s':>8} {'ratio':>6} "
              f"{'before s':>9} {'ALS it s':>9} {'fit torch s':>11} {'fit numba s':>11} {'peak MB':>8}")  # fmt: skip
    print(header, flush=True)
    for size in args.sizes:
        command = [sys.executable, __file__, "--one", str(size), "--threads", str(args.threads),
                   "--before-max", str(args.before_max), "--full-fit", *map(str, args.full_fit)]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"the run at {size:,} ratings failed:\n{done.stderr[-3000:]}")
        row = json.loads(done.stdout.strip().splitlines()[-1])
        report["rows"] = sorted([*kept, *report["rows"], row], key=lambda r: r["n_ratings"])
        kept = []

        def show(key, width, fmt=".2f"):
            value = row.get(key)
            return f"{'-':>{width}}" if value is None else f"{value:>{width}{fmt}}"

        print(
            f"{row['n_ratings']:>10,} {row['n_users']:>8,} x {row['n_items']:>6,} {show('floor_seconds', 8)} "
            f"{show('after_seconds', 8)} {row['after_seconds'] / row['floor_seconds']:>5.1f}x "
            f"{show('numba_seconds', 8)} {row.get('numba_seconds', math.nan) / row['floor_seconds']:>5.1f}x "
            f"{show('before_seconds', 9)} {show('als_iteration_seconds', 9)} {show('full_fit_seconds', 11, '.1f')} "
            f"{show('full_fit_numba_seconds', 11, '.1f')} {row['peak_memory_mb']:>8.0f}",
            flush=True,
        )
        report["load_average_after"] = list(os.getloadavg())
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(report, indent=2) + "\n")  # after every size: a long run keeps what it measured
    print(f"\nwrote {args.output}")
    return report


if __name__ == "__main__":
    main(sys.argv[1:])
