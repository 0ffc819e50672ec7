"""Exercises of notebooks/10_recommending.ipynb: a top-N list for two people, and a new ranking metric.

In the notebook::

    from cfcourse.exercises import ____, ex10

    def top_n_for_two(scores_a, scores_b, seen_a, seen_b, n):
        return ____

    ex10.q1.check(top_n_for_two)
"""

import numpy as np

from cfcourse.exercises import Case, Exercise, Incorrect, Mistake, call, judge

NOTEBOOK = "10_recommending.ipynb"


_RECOMMENDED = [10, 20, 30, 40, 50, 60]


def reciprocal_rank_at_k(recommended, relevant, k):
    for position, item in enumerate(recommended[:k], start=1):
        if item in relevant:
            return 1 / position
    return 0.0


def _first_hit(recommended, relevant, k=None):
    """Positions (from 1) of the hits among the first k (all with k=None)."""
    return [p for p, item in enumerate(recommended[:k], start=1) if item in relevant]


q2 = Exercise(
    "How far down is the first good movie?",
    notebook=NOTEBOOK,
    section="2. Precision, recall and NDCG",
    task="A user who scrolls a list stops at the first movie they want. Write `reciprocal_rank_at_k(recommended, "
    "relevant, k)`: 1 divided by the position (counting from 1) of the first relevant movie among the first `k` "
    "recommended, and 0 if there is none there. `recommended` is a list of movie ids, best first; `relevant` a "
    "set of movie ids.",
    reference=reciprocal_rank_at_k,
    kind="function",
    hint="Walk down the first `k` of the list with its positions; the first hit decides. What should a list "
    "with no hit in its first `k` score?",
    cases=[Case(f"reciprocal_rank_at_k({_RECOMMENDED}, {{{', '.join(map(str, sorted(relevant)))}}}, k={k})",
                list(_RECOMMENDED), relevant, k)
           for relevant, k in [({30, 50, 99}, 5), ({60, 70}, 3), ({10, 40}, 4)]],
    praise="1 / position of the first hit: 1 when the top movie is good, 1/2 when it is second, and 0 when the "
    "first k hold nothing for the user.",
    mistakes=[
        Mistake("positions counted from 0",
                lambda rec, rel, k: next((1 / i for i, item in enumerate(rec[:k]) if item in rel), 0.0),
                "positions count from 1 (the top of the list is position 1): enumerate(..., start=1)"),
        Mistake("every hit added up", lambda rec, rel, k: sum(1 / p for p in _first_hit(rec, rel, k)),
                "that adds 1/position for every hit; only the first relevant movie counts"),
        Mistake("the last hit", lambda rec, rel, k: 1 / _first_hit(rec, rel, k)[-1] if _first_hit(rec, rel, k) else 0.0,
                "that uses the last relevant movie of the list; the first one is where the user stops"),
        Mistake("the position, not its reciprocal",
                lambda rec, rel, k: float(_first_hit(rec, rel, k)[0]) if _first_hit(rec, rel, k) else 0.0,
                "that is the position of the first hit; the score is 1 divided by it, so a hit higher up scores more"),
        Mistake("ignores k", lambda rec, rel, k: 1 / _first_hit(rec, rel)[0] if _first_hit(rec, rel) else 0.0,
                "a hit below the first k was counted: only the first k recommended are shown"),
    ],
)  # fmt: skip


def top_n_for_two(scores_a, scores_b, seen_a, seen_b, n):
    together = np.minimum(scores_a, scores_b).astype(float)
    together[list(seen_a) + list(seen_b)] = -np.inf
    return np.argsort(-together, kind="stable")[:n]


# Eight movies. A loves 1, 3 and 5, B loves 1, 2 and 5; both have seen something the other has not.
SCORES_A = np.array([3.0, 4.9, 2.0, 4.8, 3.6, 4.6, 1.5, 3.9])
SCORES_B = np.array([3.2, 4.7, 4.9, 2.1, 3.5, 4.4, 4.8, 3.8])
SEEN_A, SEEN_B = [1], [7]
_ARGS = (SCORES_A, SCORES_B, SEEN_A, SEEN_B, 3)

INCLUDES_SEEN = Mistake("includes a seen movie",
                        lambda a, b, sa, sb, n: np.argsort(-np.minimum(a, b), kind="stable")[:n],
                        "it contains a movie one of the two has already rated: leave out what either of them has seen")
ONE_SEEN_LIST = Mistake("leaves out only one person's seen movies",
                        lambda a, b, sa, sb, n: top_n_for_two(a, b, sa, [], n),
                        "it contains a movie the second person has already rated: leave out what either of them has seen")
AVERAGE = Mistake("the average of the two", lambda a, b, sa, sb, n: top_n_for_two((a + b) / 2, (a + b) / 2, sa, sb, n),
                  "ranked by the average, one person's love outvotes the other's dislike; rank by the lower of the "
                  "two predictions (np.minimum), so that the film suits both")
HIGHER = Mistake("the higher of the two", lambda a, b, sa, sb, n: top_n_for_two(np.maximum(a, b), np.maximum(a, b), sa, sb, n),
                 "ranked by the higher prediction, a film one of them would hate can top the list; rank by the lower")
ONLY_A = Mistake("one person's scores", lambda a, b, sa, sb, n: top_n_for_two(a, a, sa, sb, n),
                 "that ranks by the first person's predictions alone; the list is for both: rank by the lower of the two")
ASCENDING = Mistake("sorts ascending",
                    lambda a, b, sa, sb, n: np.argsort(np.where(np.isin(np.arange(len(a)), sa + sb), np.inf,
                                                                np.minimum(a, b)), kind="stable")[:n],
                    "those are the lowest scores: sort in descending order (highest first)")


def _check_top_two(answer):
    # Hand-written for one rule: ANY list holding a seen movie is wrong for that reason, whatever its order;
    # the other mistakes are judged by value, with their records' messages.
    got = np.asarray(call(answer, *_ARGS))
    if got.shape != (3,):
        raise Incorrect(f"top_n_for_two(..., n=3) should return 3 movie indices, got shape {got.shape}")
    shown = got.tolist()
    if set(shown) & set(SEEN_A):
        raise Incorrect(f"the list {shown} for seen_a={SEEN_A}, seen_b={SEEN_B}: {INCLUDES_SEEN.says}")
    if set(shown) & set(SEEN_B):
        raise Incorrect(f"the list {shown} for seen_b={SEEN_B}: {ONE_SEEN_LIST.says}")
    by_value = [Mistake(m.description, m.answer(*_ARGS), m.says) for m in (AVERAGE, HIGHER, ONLY_A, ASCENDING)]
    judge(got, lambda: top_n_for_two(*_ARGS), by_value, name="top_n_for_two(scores_a, scores_b, [1], [7], 3)")
    return "what neither has seen, ranked by the lower of the two predictions: a film for both, best first."


q1 = Exercise(
    "Movie night for two",
    notebook=NOTEBOOK,
    section="1. Top-N for one user",
    task="Two users watch together. Write `top_n_for_two(scores_a, scores_b, seen_a, seen_b, n)`: `scores_a` and "
    "`scores_b` are their predicted ratings (numpy arrays, one per movie index), `seen_a` and `seen_b` lists of "
    "the indices each has already rated. Return the indices of `n` movies for the two of them, best first: "
    "nothing either has seen, ranked so that a film only counts as good as the *less* happy of the two would "
    "find it. Try it on `ex10.SCORES_A`, `ex10.SCORES_B`, `ex10.SEEN_A`, `ex10.SEEN_B`.",
    reference=top_n_for_two,
    kind="function",
    checker=_check_top_two,
    hint="Start from one user's top-N above. What single score per movie says how the less happy of the two "
    "would like it? And which movies must go before sorting?",
    mistakes=[INCLUDES_SEEN, ONE_SEEN_LIST, AVERAGE, HIGHER, ONLY_A, ASCENDING],
)
