"""Exercises of notebooks/10_recommending.ipynb: precision@k, and a top-N list without seen movies.

In the notebook::

    from cfcourse.exercises import ____, ex10

    def precision_at_k(recommended, relevant, k):
        return ____

    ex10.q1.check(precision_at_k)
"""

import numpy as np

from cfcourse.exercises import Incorrect, Exercise, call, expect_close

NOTEBOOK = "10_recommending.ipynb"


def precision_at_k(recommended, relevant, k):
    hits = sum(item in relevant for item in recommended[:k])
    return hits / k


def _check_precision(answer):
    recommended = [10, 20, 30, 40, 50, 60]
    for relevant, k in [({20, 40, 99}, 4), ({10, 60, 70, 80, 90}, 2), ({30}, 5)]:
        hits_k = sum(item in relevant for item in recommended[:k])
        hits_all = sum(item in relevant for item in recommended)
        expect_close(
            call(answer, list(recommended), set(relevant), k),
            hits_k / k,
            name=f"precision_at_k({recommended}, {relevant}, k={k})",
            hints=[
                (hits_k / len(relevant), "dividing by the number of relevant movies gives recall@k; precision "
                                         "divides by k, the length of the list shown"),
                (hits_all / len(recommended), "the whole list was scored: only the first k recommended count"),
                (hits_all / k, "hits were counted in the whole list: only the first k recommended count"),
                (hits_k, "that is the number of hits; divide it by k"),
            ],
        )  # fmt: skip
    return "hits among the first k, divided by k: the share of the shown list that is good."


q1 = Exercise(
    "Precision at k",
    notebook=NOTEBOOK,
    section="2. Precision, recall and NDCG",
    task="Write `precision_at_k(recommended, relevant, k)`: `recommended` is a list of movie ids, best first; "
    "`relevant` a set of movie ids; return the share of the first `k` recommended that are relevant.",
    reference=precision_at_k,
    kind="function",
    checker=_check_precision,
    hint="Count the hits in `recommended[:k]` (`item in relevant`), then divide by `k`.",
    mistakes=[
        ("divides by len(relevant)", lambda rec, rel, k: sum(i in rel for i in rec[:k]) / len(rel)),
        ("ignores k", lambda rec, rel, k: sum(i in rel for i in rec) / len(rec)),
        ("forgot to divide", lambda rec, rel, k: sum(i in rel for i in rec[:k])),
    ],
)


def top_n(scores, seen, n):
    scores = np.array(scores, dtype=float)
    scores[list(seen)] = -np.inf
    return np.argsort(-scores, kind="stable")[:n]


def _check_top_n(answer):
    scores = np.array([3.1, 4.8, 2.0, 4.5, 3.9, 4.9, 1.2, 4.0])
    seen = [5, 3]
    got = call(answer, scores.copy(), list(seen), 3)
    got = np.asarray(got)
    if got.shape != (3,):
        raise Incorrect(f"top_n(scores, seen, 3) should return 3 movie indices, got shape {got.shape}")
    if set(got.tolist()) & set(seen):
        raise Incorrect(f"the list {got.tolist()} contains movies the user has already rated ({seen}): "
                        "exclude them before picking the top")  # fmt: skip
    expect_close(
        got,
        [1, 7, 4],
        name="top_n(scores, seen=[5, 3], n=3)",
        hints=[([6, 2, 0], "those are the lowest scores: sort in descending order (highest first)")],
    )
    return "seen movies left out, then the n highest predicted scores, best first."


q2 = Exercise(
    "Top-N without what was seen",
    notebook=NOTEBOOK,
    section="1. Top-N for one user",
    task="Write `top_n(scores, seen, n)`: `scores` is a numpy array of predicted ratings, one per movie index; "
    "`seen` the indices the user already rated. Return the indices of the `n` best-scored movies the user "
    "has not seen, best first.",
    reference=top_n,
    kind="function",
    checker=_check_top_n,
    hint="Copy the scores, set the seen ones to `-np.inf`, then `np.argsort(-scores)[:n]`.",
    mistakes=[
        ("includes seen items", lambda s, seen, n: np.argsort(-np.asarray(s))[:n]),
        ("sorts ascending", lambda s, seen, n: np.argsort(np.where(np.isin(np.arange(len(s)), seen), np.inf, s))[:n]),
    ],
)
