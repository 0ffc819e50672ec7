"""Benchmark: top-N ranking on the course split, popularity against models trained to rank.

Not a test. Prints a table and writes ``benchmarks/results/ranking.json``.

Usage::

    .venv/bin/python benchmarks/ranking.py [--data-dir DIR] [--seeds 3] [--threads 1] [--tune]

Protocol (exactly): MovieLens ml-latest-small through ``cfcourse.data.load_ratings``;
the course split ``cfcourse.split.train_valid_split(ratings)`` (seed 42, 10%
validation, the split every notebook reports). A movie is *relevant* for a user
when they rated it >= 4 in validation (``cfcourse.ranking.relevant_items``);
every user with a relevant movie gets a list of k = 10 movies with the movies
they rated in training left out, scored by ``cfcourse.ranking.ranking_metrics``
(NDCG@10, precision@10). Coverage is the share of the training movies that
appear in at least one user's list. Fit time is ``fit`` only. Each row runs
``--seeds`` times (``random_state`` = 0, 1, 2...; deterministic rows give the
same lists every time) and reports mean and sd over those runs.

Rows: ``PopularityRecommender``, ``ItemKNN``, ``EASE`` (reg 200), the
``implicit`` library's ALS and BPR (64 factors, its defaults otherwise),
``MatrixFactorization()`` (trained on ratings) and ``ImplicitFactorization()``
(defaults). ``implicit`` is an optional extra:
``pip install -c constraints.txt -e ".[benchmark]"``; without it, its rows are
skipped.

``--tune`` searches ``ImplicitFactorization``'s settings on a carve-out of the
training part only (``train_valid_split(split.train, valid_frac=0.1, seed=7)``),
never on the validation rows above, and prints what it finds.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

from cfcourse.columns import ITEM, RATING, USER
from cfcourse.data import load_ratings
from cfcourse.factorization import MatrixFactorization
from cfcourse.implicit_feedback import EASE, ImplicitFactorization, ItemKNN, watched_matrix
from cfcourse.ranking import PopularityRecommender, ranking_metrics, relevant_items, top_n
from cfcourse.split import train_valid_split

RESULTS = Path(__file__).resolve().parent / "results" / "ranking.json"
INSTALL_HINT = 'pip install -c constraints.txt -e ".[benchmark]"'
K = 10


class ImplicitLibrary:
    """The ``implicit`` library's ALS or BPR behind ``fit`` / ``recommend`` (its scores, our top-N)."""

    def __init__(self, kind: str, random_state: int = 0) -> None:
        self.kind, self.random_state = kind, random_state

    def fit(self, ratings):
        import implicit
        import scipy.sparse

        X, self.user_ids_, self.item_ids_ = watched_matrix(ratings)
        self.watched_ = X
        cls = implicit.cpu.als.AlternatingLeastSquares if self.kind == "als" else implicit.cpu.bpr.BayesianPersonalizedRanking
        self.model_ = cls(factors=64, random_state=self.random_state)
        self.model_.fit(scipy.sparse.csr_matrix(X), show_progress=False)
        return self

    def recommend(self, user_id, n=10):
        u = int(np.searchsorted(self.user_ids_, user_id))
        scores = np.asarray(self.model_.item_factors) @ np.asarray(self.model_.user_factors)[u]
        chosen = top_n(scores, n, exclude=np.flatnonzero(self.watched_[u]), ids=self.item_ids_)
        return {ITEM: self.item_ids_[chosen]}


def have_implicit() -> bool:
    try:
        import implicit  # noqa: F401
    except ImportError:
        return False
    return True


def evaluate(model, relevant, n_items: int) -> dict:
    lists = {u: list(model.recommend(u, n=K)[ITEM]) for u in relevant}
    scores = ranking_metrics(lists, relevant, K).mean()
    covered = len({m for movies in lists.values() for m in movies})
    return {"ndcg": float(scores["ndcg"]), "precision": float(scores["precision"]), "coverage": covered / n_items}


def rows(seed: int) -> list:
    out = [
        ("popularity", lambda: PopularityRecommender()),
        ("item-kNN (cosine)", lambda: ItemKNN()),
        ("EASE (reg 200)", lambda: EASE(reg=200.0)),
    ]
    if have_implicit():
        out += [("implicit ALS (64 factors)", lambda: ImplicitLibrary("als", seed)),
                ("implicit BPR (64 factors)", lambda: ImplicitLibrary("bpr", seed))]  # fmt: skip
    out += [
        ("MatrixFactorization() (ratings)", lambda: MatrixFactorization(random_state=seed)),
        ("ImplicitFactorization()", lambda: ImplicitFactorization(random_state=seed)),
    ]
    return out


def tune(train) -> None:
    inner = train_valid_split(train[[USER, ITEM, RATING]], valid_frac=0.1, seed=7)
    relevant = relevant_items(inner.valid)
    grid = [dict(weight_decay=wd, liked_weight=lw) for wd in (3e-5, 1e-4, 2e-4) for lw in (0.0, 1.0, 3.0)]
    grid += [dict(n_factors=128, epochs=150, lr=0.03, liked_weight=2.0), dict(loss="bpr", epochs=20, lr=0.01)]
    for params in grid:
        model = ImplicitFactorization(**params).fit(inner.train[[USER, ITEM, RATING]])
        print(f"  {params}: carve-out NDCG@10 {evaluate(model, relevant, inner.n_items)['ndcg']:.4f}", flush=True)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--tune", action="store_true")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    split = train_valid_split(load_ratings(args.data_dir))
    train = split.train[[USER, ITEM, RATING]]
    if args.tune:
        tune(train)
        return {}
    if not have_implicit():
        print(f"implicit is not installed: skipping its rows. Install the extra with\n    {INSTALL_HINT}")
    relevant = relevant_items(split.valid)
    runs: dict[str, list] = {}
    for seed in range(args.seeds):
        for name, make in rows(seed):
            model = make()
            start = time.perf_counter()
            model.fit(train)
            seconds = time.perf_counter() - start
            runs.setdefault(name, []).append({**evaluate(model, relevant, split.n_items), "fit_seconds": seconds})
            print(f"  seed {seed} {name}: NDCG@10 {runs[name][-1]['ndcg']:.4f} in {seconds:.2f} s", flush=True)
    table = {}
    for name, results in runs.items():
        table[name] = {
            key: {"mean": statistics.mean(r[key] for r in results), "sd": statistics.stdev(r[key] for r in results) if len(results) > 1 else 0.0}
            for key in ("ndcg", "precision", "coverage", "fit_seconds")
        }  # fmt: skip
    print(f"\n{len(relevant)} users, k = {K}, {args.seeds} seeds (mean +- sd)")
    print(f"| row | NDCG@10 | precision@10 | coverage | fit time |\n|---|---|---|---|---|")
    for name, r in table.items():
        print(f"| {name} | {r['ndcg']['mean']:.3f} +- {r['ndcg']['sd']:.3f} | {r['precision']['mean']:.3f} +- "
              f"{r['precision']['sd']:.3f} | {r['coverage']['mean']:.3f} | {r['fit_seconds']['mean']:.2f} s |")  # fmt: skip
    result = {
        "protocol": "course split (seed 42, 10% valid), relevant = valid rating >= 4, seen excluded, k = 10",
        "seeds": args.seeds, "threads": args.threads, "users": len(relevant),
        "machine": {"python": sys.version.split()[0], "platform": platform.platform(), "torch": torch.__version__,
                    "load_average": list(np.round(__import__("os").getloadavg(), 2))},
        "rows": table,
    }  # fmt: skip
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main()
