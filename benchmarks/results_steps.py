"""Benchmark: the running results table on MovieLens, with wall time per step.

Not a test. Trains every step of ``cfcourse.results.STEPS`` on the course
split and prints the validation RMSE and training time of each, once with one
torch thread (as the notebooks run) and once with all threads.

Usage::

    .venv/bin/python benchmarks/results_steps.py [path/to/ml-latest-small.zip]

Without an argument the archive is looked for in ``$CFCOURSE_DATA_DIR``.
"""

from __future__ import annotations

import os
import sys
import time
import zipfile
from pathlib import Path

import pandas as pd
import torch

from cfcourse.results import STEPS, run_step
from cfcourse.split import train_valid_split


def read_ratings(path: Path) -> pd.DataFrame:
    with zipfile.ZipFile(path) as archive:
        with archive.open("ml-latest-small/ratings.csv") as f:
            return pd.read_csv(f)


def main(argv: list[str]) -> None:
    if len(argv) > 1:
        path = Path(argv[1])
    elif "CFCOURSE_DATA_DIR" in os.environ:
        path = Path(os.environ["CFCOURSE_DATA_DIR"]) / "ml-latest-small.zip"
    else:
        sys.exit("usage: results_steps.py path/to/ml-latest-small.zip (or set CFCOURSE_DATA_DIR)")
    t0 = time.perf_counter()
    split = train_valid_split(read_ratings(path))
    print(f"{split}  (load + split {time.perf_counter() - t0:.2f} s)")
    for threads in sorted({1, os.cpu_count() or 1}):
        torch.set_num_threads(threads)
        print(f"\ntorch threads = {threads}")
        print(f"{'step':<12} {'valid RMSE':>10} {'seconds':>8}")
        total = 0.0
        for step in STEPS:
            t0 = time.perf_counter()
            valid_rmse, _ = run_step(step, split, seed=0)
            seconds = time.perf_counter() - t0
            total += seconds
            print(f"{step.name:<12} {valid_rmse:>10.4f} {seconds:>8.2f}")
        print(f"{'total':<12} {'':>10} {total:>8.2f}")


if __name__ == "__main__":
    main(sys.argv)
