"""Exercises of notebooks/05_gradient_descent.ipynb: a gradient by hand, and one step downhill.

In the notebook::

    from cfcourse.exercises import ____, ex05

    def grad_item_factors(user_factors, item_factors, ratings, mask):
        return ____

    ex05.q1.check(grad_item_factors)
"""

import numpy as np

from cfcourse.exercises import Exercise, Incorrect, call, expect_close
from cfcourse.gradients import dot_gradients

NOTEBOOK = "05_gradient_descent.ipynb"


def _world(n_users, n_items, n_factors, seed):
    """A small random table: factors, ratings (0 where unwatched) and a mask with about 60% observed."""
    rng = np.random.default_rng(seed)
    user_factors = rng.normal(0, 1, (n_users, n_factors))
    item_factors = rng.normal(0, 1, (n_items, n_factors))
    mask = rng.random((n_users, n_items)) < 0.6
    mask[0, 0] = True  # never empty
    ratings = np.where(mask, rng.integers(1, 11, (n_users, n_items)) / 2, 0.0)
    return user_factors, item_factors, ratings, mask.astype(int)


def grad_item_factors(user_factors, item_factors, ratings, mask):
    errors = mask * (user_factors @ item_factors.T - ratings)
    return 2 / mask.sum() * errors.T @ user_factors


def _check_grad_item_factors(answer):
    # Square first (4 users, 4 movies), so a missing transpose gives wrong numbers rather than a shape error.
    for shape in ((4, 4, 2, 0), (3, 5, 2, 1)):
        user_factors, item_factors, ratings, mask = _world(*shape)
        predictions = user_factors @ item_factors.T
        errors = mask * (predictions - ratings)
        scale = 2 / mask.sum()
        transpose = "the errors have one row per user; a movie's gradient collects over users, so transpose them"
        hints = [(scale * errors @ user_factors, transpose)] if errors.shape[0] == errors.shape[1] else []
        expect_close(
            call(answer, user_factors, item_factors, ratings, mask),
            scale * errors.T @ user_factors,
            name="grad_item_factors(...)",
            hints=hints + [
                (scale * (predictions - ratings).T @ user_factors, "the mask is missing: the unwatched cells "
                                                                   "must add nothing to the gradient"),
                (errors.T @ user_factors, "the factor 2/N is missing: the 2 comes from the square, the N from "
                                          "the mean over the observed ratings"),
                (2 / mask.size * errors.T @ user_factors, "N is the number of observed ratings, mask.sum(), "
                                                          "not the number of cells"),
                (-scale * errors.T @ user_factors, "the sign is flipped: the error is prediction minus rating"),
            ],
            shape_hints={user_factors.shape: "that has one row per user; the gradient of item_factors has "
                                             "its shape, one row per movie: transpose the errors"},
        )  # fmt: skip
    return "each movie's gradient adds up, over the users who rated it, the error times the user's vector."


q1 = Exercise(
    "The gradient of the movie factors",
    notebook=NOTEBOOK,
    section="2. The gradient, derived by hand",
    task="Write `grad_item_factors(user_factors, item_factors, ratings, mask)`: the gradient of the "
    "masked loss with respect to `item_factors`, in matrix form (no loops).",
    reference=grad_item_factors,
    kind="function",
    checker=_check_grad_item_factors,
    hint="With `errors = mask * (predictions - ratings)` it is `2 / N` times the errors, transposed, "
    "times `user_factors`.",
    mistakes=[
        ("missing transpose", lambda u, m, r, k: 2 / k.sum() * (k * (u @ m.T - r)) @ u),
        ("forgot the mask", lambda u, m, r, k: 2 / k.sum() * (u @ m.T - r).T @ u),
        ("forgot the factor 2/N", lambda u, m, r, k: (k * (u @ m.T - r)).T @ u),
        ("divided by all cells", lambda u, m, r, k: 2 / k.size * (k * (u @ m.T - r)).T @ u),
        ("rating minus prediction", lambda u, m, r, k: 2 / k.sum() * (k * (r - u @ m.T)).T @ u),
    ],
)


def descent_step(user_factors, item_factors, ratings, mask, lr):
    loss, grad_user, grad_item = dot_gradients(user_factors, item_factors, ratings, mask)
    return user_factors - lr * grad_user, item_factors - lr * grad_item


def _check_descent_step(answer):
    user_factors, item_factors, ratings, mask = _world(3, 5, 2, 2)
    lr = 0.5
    got = call(answer, user_factors, item_factors, ratings, mask, lr)
    if not (isinstance(got, (tuple, list)) and len(got) == 2):
        raise Incorrect("return the two new matrices, as a pair: (new user_factors, new item_factors)")
    _, grad_user, grad_item = dot_gradients(user_factors, item_factors, ratings, mask)
    for got_one, factors, grad, name in ((got[0], user_factors, grad_user, "the new user_factors"),
                                         (got[1], item_factors, grad_item, "the new item_factors")):  # fmt: skip
        expect_close(
            got_one,
            factors - lr * grad,
            name=name,
            hints=[
                (factors + lr * grad, "adding the gradient climbs uphill; step against it: subtract lr * gradient"),
                (factors - grad, "the step is the gradient times the learning rate lr"),
                (grad, "that is the gradient itself; the step returns the factors moved against it"),
                (-lr * grad, "that is only the change; add it to the old factors"),
            ],
        )
    return "each matrix moves a small step (lr) against its gradient, downhill on the loss."


q2 = Exercise(
    "One step of gradient descent",
    notebook=NOTEBOOK,
    section="4. Gradient descent",
    task="Write `descent_step(user_factors, item_factors, ratings, mask, lr)`: one step of gradient "
    "descent on the masked loss. Use `dot_gradients` and return the pair "
    "`(new_user_factors, new_item_factors)`.",
    reference=descent_step,
    kind="function",
    checker=_check_descent_step,
    hint="`loss, grad_user, grad_item = dot_gradients(...)`; each parameter moves by `- lr * gradient`.",
    mistakes=[
        ("adds the gradient", lambda u, m, r, k, lr: tuple(p + lr * g for p, g in zip((u, m), dot_gradients(u, m, r, k)[1:]))),
        ("forgot the learning rate", lambda u, m, r, k, lr: tuple(p - g for p, g in zip((u, m), dot_gradients(u, m, r, k)[1:]))),
        ("returns the gradients", lambda u, m, r, k, lr: dot_gradients(u, m, r, k)[1:]),
        ("returns only the change", lambda u, m, r, k, lr: tuple(-lr * g for g in dot_gradients(u, m, r, k)[1:])),
        ("returns the loss too", lambda u, m, r, k, lr: dot_gradients(u, m, r, k)),
    ],
)
