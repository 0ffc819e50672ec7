"""Exercises of notebooks/07_biases.ipynb: a bias that moves a prediction (q1), a bias gradient (q2), reading biases (q3).

In the notebook::

    from cfcourse.exercises import ____, ex07

    answer = ____
    ex07.q1.check(answer)
"""

from numbers import Real

import numpy as np

from cfcourse.exercises import Case, Exercise, Incorrect, Mistake, expect_type

NOTEBOOK = "07_biases.ipynb"


ANA_LASER_HEIST = {"x": 1.4934, "user_bias": -0.0343, "prediction": 4.491}
"""Section 2's pair in the default toy world (notebook 03): Ana and *Laser Heist*, with y_range (0, 5.5).
``x`` is the score inside the sigmoid, u . m + b_u + b_m; tests/test_exercises.py recomputes all three."""


def bias_change_for_five_stars():
    low, high = 0.0, 5.5
    s = (5.0 - low) / (high - low)
    x_for_five = np.log(s / (1 - s))
    return float(x_for_five - ANA_LASER_HEIST["x"])


q1 = Exercise(
    "Generous enough for 5 stars",
    notebook=NOTEBOOK,
    section="2. The full equation, by hand",
    task="Section 2 predicts 4.49 stars for Ana and *Laser Heist*, from the score x = 1.493 inside the "
    "sigmoid (y_range (0, 5.5)). Suppose Ana became a more generous rater: by how much would her user bias "
    "have to grow for this prediction to reach exactly 5 stars, everything else unchanged? Answer with a "
    "number (two decimals are enough).",
    reference=bias_change_for_five_stars,
    answer_type=Real,
    answer_what="a number",
    answer_name="the change of the bias",
    atol=0.01,  # two decimals: 0.81 (the exact change is 0.8092)
    rtol=0.0,
    hint="The bias sits inside the sigmoid, next to the dot product. Which score x gives 5 stars (notebook 06, "
    "section 3)? How far is that from Ana's score now?",
    praise="logit(5 / 5.5) - 1.493 = 2.303 - 1.493 = 0.81: a bias moves the score, and the sigmoid turns "
    "that into stars.",
    mistakes=[
        Mistake("the score for 5 stars", float(np.log(10.0)),
                "that is the score x that gives 5 stars; the bias has to grow by the distance from Ana's x now "
                "to that score"),
        Mistake("the change in stars", 5.0 - ANA_LASER_HEIST["prediction"],
                "that is the change in stars; the bias is added to the score inside the sigmoid, so compute the "
                "change of the score x"),
        Mistake("the new bias", ANA_LASER_HEIST["user_bias"] + float(np.log(10.0)) - ANA_LASER_HEIST["x"],
                "that is Ana's new bias; the question asks how much it grows"),
        Mistake("the wrong sign", float(ANA_LASER_HEIST["x"] - np.log(10.0)),
                "a more generous rater's bias grows: the change is positive"),
    ],
)  # fmt: skip


USER_BIAS = {"Ana": 0.6, "Ben": -0.7, "Cleo": 0.05}
"""Learned user biases of three users of a toy world."""


def harshest_rater():
    return min(USER_BIAS, key=USER_BIAS.get)


GENEROUS = Mistake("the generous rater", "Ana",
                   "Ana's bias is the largest: she is the generous rater, who pushes every score up")
AVERAGE = Mistake("the average rater", "Cleo", "a bias near 0 is an average rater; a harsh rater's bias pulls every score down")
A_NUMBER = Mistake("the bias, not the name", -0.7, "that is a bias; answer with the user's name, a string such as 'Ana'")


def _check_harshest(answer):
    # Hand-written for the rules no value list covers: any number is "a bias, not a name", any
    # capitalisation of a name counts, and any other string is "not one of the users".
    if isinstance(answer, (int, float)) and not isinstance(answer, bool):
        raise Incorrect(A_NUMBER.says)
    expect_type(answer, str, what="a name (a string)")
    name = answer.strip().capitalize()
    if name not in USER_BIAS:
        raise Incorrect(f"{answer!r} is not one of the users {list(USER_BIAS)}")
    for mistake in (GENEROUS, AVERAGE):
        if name == mistake.answer:
            raise Incorrect(mistake.says)
    return "Ben's bias of -0.7 lowers the score of every movie he rates: he is the harsh rater."


q3 = Exercise(
    "Who is the harsh rater?",
    notebook=NOTEBOOK,
    section="5. What the biases capture",
    task="A model learned these user biases: `{'Ana': 0.6, 'Ben': -0.7, 'Cleo': 0.05}`. Which user is "
    "the harshest rater? Replace `____` with the name, as a string.",
    reference=harshest_rater,
    checker=_check_harshest,
    hint="The bias is added to the score of every movie the user rates, before the sigmoid. Which bias "
    "pulls every score down the most?",
    mistakes=[GENEROUS, AVERAGE, A_NUMBER],
)


def genre_bias_gradient(grad_scores, genre, n_genres):
    grad_scores = np.asarray(grad_scores, dtype=float)
    genre = np.asarray(genre)
    return np.array([grad_scores[:, genre == g].sum() for g in range(n_genres)])


_GRAD_SCORES = np.array([[0.1, 0.0, -0.3, 0.2, 0.0], [0.0, 0.4, 0.1, 0.0, -0.2], [-0.2, 0.0, 0.0, 0.5, 0.3]])
"""dL/dZ of 3 users x 5 movies (0 where no rating): each way of summing it gives other numbers."""


def _per_genre(values, genre, n_genres, reduce):
    values, genre = np.asarray(values, dtype=float), np.asarray(genre)
    return np.array([reduce(values[..., genre == g]) if (genre == g).any() else 0.0 for g in range(n_genres)])


q2 = Exercise(
    "A bias per genre",
    notebook=NOTEBOOK,
    section="3. Gradients for the full model",
    task="Suppose the model had one more kind of bias: one number per genre, `genre_bias[g]`, added to the score "
    "Z of every cell whose movie has genre g (each movie has one genre, `genre[j]`, an integer in "
    "0..n_genres-1). Write `genre_bias_gradient(grad_scores, genre, n_genres)`: `grad_scores` is the "
    "(n_users, n_items) table dL/dZ (0 where there is no rating); return dL/d genre_bias, shape (n_genres,).",
    reference=genre_bias_gradient,
    kind="function",
    hint="Which cells of Z does `genre_bias[g]` appear in, and with what slope? The user and movie biases of "
    "section 3 answer the same question for a row and for a column.",
    cases=[Case("genre_bias_gradient(grad_scores, genre=[1, 0, 1, 1, 0], n_genres=2)", _GRAD_SCORES,
                np.array([1, 0, 1, 1, 0]), 2),
           Case("genre_bias_gradient(grad_scores, genre=[2, 0, 2, 1, 0], n_genres=3)", _GRAD_SCORES,
                np.array([2, 0, 2, 1, 0]), 3),
           Case("genre_bias_gradient(grad_scores, genre=[1, 0, 1, 1, 0], n_genres=3), no movie of genre 2",
                _GRAD_SCORES, np.array([1, 0, 1, 1, 0]), 3)],
    praise="a genre's bias sits in every cell of every movie of that genre, so it collects the sum of dL/dZ over "
    "those columns: the movie biases' gradients, added up genre by genre.",
    mistakes=[
        Mistake("one number per movie (the movie bias)", lambda g, genre, n: np.asarray(g).sum(axis=0),
                "one number per movie: that is the movie bias's gradient; a genre's bias is shared by all the "
                "movies of the genre, so add up their columns, genre by genre"),
        Mistake("one number per user (the user bias)", lambda g, genre, n: np.asarray(g).sum(axis=1),
                "one number per user: that is the user bias's gradient; the genre bias is in the columns of the "
                "genre's movies"),
        Mistake("mean instead of sum", lambda g, genre, n: _per_genre(np.asarray(g).sum(axis=0), genre, n, np.mean),
                "that averages over the genre's movies; a bias with slope 1 in many cells collects the plain sum "
                "of dL/dZ over them (the 1/N is already inside dL/dZ)"),
        Mistake("summed everything", lambda g, genre, n: np.asarray(g).sum(),
                "one number for all: that would be a global bias in every cell; each genre's bias gets only "
                "the cells of its own movies"),
        Mistake("counted the movies of each genre", lambda g, genre, n: np.bincount(genre, minlength=n).astype(float),
                "that counts the movies of each genre (the slopes); weight each cell by its dL/dZ, and add those up"),
    ],
)  # fmt: skip
