"""Benchmark: what the check on every load costs, beside what loading costs.

Not a test. In one run, interleaved so that the ratios hold on a busy machine:

- ``check``: ``download_movielens()`` on a cache whose marker agrees (what every
  ``load_ratings()`` / ``load_movies()`` pays to know its files are the verified ones);
- ``hash all``: hashing the four csv files, what checking by hash on every load would cost;
- ``read_csv``: ``pandas.read_csv`` of ratings.csv with the loader's dtypes, no check (the peer);
- ``load_ratings``: the course loader (check + header + read_csv + timestamps).

Usage::

    .venv/bin/python benchmarks/data_load.py [--repeat 20]

Uses the data cache (``$CFCOURSE_DATA_DIR`` or the per-user cache), fetching it first if needed.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np
import pandas as pd

from cfcourse.columns import ITEM, RATING, TIMESTAMP, USER
from cfcourse.data import load_ratings
from cfcourse.download import MOVIELENS_SHA256, _hash_file, download_movielens


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20, help="rounds of each (default 20)")
    args = parser.parse_args(argv)

    folder = download_movielens()
    dtypes = {USER: np.int32, ITEM: np.int32, RATING: np.float32, TIMESTAMP: np.int64}
    cases = {
        "check": download_movielens,
        "hash all": lambda: [_hash_file(folder / name) for name in MOVIELENS_SHA256],
        "read_csv": lambda: pd.read_csv(folder / "ratings.csv", dtype=dtypes),
        "load_ratings": load_ratings,
    }
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.repeat):
        for name, case in cases.items():
            started = time.perf_counter()
            case()
            times[name].append(time.perf_counter() - started)

    print(f"{platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} cpus, "
          f"load average {os.getloadavg()[0]:.1f}, {args.repeat} rounds")
    print(f"{'case':<14} {'median ms':>10} {'min ms':>8}")
    medians = {}
    for name, values in times.items():
        medians[name] = statistics.median(values) * 1000
        print(f"{name:<14} {medians[name]:>10.3f} {min(values) * 1000:>8.3f}")
    print(f"the check is {medians['check'] / medians['load_ratings']:.2%} of load_ratings")
    return medians


if __name__ == "__main__":
    main()
