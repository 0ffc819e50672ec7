"""Exercises of notebooks/07_biases.ipynb: the full equation for one pair, and reading biases.

In the notebook::

    from cfcourse.exercises import ____, ex07

    _U, _M = np.array([0.8, -0.3, 0.5]), np.array([1.0, 0.2, 0.1])


def predict_one(u, m, b_u, b_m, y_range):
        return ____

    ex07.q1.check(predict_one)
"""

import numpy as np

from cfcourse.exercises import Case, Exercise, Incorrect, Mistake, expect_type

NOTEBOOK = "07_biases.ipynb"


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


_U, _M = np.array([0.8, -0.3, 0.5]), np.array([1.0, 0.2, 0.1])


def predict_one(u, m, b_u, b_m, y_range):
    low, high = y_range
    return low + (high - low) / (1 + np.exp(-(u @ m + b_u + b_m)))


q1 = Exercise(
    "The full equation for one pair",
    notebook=NOTEBOOK,
    section="2. The full equation, by hand",
    task="Write `predict_one(u, m, b_u, b_m, y_range)`: `u` and `m` are one user's and one movie's factor "
    "vectors (numpy arrays), `b_u` and `b_m` their biases (numbers), `y_range` a pair `(low, high)`. "
    "Return the predicted rating of the full model.",
    reference=predict_one,
    kind="function",
    hint="Two steps: the score inside the sigmoid (which terms go in it?), then squash the score into "
    "`y_range` as in notebook 06.",
    cases=[Case(f"predict_one(u, m, {b_u}, {b_m}, ({low:g}, {high:g}))", _U, _M, b_u, b_m, (low, high))
           for b_u, b_m, (low, high) in [(0.4, -0.9, (1.0, 5.0)), (-0.6, 1.2, (0.0, 5.5))]],
    praise="dot product, plus both biases, then the scaled sigmoid: the course's full equation.",
    mistakes=[
        Mistake("bias added after the sigmoid",
                lambda u, m, b_u, b_m, y: y[0] + (y[1] - y[0]) * _sigmoid(u @ m) + b_u + b_m,
                "the biases were added after the sigmoid: add them to the dot product, inside the sigmoid, "
                "so the prediction stays in the range"),
        Mistake("forgot the movie bias", lambda u, m, b_u, b_m, y: y[0] + (y[1] - y[0]) * _sigmoid(u @ m + b_u),
                "the movie's bias is missing: both biases go inside the sigmoid"),
        Mistake("forgot the user bias", lambda u, m, b_u, b_m, y: y[0] + (y[1] - y[0]) * _sigmoid(u @ m + b_m),
                "the user's bias is missing: both biases go inside the sigmoid"),
        Mistake("range hard-coded to (0, 5.5)", lambda u, m, b_u, b_m, y: 5.5 * _sigmoid(u @ m + b_u + b_m),
                "the range is hard-coded to (0, 5.5): use the y_range you are given"),
        Mistake("range hard-coded to (0, 5)", lambda u, m, b_u, b_m, y: 5.0 * _sigmoid(u @ m + b_u + b_m),
                "the range is hard-coded to (0, 5): use the y_range you are given"),
        Mistake("forgot the low offset", lambda u, m, b_u, b_m, y: (y[1] - y[0]) * _sigmoid(u @ m + b_u + b_m),
                "the low offset is missing: add low after stretching"),
        Mistake("plain sigmoid", lambda u, m, b_u, b_m, y: _sigmoid(u @ m + b_u + b_m),
                "that is the plain sigmoid: scale it into y_range"),
        Mistake("no sigmoid", lambda u, m, b_u, b_m, y: u @ m + b_u + b_m,
                "that is the score x before the sigmoid: squash it into y_range"),
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


q2 = Exercise(
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


def user_bias_gradient(grad_scores):
    return grad_scores.sum(axis=1)


q3 = Exercise(
    "The gradient of the user biases",
    notebook=NOTEBOOK,
    section="3. Gradients for the full model",
    task="Write `user_bias_gradient(grad_scores)`: `grad_scores` is the (n_users, n_items) table of "
    "dloss/dx, the gradient of the loss with respect to each cell's score (0 where no rating). Return "
    "the gradient with respect to the user biases, shape (n_users,).",
    reference=user_bias_gradient,
    kind="function",
    hint="The user's bias is added to the score of every cell in that user's row, with slope 1.",
    cases=[Case("user_bias_gradient(grad_scores)",
                np.array([[0.1, 0.0, -0.3, 0.2], [0.0, 0.4, 0.1, 0.0], [-0.2, 0.0, 0.0, 0.5]]))],
    praise="each user's bias is in every cell of its row, so its gradient is the row sum of dloss/dx.",
    mistakes=[
        Mistake("summed over users (the item bias)", lambda g: g.sum(axis=0),
                "one number per movie: that is the item bias's gradient; a user's bias touches every cell of "
                "its row, so sum over the movies (axis=1)"),
        Mistake("mean instead of sum", lambda g: g.mean(axis=1),
                "a mean divides by the number of movies again; the bias gets the plain sum of the cells it "
                "touches (the 1/N is already inside dloss/dx)"),
        Mistake("summed everything", lambda g: g.sum(), "that adds up every cell; each user's bias touches only its own row"),
    ],
)
