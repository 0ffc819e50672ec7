"""Exercises of notebooks/10_recommending.ipynb: precision@k, and a top-N list without seen movies.

In the notebook::

    from cfcourse.exercises import ____, ex10

    _RECOMMENDED = [10, 20, 30, 40, 50, 60]


def precision_at_k(recommended, relevant, k):
        return ____

    ex10.q1.check(precision_at_k)
"""

import numpy as np

from cfcourse.exercises import Case, Exercise, Incorrect, Mistake, call, judge

NOTEBOOK = "10_recommending.ipynb"


_RECOMMENDED = [10, 20, 30, 40, 50, 60]


def precision_at_k(recommended, relevant, k):
    hits = sum(item in relevant for item in recommended[:k])
    return hits / k


q1 = Exercise(
    "Precision at k",
    notebook=NOTEBOOK,
    section="2. Precision, recall and NDCG",
    task="Write `precision_at_k(recommended, relevant, k)`: `recommended` is a list of movie ids, best first; "
    "`relevant` a set of movie ids; return the share of the first `k` recommended that are relevant.",
    reference=precision_at_k,
    kind="function",
    hint="Count the hits in `recommended[:k]` (`item in relevant`), then divide by `k`.",
    cases=[Case(f"precision_at_k({_RECOMMENDED}, {{{', '.join(map(str, sorted(relevant)))}}}, k={k})", list(_RECOMMENDED), relevant, k)
           for relevant, k in [({20, 40, 99}, 4), ({10, 60, 70, 80, 90}, 2), ({30}, 5)]],
    praise="hits among the first k, divided by k: the share of the shown list that is good.",
    mistakes=[
        Mistake("divides by len(relevant)", lambda rec, rel, k: sum(i in rel for i in rec[:k]) / len(rel),
                "dividing by the number of relevant movies gives recall@k; precision divides by k, the length "
                "of the list shown"),
        Mistake("ignores k", lambda rec, rel, k: sum(i in rel for i in rec) / len(rec),
                "the whole list was scored: only the first k recommended count"),
        Mistake("hits counted in the whole list", lambda rec, rel, k: sum(i in rel for i in rec) / k,
                "hits were counted in the whole list: only the first k recommended count"),
        Mistake("forgot to divide", lambda rec, rel, k: sum(i in rel for i in rec[:k]),
                "that is the number of hits; divide it by k"),
    ],
)


def top_n(scores, seen, n):
    scores = np.array(scores, dtype=float)
    scores[list(seen)] = -np.inf
    return np.argsort(-scores, kind="stable")[:n]


_SCORES, _SEEN = np.array([3.1, 4.8, 2.0, 4.5, 3.9, 4.9, 1.2, 4.0]), [5, 3]
INCLUDES_SEEN = Mistake("includes seen items", lambda s, seen, n: np.argsort(-np.asarray(s))[:n],
                        "it contains movies the user has already rated: exclude them before picking the top")
ASCENDING = Mistake("sorts ascending",
                    lambda s, seen, n: np.argsort(np.where(np.isin(np.arange(len(s)), seen), np.inf, s))[:n],
                    "those are the lowest scores: sort in descending order (highest first)")


def _check_top_n(answer):
    # Hand-written for one rule: ANY list holding a seen movie is wrong for that reason, whatever its order.
    got = np.asarray(call(answer, _SCORES.copy(), list(_SEEN), 3))
    if got.shape != (3,):
        raise Incorrect(f"top_n(scores, seen, 3) should return 3 movie indices, got shape {got.shape}")
    if set(got.tolist()) & set(_SEEN):
        raise Incorrect(f"the list {got.tolist()} for seen={_SEEN}: {INCLUDES_SEEN.says}")
    ascending = Mistake(ASCENDING.description, ASCENDING.answer(_SCORES, _SEEN, 3), ASCENDING.says)
    judge(got, lambda: top_n(_SCORES, _SEEN, 3), [ascending], name="top_n(scores, seen=[5, 3], n=3)")
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
    mistakes=[INCLUDES_SEEN, ASCENDING],
)
