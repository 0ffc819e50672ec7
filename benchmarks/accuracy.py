"""Benchmark: test RMSE and fit time of ``MatrixFactorization()`` against baselines.

Not a test. Prints a table and writes ``benchmarks/results/accuracy.json``.

Usage::

    .venv/bin/python benchmarks/accuracy.py [--data-dir DIR] [--repeats 3] [--threads 1] [--tune]

Protocol (exactly): MovieLens ml-latest-small ``ratings.csv``
(``cfcourse.data.load_ratings``); ``perm = np.random.default_rng(42).permutation(n)``;
the rows at ``perm[:int(0.1 * n)]`` are test, the rest train; test rows whose user
or movie is absent from train are dropped; RMSE on predictions clipped to
[0.5, 5]. This is exactly the course's split (``cfcourse.split.train_valid_split``
with its defaults): the benchmark's test rows are the notebooks' validation rows.
Repeat ``r`` (0-based) fits every row with random seed ``r`` (Surprise's
``random_state``, ``MatrixFactorization``'s ``random_state``; the bias-only
baseline has no randomness), so the repeats measure how much the RMSE depends
on the seed: the table shows its mean +- standard deviation. Fit time is
building the model and training only (not loading, not predicting), the median
over ``--repeats`` runs, all rows measured in the same run and interleaved so that their ratio is meaningful on a busy machine;
an untimed warm-up fit per row on 2,000 rows first keeps one-off costs out
(torch's optimizer imports ``torch.distributed`` on its first step, about 1.5 s).

Rows: the regularised bias-only baseline (``cfcourse.factorization.baseline_biases``),
Surprise's ``SVD()`` with its defaults and tuned, and ``MatrixFactorization()``
with its defaults, trained by PyTorch operations and, when numba is installed
(the ``fast`` extra), by the compiled step (``engine="numba"``; its compilation
happens in the warm-up). Every tuned value was chosen on a validation carve-out of
the training part (``perm1 = default_rng(1).permutation(len(train))``, its first
10% as validation), never on the test rows; ``--tune`` re-runs those searches
and prints what they choose.

Surprise is an optional extra: ``pip install -c constraints.txt -e ".[benchmark]"``.
Without it, the Surprise rows are skipped.

torch runs with ``--threads`` intra-op threads (default 1: on 2 busy cores,
2 threads were an order of magnitude slower for these small batches; Surprise
is single-threaded too).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from cfcourse.columns import ITEM, RATING, RATING_MAX, RATING_MIN, USER
from cfcourse.data import load_ratings
from cfcourse.factorization import MatrixFactorization, baseline_biases
from cfcourse.fast_train import FAST_EXTRA_HINT, numba_available

RESULTS = Path(__file__).resolve().parent / "results" / "accuracy.json"

BASELINE_REG = dict(reg_user=5.0, reg_item=2.0)
"""Shrinkage of the bias-only baseline, chosen by ``--tune`` on the validation carve-out."""

SURPRISE_TUNED = dict(n_factors=100, n_epochs=40, lr_all=0.01, reg_all=0.1)
"""Tuned Surprise SVD, chosen by ``--tune`` on the validation carve-out."""

INSTALL_HINT = 'pip install -c constraints.txt -e ".[benchmark]"'


def split(ratings: pd.DataFrame, seed: int = 42, frac: float = 0.1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The protocol's split: first ``int(frac * n)`` rows of the permutation are test."""
    n = len(ratings)
    perm = np.random.default_rng(seed).permutation(n)
    test, train = ratings.iloc[perm[: int(frac * n)]], ratings.iloc[perm[int(frac * n) :]]
    keep = test[USER].isin(train[USER]) & test[ITEM].isin(train[ITEM])
    return train, test[keep]


def rmse(pred, truth) -> float:
    pred = np.clip(np.asarray(pred, dtype=np.float64), RATING_MIN, RATING_MAX)
    return float(np.sqrt(np.mean((pred - np.asarray(truth, dtype=np.float64)) ** 2)))


# ---------------------------------------------------------------- the rows
def fit_baseline(train: pd.DataFrame, seed: int = 0, **reg):
    user_ids, user_idx = np.unique(train[USER].to_numpy(), return_inverse=True)
    item_ids, item_idx = np.unique(train[ITEM].to_numpy(), return_inverse=True)
    mean, bu, bi = baseline_biases(user_idx, item_idx, train[RATING].to_numpy(), len(user_ids), len(item_ids), **reg)
    return mean, pd.Series(bu, index=user_ids), pd.Series(bi, index=item_ids)


def predict_baseline(fitted, test: pd.DataFrame) -> np.ndarray:
    mean, bu, bi = fitted
    return mean + bu.reindex(test[USER]).fillna(0).to_numpy() + bi.reindex(test[ITEM]).fillna(0).to_numpy()


def fit_surprise(train: pd.DataFrame, seed: int = 0, **params):
    from surprise import SVD, Dataset, Reader

    data = Dataset.load_from_df(train[[USER, ITEM, RATING]], Reader(rating_scale=(RATING_MIN, RATING_MAX)))
    algo = SVD(random_state=seed, **params)
    algo.fit(data.build_full_trainset())
    return algo


def predict_surprise(algo, test: pd.DataFrame) -> np.ndarray:
    return np.array([algo.predict(u, i).est for u, i in zip(test[USER].tolist(), test[ITEM].tolist())])


def fit_ours(train: pd.DataFrame, seed: int = 0, **params):
    return MatrixFactorization(random_state=seed, **params).fit(train)


def predict_ours(model, test: pd.DataFrame) -> np.ndarray:
    return model.predict(test)


def have_surprise() -> bool:
    try:
        import surprise  # noqa: F401
    except ImportError:
        return False
    return True


# ------------------------------------------------------------------ tuning
def tune(train: pd.DataFrame) -> None:
    """Grid searches on the validation carve-out of ``train``; prints the best settings."""
    inner, valid = split(train, seed=1)
    print(f"tuning on a carve-out of train: {len(inner)} rows, validation {len(valid)} rows")
    scores = {
        (ru, ri): rmse(predict_baseline(fit_baseline(inner, reg_user=ru, reg_item=ri), valid), valid[RATING])
        for ru, ri in itertools.product([1, 2, 5, 10, 20], [1, 2, 5, 10, 20])
    }
    best = min(scores, key=scores.get)
    print(f"baseline: best reg_user, reg_item = {best} (valid RMSE {scores[best]:.4f})")
    if have_surprise():
        grid = dict(n_factors=[50, 100], n_epochs=[20, 40], lr_all=[0.005, 0.01], reg_all=[0.05, 0.1])
        scores = {}
        for values in itertools.product(*grid.values()):
            params = dict(zip(grid, values))
            scores[values] = rmse(predict_surprise(fit_surprise(inner, **params), valid), valid[RATING])
            print(f"  surprise {params}: {scores[values]:.4f}", flush=True)
        best = min(scores, key=scores.get)
        print(f"surprise: best {dict(zip(grid, best))} (valid RMSE {scores[best]:.4f})")
    grid = dict(epochs=[4, 5, 6], lr=[0.01, 0.015], weight_decay=[0.1, 0.12])
    scores = {}
    for values in itertools.product(*grid.values()):
        params = dict(zip(grid, values))
        scores[values] = rmse(predict_ours(fit_ours(inner, **params), valid), valid[RATING])
        print(f"  MatrixFactorization {params}: {scores[values]:.4f}", flush=True)
    best = min(scores, key=scores.get)
    print(f"MatrixFactorization: best {dict(zip(grid, best))} (valid RMSE {scores[best]:.4f})")


def machine(threads: int) -> dict:
    """CPU model, cores, threads, load and library versions of this run."""
    cpu = platform.processor()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    versions = {"python": platform.python_version(), "numpy": np.__version__, "pandas": pd.__version__, "torch": torch.__version__}
    if have_surprise():
        import surprise

        versions["scikit-surprise"] = surprise.__version__
    if numba_available():
        import numba

        versions["numba"] = numba.__version__
    return {"cpu": cpu, "cores": os.cpu_count(), "torch_threads": threads, "platform": platform.platform(),
            "load_average": [round(x, 2) for x in os.getloadavg()], "versions": versions}  # fmt: skip


# -------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", help="folder of the MovieLens cache (default: cfcourse.data.data_dir())")
    parser.add_argument("--repeats", type=int, default=5, help="fits per row, seeds 0..repeats-1 (default 5)")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (default 1)")
    parser.add_argument("--tune", action="store_true", help="run the validation grid searches instead")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"JSON file (default {RESULTS})")
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    train, test = split(load_ratings(args.data_dir))
    print(f"train {len(train)} rows, test {len(test)} rows (after dropping unseen users/movies)")
    if args.tune:
        tune(train)
        return {}

    rows = [("bias-only baseline", fit_baseline, predict_baseline, BASELINE_REG)]
    if have_surprise():
        rows += [
            ("Surprise SVD() default", fit_surprise, predict_surprise, {}),
            ("Surprise SVD tuned", fit_surprise, predict_surprise, SURPRISE_TUNED),
        ]
    else:
        print(f"Surprise is not installed: skipping its rows. Install the extra with\n    {INSTALL_HINT}")
    rows.append(("MatrixFactorization()", fit_ours, predict_ours, {}))
    if numba_available():
        rows.append(('MatrixFactorization(engine="numba")', fit_ours, predict_ours, {"engine": "numba"}))
    else:
        print(f'numba is not installed: skipping the engine="numba" row. Install it with\n    {FAST_EXTRA_HINT}')

    results = {name: {"rmse": [], "fit_seconds": [], "params": params} for name, _, _, params in rows}
    warm_up = train.iloc[:2000]  # one untimed small fit per row: first-use imports are not fit time
    for _, fit_row, _, params in rows:
        fit_row(warm_up, seed=0, **params)
    for repeat in range(args.repeats):
        for name, fit_row, predict_row, params in rows:  # interleaved, so load spikes hit every row
            t0 = time.perf_counter()
            fitted = fit_row(train, seed=repeat, **params)
            seconds = time.perf_counter() - t0
            results[name]["rmse"].append(rmse(predict_row(fitted, test), test[RATING]))
            results[name]["fit_seconds"].append(seconds)
            print(f"  repeat {repeat + 1}: {name:<36} RMSE {results[name]['rmse'][-1]:.4f}  fit {seconds:.2f} s", flush=True)

    print(f"\n{'row':<36} {'test RMSE (mean +- sd)':>22} {'fit s (median)':>15}   ({args.repeats} seeds, torch threads={args.threads})")
    for name, r in results.items():
        r["rmse_mean"] = statistics.fmean(r["rmse"])
        r["rmse_sd"] = statistics.stdev(r["rmse"]) if len(r["rmse"]) > 1 else 0.0
        r["rmse_median"] = statistics.median(r["rmse"])
        r["fit_seconds_median"] = statistics.median(r["fit_seconds"])
        print(f"{name:<36} {r['rmse_mean']:>13.4f} +- {r['rmse_sd']:.4f} {r['fit_seconds_median']:>15.2f}")
    report = {
        "protocol": "ml-latest-small, default_rng(42) permutation, first 10% test (= the course's validation "
        "split), unseen dropped, clip [0.5, 5]; repeat r uses seed r",
        "n_train": len(train),
        "n_test": len(test),
        "repeats": args.repeats,
        "seeds": list(range(args.repeats)),
        "machine": machine(args.threads),
        "rows": results,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwrote {args.output}")
    return report


if __name__ == "__main__":
    main(sys.argv[1:])
