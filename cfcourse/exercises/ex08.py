"""Exercises of notebooks/08_training.ipynb: MAE, a user-mean baseline, reading a validation curve.

In the notebook::

    from cfcourse.exercises import ____, ex08

    def mae(predictions, ratings):
        return ____

    ex08.q1.check(mae)
"""

import numpy as np
import pandas as pd

from cfcourse.columns import ITEM, RATING, USER
from cfcourse.exercises import Exercise, Incorrect, call, expect_close, expect_type

NOTEBOOK = "08_training.ipynb"


def mae(predictions, ratings):
    return np.mean(np.abs(predictions - ratings))


def _check_mae(answer):
    predictions = np.array([3.5, 4.0, 2.0, 5.0, 1.5])
    ratings = np.array([4.0, 4.0, 3.5, 3.0, 1.0])
    errors = predictions - ratings
    expect_close(
        call(answer, predictions, ratings),
        np.mean(np.abs(errors)),
        name="mae(predictions, ratings)",
        hints=[
            (np.mean(errors), "the absolute value is missing: errors of opposite signs cancel out, "
                              "so a model that is wrong both ways would look perfect"),
            (np.mean(errors**2), "that is the mean squared error; MAE averages the absolute errors, in stars"),
            (np.sqrt(np.mean(errors**2)), "that is the RMSE; MAE averages the absolute errors, without squaring"),
            (np.sum(np.abs(errors)), "that is the sum of the absolute errors: divide by their number"),
        ],
    )  # fmt: skip
    return "the mean of the absolute errors, in stars; every error counts in proportion to its size."


q1 = Exercise(
    "Mean absolute error",
    notebook=NOTEBOOK,
    section="2. RMSE and MAE",
    task="Write `mae(predictions, ratings)` with numpy: the mean absolute error of two arrays of the same shape.",
    reference=mae,
    kind="function",
    checker=_check_mae,
    hint="Take the errors `predictions - ratings`, their absolute values (`np.abs`), then the mean.",
    mistakes=[
        ("forgot the absolute value", lambda p, r: np.mean(p - r)),
        ("squared the errors", lambda p, r: np.mean((p - r) ** 2)),
        ("RMSE instead", lambda p, r: np.sqrt(np.mean((p - r) ** 2))),
    ],
)


TRAIN = pd.DataFrame({
    USER: [1, 1, 1, 2, 2, 3],
    ITEM: [10, 20, 30, 10, 30, 20],
    RATING: [5.0, 4.0, 4.5, 2.0, 3.0, 1.0],
})  # fmt: skip
"""A tiny training set for exercise 2."""


def user_mean_prediction(train, user_id, movie_id):
    ratings = train.loc[train[USER] == user_id, RATING]
    return ratings.mean() if len(ratings) else train[RATING].mean()


def _check_user_mean(answer):
    global_mean = TRAIN[RATING].mean()
    for user_id, movie_id in [(2, 10), (1, 30), (3, 10)]:
        expected = TRAIN.loc[TRAIN[USER] == user_id, RATING].mean()
        movie_mean = TRAIN.loc[TRAIN[ITEM] == movie_id, RATING].mean()
        expect_close(
            call(answer, TRAIN, user_id, movie_id),
            expected,
            name=f"user_mean_prediction(train, user_id={user_id}, movie_id={movie_id})",
            hints=[
                (global_mean, "that is the global mean of all ratings; the user-mean baseline averages "
                              "only this user's ratings"),
                (movie_mean, "that is the movie's mean rating; the user-mean baseline ignores the movie "
                             "and averages this user's ratings"),
            ],
        )  # fmt: skip
    got = call(answer, TRAIN, 99, 10)
    expect_type(got, (int, float, np.floating), name="the prediction for the unknown user 99", what="a number")
    if np.isnan(got):
        raise Incorrect("user 99 has no training ratings, so their mean is NaN: fall back to the global mean")
    expect_close(got, global_mean, name="the prediction for the unknown user 99",
                 hints=[(TRAIN.loc[TRAIN[ITEM] == 10, RATING].mean(),
                         "that is the movie's mean; an unknown user falls back to the global mean")])  # fmt: skip
    return "each user's own average, and the global mean for a user the training data never saw."


q2 = Exercise(
    "A user-mean prediction",
    notebook=NOTEBOOK,
    section="3. Baselines",
    task="Write `user_mean_prediction(train, user_id, movie_id)`: the user-mean baseline's prediction for "
    "one pair, from a training frame with columns `userId`, `movieId`, `rating`. A user with no "
    "training ratings falls back to the global mean.",
    reference=user_mean_prediction,
    kind="function",
    checker=_check_user_mean,
    hint=f"Select the user's rows with `train[{USER!r}] == user_id`, average their `{RATING}`; if there are "
    f"none, use `train[{RATING!r}].mean()`.",
    mistakes=[
        ("the global mean", lambda t, u, m: t[RATING].mean()),
        ("the movie mean", lambda t, u, m: t.loc[t[ITEM] == m, RATING].mean()),
        ("no fallback for unknown users", lambda t, u, m: t.loc[t[USER] == u, RATING].mean()),
    ],
)


CURVE = pd.DataFrame({
    "n_factors": [4, 16, 64, 256],
    "train_rmse": [0.80, 0.71, 0.55, 0.38],
    "valid_rmse": [0.865, 0.851, 0.859, 0.883],
})  # fmt: skip
"""A validation curve for exercise 3: RMSE on the inner training and validation parts."""


def best_n_factors():
    return int(CURVE.loc[CURVE["valid_rmse"].idxmin(), "n_factors"])


def _check_best(answer):
    expect_type(answer, (int, np.integer), name="your answer", what="a whole number of factors")
    if answer not in CURVE["n_factors"].tolist():
        raise Incorrect(f"{answer} is not one of the values tried: {CURVE['n_factors'].tolist()}")
    if answer == CURVE["n_factors"].iloc[CURVE["train_rmse"].argmin()]:
        raise Incorrect("that is the lowest TRAIN RMSE: training error keeps falling as the model grows; "
                        "choose by the error on ratings the model did not train on")  # fmt: skip
    if answer != best_n_factors():
        raise Incorrect("choose the value with the lowest validation RMSE")
    return "16 factors predict held-out ratings best; beyond that the model fits noise in the training ratings."


q3 = Exercise(
    "Choosing n_factors",
    notebook=NOTEBOOK,
    section="7. Choosing n_factors and weight decay",
    task="`ex08.CURVE` is a validation curve: train and validation RMSE for four values of `n_factors`. "
    "Which `n_factors` would you choose? Answer with the number.",
    reference=best_n_factors,
    checker=_check_best,
    hint="Which column tells you how well the model predicts ratings it has not seen?",
    mistakes=[("the lowest train RMSE", 256), ("the smallest model", 4), ("the largest but one", 64)],
)
