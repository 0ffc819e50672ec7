"""Exercises of notebooks/03_embeddings.ipynb: a dot product by hand, and a lookup as a product.

In the notebook::

    from cfcourse.exercises import ____, ex03

    answer = ____
    ex03.q1.check(answer)
"""

from numbers import Real

import numpy as np

from cfcourse.embeddings import one_hot
from cfcourse.exercises import Exercise, Incorrect, call, expect_close, expect_type

NOTEBOOK = "03_embeddings.ipynb"

GUS = np.array([3.0, -2.0, 1.0])
"""Gus's tastes over (action, romance, comedy): loves action, dislikes romance, likes comedy a little."""

AUTUMN_KISS = np.array([0.1, 0.9, 0.2])
"""The movie "Autumn Kiss" over (action, romance, comedy): mostly romance."""


def gus_meets_autumn_kiss():
    return 3.0 * 0.1 + (-2.0) * 0.9 + 1.0 * 0.2


def _check_dot(answer):
    if np.shape(answer) == (3,):
        raise Incorrect("a dot product is one number: multiply the matching components, then add the three products up")
    expect_type(answer, Real, what="a number")
    expect_close(
        answer,
        GUS @ AUTUMN_KISS,
        name="the score",
        hints=[
            (np.abs(GUS) @ AUTUMN_KISS, "Gus's -2 for romance is a dislike: keep its sign, it pulls the score down"),
            (GUS.sum() + AUTUMN_KISS.sum(), "that adds all six numbers; multiply each taste by the movie's "
                                            "amount of that genre first"),
            (GUS.sum() * AUTUMN_KISS.sum(), "that multiplies the totals; multiply component by component, "
                                            "action with action, romance with romance, then add"),
            (GUS[0] * AUTUMN_KISS[0], "that is only the action part; add romance and comedy too"),
        ],
    )  # fmt: skip
    return "0.3 - 1.8 + 0.2 = -1.3: the big romance component meets Gus's dislike, so he would not enjoy it."


q1 = Exercise(
    "Gus meets Autumn Kiss",
    notebook=NOTEBOOK,
    section="3. What a component can mean",
    task="Over (action, romance, comedy), Gus is `[3, -2, 1]` (loves action, dislikes romance, likes "
    "comedy a little) and the movie *Autumn Kiss* is `[0.1, 0.9, 0.2]`. Replace `____` with their "
    "dot product, a number (compute it with numpy, or by hand).",
    reference=gus_meets_autumn_kiss,
    checker=_check_dot,
    hint="Multiply action by action, romance by romance, comedy by comedy, and add the three products.",
    mistakes=[
        ("products not added", GUS * AUTUMN_KISS),
        ("lost the sign of the dislike", float(np.abs(GUS) @ AUTUMN_KISS)),
        ("added everything", float(GUS.sum() + AUTUMN_KISS.sum())),
        ("product of the sums", float(GUS.sum() * AUTUMN_KISS.sum())),
        ("a string", "-1.3"),
    ],
)


def embedding_lookup(weights, idx):
    return one_hot(idx, len(weights)) @ weights


def _check_lookup(answer):
    weights = np.arange(24.0).reshape(6, 4)  # 6 users, 4 factors: row u is user u's vector
    idx = np.array([2, 0, 3])
    columns = "those are columns of weights; each user's vector is a row, so look up rows"
    expect_close(
        call(answer, weights, idx),
        weights[idx],
        name="embedding_lookup(weights, [2, 0, 3])",
        hints=[
            (weights[idx - 1], "off by one: ids start at 0, so id 2 is the third row, weights[2]"),
            (weights[idx + 1], "off by one: ids start at 0, so id 0 is the first row, weights[0]"),
        ],
        shape_hints={
            (6, 3): columns,
            (3, 6): columns,
            (6, 4): "that is the whole matrix: a lookup returns one row per id",
            (4, 3): "the looked-up vectors should be rows: one_hot(idx, n) goes on the left of @",
        },
    )
    return "one_hot(idx, n) @ weights picks rows: the same as weights[idx], the embedding lookup."


q2 = Exercise(
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
    mistakes=[
        ("looked up columns", lambda weights, idx: weights[:, idx]),
        ("ids counted from 1", lambda weights, idx: weights[idx - 1]),
        ("one-hot over the factors", lambda weights, idx: one_hot(idx, weights.shape[1]) @ weights.T),
        ("whole matrix", lambda weights, idx: weights),
        ("product the wrong way round", lambda weights, idx: weights.T @ one_hot(idx, len(weights)).T),
    ],
)
