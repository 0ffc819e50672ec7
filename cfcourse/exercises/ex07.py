"""Exercises of notebooks/07_biases.ipynb: the full equation for one pair, and reading biases.

In the notebook::

    from cfcourse.exercises import ____, ex07

    def predict_one(u, m, b_u, b_m, y_range):
        return ____

    ex07.q1.check(predict_one)
"""

import numpy as np

from cfcourse.exercises import Exercise, Incorrect, call, expect_close, expect_type

NOTEBOOK = "07_biases.ipynb"


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def predict_one(u, m, b_u, b_m, y_range):
    low, high = y_range
    return low + (high - low) / (1 + np.exp(-(u @ m + b_u + b_m)))


def _check_predict_one(answer):
    u, m = np.array([0.8, -0.3, 0.5]), np.array([1.0, 0.2, 0.1])
    for b_u, b_m, (low, high) in [(0.4, -0.9, (1.0, 5.0)), (-0.6, 1.2, (0.0, 5.5))]:
        dot = u @ m
        width = high - low
        expect_close(
            call(answer, u, m, b_u, b_m, (low, high)),
            low + width * _sigmoid(dot + b_u + b_m),
            name=f"predict_one(u, m, {b_u}, {b_m}, ({low:g}, {high:g}))",
            hints=[
                (low + width * _sigmoid(dot) + b_u + b_m,
                 "the biases were added after the sigmoid: add them to the dot product, inside the sigmoid, "
                 "so the prediction stays in the range"),
                (low + width * _sigmoid(dot + b_u), "the movie's bias is missing: both biases go inside the sigmoid"),
                (low + width * _sigmoid(dot + b_m), "the user's bias is missing: both biases go inside the sigmoid"),
                (5.5 * _sigmoid(dot + b_u + b_m), "the range is hard-coded to (0, 5.5): use the y_range you are given"),
                (5.0 * _sigmoid(dot + b_u + b_m), "the range is hard-coded to (0, 5): use the y_range you are given"),
                (width * _sigmoid(dot + b_u + b_m), "the low offset is missing: add low after stretching"),
                (_sigmoid(dot + b_u + b_m), "that is the plain sigmoid: scale it into y_range"),
                (dot + b_u + b_m, "that is the score x before the sigmoid: squash it into y_range"),
            ],
        )  # fmt: skip
    return "dot product, plus both biases, then the scaled sigmoid: the course's full equation."


q1 = Exercise(
    "The full equation for one pair",
    notebook=NOTEBOOK,
    section="2. The full equation, by hand",
    task="Write `predict_one(u, m, b_u, b_m, y_range)`: `u` and `m` are one user's and one movie's factor "
    "vectors (numpy arrays), `b_u` and `b_m` their biases (numbers), `y_range` a pair `(low, high)`. "
    "Return the predicted rating of the full model.",
    reference=predict_one,
    kind="function",
    checker=_check_predict_one,
    hint="First the score `x = u @ m + b_u + b_m`, then `low + (high - low) * sigmoid(x)`.",
    mistakes=[
        ("bias added after the sigmoid",
         lambda u, m, b_u, b_m, y: y[0] + (y[1] - y[0]) * _sigmoid(u @ m) + b_u + b_m),
        ("forgot the movie bias", lambda u, m, b_u, b_m, y: y[0] + (y[1] - y[0]) * _sigmoid(u @ m + b_u)),
        ("forgot the user bias", lambda u, m, b_u, b_m, y: y[0] + (y[1] - y[0]) * _sigmoid(u @ m + b_m)),
        ("range hard-coded to (0, 5.5)", lambda u, m, b_u, b_m, y: 5.5 * _sigmoid(u @ m + b_u + b_m)),
        ("no sigmoid", lambda u, m, b_u, b_m, y: u @ m + b_u + b_m),
    ],
)  # fmt: skip


USER_BIAS = {"Ana": 0.6, "Ben": -0.7, "Cleo": 0.05}
"""Learned user biases of three users of a toy world."""


def harshest_rater():
    return min(USER_BIAS, key=USER_BIAS.get)


def _check_harshest(answer):
    if isinstance(answer, (int, float)) and not isinstance(answer, bool):
        raise Incorrect("that is a bias; answer with the user's name, a string such as 'Ana'")
    expect_type(answer, str, what="a name (a string)")
    name = answer.strip().capitalize()
    if name not in USER_BIAS:
        raise Incorrect(f"{answer!r} is not one of the users {list(USER_BIAS)}")
    if name == "Ana":
        raise Incorrect("Ana's bias is the largest: she is the generous rater, who pushes every score up")
    if name == "Cleo":
        raise Incorrect("a bias near 0 is an average rater; a harsh rater's bias pulls every score down")
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
    mistakes=[("the generous rater", "Ana"), ("the average rater", "Cleo"), ("the bias, not the name", -0.7)],
)


def user_bias_gradient(grad_scores):
    return grad_scores.sum(axis=1)


def _check_bias_gradient(answer):
    grad_scores = np.array([[0.1, 0.0, -0.3, 0.2], [0.0, 0.4, 0.1, 0.0], [-0.2, 0.0, 0.0, 0.5]])
    expect_close(
        call(answer, grad_scores),
        grad_scores.sum(axis=1),
        name="user_bias_gradient(grad_scores)",
        hints=[
            (grad_scores.mean(axis=1), "a mean divides by the number of movies again; the bias gets the plain "
                                       "sum of the cells it touches (the 1/N is already inside dloss/dx)"),
            (grad_scores.sum(), "that adds up every cell; each user's bias touches only its own row"),
        ],
        shape_hints={(4,): "one number per movie: that is the item bias's gradient; a user's bias touches "
                           "every cell of its row, so sum over the movies (axis=1)"},
    )  # fmt: skip
    return "each user's bias is in every cell of its row, so its gradient is the row sum of dloss/dx."


q3 = Exercise(
    "The gradient of the user biases",
    notebook=NOTEBOOK,
    section="3. Gradients for the full model",
    task="Write `user_bias_gradient(grad_scores)`: `grad_scores` is the (n_users, n_items) table of "
    "dloss/dx, the gradient of the loss with respect to each cell's score (0 where no rating). Return "
    "the gradient with respect to the user biases, shape (n_users,).",
    reference=user_bias_gradient,
    kind="function",
    checker=_check_bias_gradient,
    hint="The user's bias is added to the score of every cell in that user's row, with slope 1.",
    mistakes=[
        ("summed over users (the item bias)", lambda g: g.sum(axis=0)),
        ("mean instead of sum", lambda g: g.mean(axis=1)),
        ("summed everything", lambda g: g.sum()),
    ],
)
