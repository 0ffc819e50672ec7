"""Exercises of notebooks/03_embeddings.ipynb: a lookup as a product (q1), and a dot product by hand (q2).

In the notebook::

    from cfcourse.exercises import ____, ex03

    answer = ____
    ex03.q2.check(answer)
"""

from numbers import Real

import numpy as np

from cfcourse.embeddings import one_hot
from cfcourse.exercises import Case, Exercise, Incorrect, Mistake, judge

NOTEBOOK = "03_embeddings.ipynb"

GUS = np.array([3.0, -2.0, 1.0])
"""Gus's tastes over (action, romance, comedy): loves action, dislikes romance, likes comedy a little."""

AUTUMN_KISS = np.array([0.1, 0.9, 0.2])
"""The movie "Autumn Kiss" over (action, romance, comedy): mostly romance."""


def gus_meets_autumn_kiss():
    return 3.0 * 0.1 + (-2.0) * 0.9 + 1.0 * 0.2


q2 = Exercise(
    "Gus meets Autumn Kiss",
    notebook=NOTEBOOK,
    section="3. What a component can mean",
    task="Over (action, romance, comedy), Gus is `[3, -2, 1]` (loves action, dislikes romance, likes "
    "comedy a little) and the movie *Autumn Kiss* is `[0.1, 0.9, 0.2]`. Replace `____` with their "
    "dot product, a number (compute it with numpy, or by hand).",
    reference=gus_meets_autumn_kiss,
    hint="Multiply action by action, romance by romance, comedy by comedy, and add the three products.",
    answer_type=Real,
    answer_what="a number",
    answer_name="the score",
    praise="0.3 - 1.8 + 0.2 = -1.3: the big romance component meets Gus's dislike, so he would not enjoy it.",
    mistakes=[
        Mistake("products not added", GUS * AUTUMN_KISS,
                "a dot product is one number: multiply the matching components, then add the three products up"),
        Mistake("lost the sign of the dislike", float(np.abs(GUS) @ AUTUMN_KISS),
                "Gus's -2 for romance is a dislike: keep its sign, it pulls the score down"),
        Mistake("added everything", float(GUS.sum() + AUTUMN_KISS.sum()),
                "that adds all six numbers; multiply each taste by the movie's amount of that genre first"),
        Mistake("product of the sums", float(GUS.sum() * AUTUMN_KISS.sum()),
                "that multiplies the totals; multiply component by component, action with action, romance "
                "with romance, then add"),
        Mistake("only the action part", float(GUS[0] * AUTUMN_KISS[0]), "that is only the action part; add romance and comedy too"),
        Mistake("a string", "-1.3", "that is text (in quotes); write the number itself, without quotes"),
    ],
)  # fmt: skip


def embedding_lookup(weights, idx):
    return one_hot(idx, len(weights)) @ weights


_COLUMNS = "those are columns of weights; each user's vector is a row, so look up rows"
INDEXED = Mistake(
    "indexed instead of the one-hot product",
    lambda weights, idx: weights[idx],
    "that is the lookup itself, indexing weights; the task is to build it as a product, "
    "one_hot(idx, n) @ weights, to see that a lookup is a matrix product",
)
LOOKUP_MISTAKES = [
    Mistake("looked up columns", lambda weights, idx: weights[:, idx], _COLUMNS),
    Mistake("ids counted from 1", lambda weights, idx: weights[idx - 1],
            "off by one: ids start at 0, so id 2 is the third row, weights[2]"),
    Mistake("one-hot as wide as the ids", lambda weights, idx: one_hot(idx, len(idx)) @ weights,
            "one_hot(idx, n) needs one column per row of weights, n = len(weights); "
            "len(idx) only counts the ids asked for"),
    Mistake("one-hot over the factors", lambda weights, idx: one_hot(idx, weights.shape[1]) @ weights.T,
            "the one-hot rows need one column per row of weights (n = len(weights)), not one per factor"),
    Mistake("whole matrix", lambda weights, idx: weights, "that is the whole matrix: a lookup returns one row per id"),
    Mistake("product the wrong way round", lambda weights, idx: weights.T @ one_hot(idx, len(weights)).T,
            "the looked-up vectors should be rows: one_hot(idx, n) goes on the left of @"),
]  # fmt: skip
_WEIGHTS = np.arange(24.0).reshape(6, 4)  # 6 users, 4 factors: row u is user u's vector
_CASES = [Case("embedding_lookup(weights, [2, 0, 3])", _WEIGHTS, np.array([2, 0, 3])),
          Case("embedding_lookup(weights, [5, 1])", _WEIGHTS, np.array([5, 1]))]  # fmt: skip


class _Watched(np.ndarray):
    """``weights`` that remember being indexed: the exercise asks for a product, not ``weights[idx]``."""

    indexed: list = []

    def __getitem__(self, key):
        if not (isinstance(key, slice) and key == slice(None)):
            _Watched.indexed.append(True)
        return super().__getitem__(key)

    def __array_function__(self, func, types, args, kwargs):
        if func in (np.take, np.take_along_axis, np.compress):
            _Watched.indexed.append(True)
        return super().__array_function__(func, types, args, kwargs)


def _check_lookup(answer):
    # Hand-written for one rule no value can show: weights[idx] returns exactly the right rows, but the
    # task is to compute them as a one-hot product; only how the answer uses `weights` tells them apart.
    judge(answer, embedding_lookup, LOOKUP_MISTAKES, _CASES)
    _Watched.indexed = []
    try:  # called directly, not through call(): showing the arguments in a message would index them
        answer(_WEIGHTS.copy().view(_Watched), np.array([2, 0, 3]))
    except Exception:  # judge() ran it on these inputs already
        pass
    if _Watched.indexed:
        raise Incorrect(INDEXED.says)
    return "one_hot(idx, n) @ weights picks rows: the same as weights[idx], the embedding lookup."


q1 = Exercise(
    "A lookup is a matrix product",
    notebook=NOTEBOOK,
    section="2. An embedding lookup is a one-hot row times the matrix",
    task="Write `embedding_lookup(weights, idx)`: `weights` has shape (n, n_factors), `idx` is an array "
    "of ids in 0..n-1; return the rows for those ids, shape (len(idx), n_factors). Build it as a "
    "one-hot matrix times `weights` (`one_hot` is in `cfcourse.embeddings`).",
    reference=embedding_lookup,
    kind="function",
    checker=_check_lookup,
    hint="`one_hot(idx, n)` has one row per id and one column per row of `weights`; which product "
    "has the shape (len(idx), n_factors)?",
    mistakes=[INDEXED, *LOOKUP_MISTAKES],
)
