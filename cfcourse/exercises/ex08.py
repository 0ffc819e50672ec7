"""Exercises of notebooks/08_training.ipynb: where the misses are, a user-mean baseline, reading a validation curve.

In the notebook::

    from cfcourse.exercises import ____, ex08

    def mae_per_star(predictions, ratings):
        return ____

    ex08.q1.check(mae_per_star)
"""

import numpy as np
import pandas as pd

from cfcourse.columns import ITEM, RATING, USER
from cfcourse.exercises import Case, Exercise, Incorrect, Mistake, expect_type

NOTEBOOK = "08_training.ipynb"


# Nine validation ratings and a model's predictions: the middle of the scale is predicted well, the ends
# badly (as on MovieLens). Three distinct ratings with 3, 4 and 2 entries, so "the sum" and "the mean" differ.
PREDICTIONS = np.array([2.5, 3.0, 2.0, 3.5, 3.0, 2.5, 3.8, 4.0, 4.5])
RATINGS = np.array([1.0, 1.0, 1.0, 3.0, 3.0, 3.0, 3.0, 5.0, 5.0])


def mae_per_star(predictions, ratings):
    errors = pd.Series(np.abs(predictions - ratings))
    return errors.groupby(ratings).mean()


q1 = Exercise(
    "Where does the model miss?",
    notebook=NOTEBOOK,
    section="2. RMSE and MAE",
    task="One MAE hides where the misses are. Write `mae_per_star(predictions, ratings)` (two numpy arrays of "
    "the same shape): the MAE of the ratings of each star value separately, as a pandas Series indexed by the "
    "star value, lowest first. Try it on `ex08.PREDICTIONS` and `ex08.RATINGS`, then on the global mean's "
    "predictions above: which ratings does a model that predicts the middle miss most?",
    reference=mae_per_star,
    kind="function",
    hint="Put the absolute errors in a pandas Series and group them by the rating each one belongs to.",
    cases=[Case("mae_per_star(ex08.PREDICTIONS, ex08.RATINGS)", PREDICTIONS, RATINGS),
           Case("mae_per_star on two star values", np.array([4.0, 4.5, 2.0]), np.array([5.0, 5.0, 2.0]))],
    praise="the absolute errors grouped by the true rating: the ends of the scale are where a model that "
    "hedges towards the middle misses most.",
    mistakes=[
        Mistake("signed errors", lambda p, r: pd.Series(p - r).groupby(r).mean(),
                "those are the mean signed errors: misses above and below cancel out; take the absolute value first"),
        Mistake("squared errors", lambda p, r: pd.Series((p - r) ** 2).groupby(r).mean(),
                "those are mean squared errors per star value; the MAE averages the absolute errors"),
        Mistake("RMSE per star", lambda p, r: np.sqrt(pd.Series((p - r) ** 2).groupby(r).mean()),
                "that is the RMSE per star value; the MAE averages the absolute errors, without squaring"),
        Mistake("sum, not mean", lambda p, r: pd.Series(np.abs(p - r)).groupby(r).sum(),
                "those are the sums of the absolute errors per star value: divide by how many ratings each has"),
        Mistake("grouped by the prediction", lambda p, r: pd.Series(np.abs(p - r)).groupby(p).mean(),
                "that groups the errors by the predicted value; group them by the true rating"),
        Mistake("one MAE for everything", lambda p, r: np.mean(np.abs(p - r)),
                "that is the MAE of all the ratings together: one number per star value is asked for"),
    ],
)  # fmt: skip


TRAIN = pd.DataFrame({
    USER: [1, 1, 1, 2, 2, 3],
    ITEM: [10, 20, 30, 10, 30, 20],
    RATING: [5.0, 4.0, 4.5, 2.0, 3.0, 1.0],
})  # fmt: skip
"""A tiny training set for exercise 2."""


def user_mean_prediction(train, user_id, movie_id):
    ratings = train.loc[train[USER] == user_id, RATING]
    return ratings.mean() if len(ratings) else train[RATING].mean()


q2 = Exercise(
    "A user-mean prediction",
    notebook=NOTEBOOK,
    section="3. Baselines",
    task="Write `user_mean_prediction(train, user_id, movie_id)`: the user-mean baseline's prediction for "
    "one pair, from a training frame with columns `userId`, `movieId`, `rating`. A user with no "
    "training ratings falls back to the global mean.",
    reference=user_mean_prediction,
    kind="function",
    cases=[Case(f"user_mean_prediction(train, user_id={u}, movie_id={m})", TRAIN, u, m) for u, m in [(2, 10), (1, 30), (3, 10)]]
    + [Case("the prediction for the unknown user 99", TRAIN, 99, 10)],
    praise="each user's own average, and the global mean for a user the training data never saw.",
    hint="Which rows of `train` belong to this user, and what is their mean rating? And what is the best guess "
    "for a user with no rows at all?",
    mistakes=[
        Mistake("the global mean", lambda t, u, m: t[RATING].mean(),
                "that is the global mean of all ratings; the user-mean baseline averages only this user's ratings"),
        Mistake("the movie mean", lambda t, u, m: t.loc[t[ITEM] == m, RATING].mean(),
                "that is the movie's mean rating; the user-mean baseline ignores the movie and averages this "
                "user's ratings"),
        Mistake("no fallback for unknown users", lambda t, u, m: t.loc[t[USER] == u, RATING].mean(),
                "this user has no training ratings, so their mean is NaN: fall back to the global mean"),
        Mistake("the movie mean for unknown users",
                lambda t, u, m: t.loc[t[USER] == u, RATING].mean() if (t[USER] == u).any()
                else t.loc[t[ITEM] == m, RATING].mean(),
                "that is the movie's mean; an unknown user falls back to the global mean"),
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


TRAIN_RMSE = Mistake("the lowest train RMSE", 256,
                     "that is the lowest TRAIN RMSE: training error keeps falling as the model grows; choose by "
                     "the error on ratings the model did not train on")
SMALLEST = Mistake("the smallest model", 4, "4 factors underfit: its validation RMSE is higher than a larger model's; "
                   "choose the value with the lowest validation RMSE")
OVERFITS = Mistake("the largest but one", 64, "64 factors fit the training ratings better but the validation ratings "
                   "worse than a smaller model: it has begun to overfit; choose the lowest validation RMSE")


def _check_best(answer):
    # Hand-written for one rule: any number that was not tried is "not one of the values tried"
    # (the generic checker would answer "should be 16", giving the answer away).
    expect_type(answer, (int, np.integer), name="your answer", what="a whole number of factors")
    if answer not in CURVE["n_factors"].tolist():
        raise Incorrect(f"{answer} is not one of the values tried: {CURVE['n_factors'].tolist()}")
    for mistake in (TRAIN_RMSE, SMALLEST, OVERFITS):
        if answer == mistake.answer:
            raise Incorrect(mistake.says)
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
    mistakes=[TRAIN_RMSE, SMALLEST, OVERFITS],
)
