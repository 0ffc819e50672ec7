"""Exercises of notebooks/05_gradient_descent.ipynb: a gradient by hand, and one step downhill.

In the notebook::

    from cfcourse.exercises import ____, ex05

    def grad_item_factors(user_factors, item_factors, ratings, mask):
        return ____

    ex05.q1.check(grad_item_factors)
"""

import numpy as np

from cfcourse.exercises import Case, Exercise, Incorrect, Mistake, call, judge
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


_WORLDS = [_world(4, 4, 2, 4), _world(3, 5, 2, 1)]  # 9 of 16 and 10 of 15 cells observed
"""Square first (4 users, 4 movies), so a missing transpose gives wrong numbers rather than a shape error.
Neither world has exactly half its cells observed: then 1/N would equal 2/cells, and leaving out the 2
would look like dividing by every cell (issue 12)."""


q1 = Exercise(
    "The gradient of the movie factors",
    notebook=NOTEBOOK,
    section="2. The gradient, derived by hand",
    task="Write `grad_item_factors(user_factors, item_factors, ratings, mask)`: the gradient of the "
    "masked loss with respect to `item_factors`, in matrix form (no loops).",
    reference=grad_item_factors,
    kind="function",
    hint="With `errors = mask * (predictions - ratings)` it is `2 / N` times the errors, transposed, "
    "times `user_factors`.",
    cases=[Case("grad_item_factors(...)", *world) for world in _WORLDS],
    praise="each movie's gradient adds up, over the users who rated it, the error times the user's vector.",
    mistakes=[
        Mistake("missing transpose", lambda u, m, r, k: 2 / k.sum() * (k * (u @ m.T - r)) @ u,
                "the errors have one row per user; a movie's gradient collects over users, so transpose them"),
        Mistake("forgot the mask", lambda u, m, r, k: 2 / k.sum() * (u @ m.T - r).T @ u,
                "the mask is missing: the unwatched cells must add nothing to the gradient"),
        Mistake("forgot the factor 2/N", lambda u, m, r, k: (k * (u @ m.T - r)).T @ u,
                "the factor 2/N is missing: the 2 comes from the square, the N from the mean over the "
                "observed ratings"),
        Mistake("forgot the 2", lambda u, m, r, k: 1 / k.sum() * (k * (u @ m.T - r)).T @ u,
                "the factor 2 is missing: the derivative of error**2 is 2 * error"),
        Mistake("forgot the 1/N", lambda u, m, r, k: 2 * (k * (u @ m.T - r)).T @ u,
                "the 1/N is missing: the loss is a mean over the N = mask.sum() observed ratings, and so is "
                "its gradient"),
        Mistake("divided by all cells", lambda u, m, r, k: 2 / k.size * (k * (u @ m.T - r)).T @ u,
                "N is the number of observed ratings, mask.sum(), not the number of cells"),
        Mistake("rating minus prediction", lambda u, m, r, k: 2 / k.sum() * (k * (r - u @ m.T)).T @ u,
                "the sign is flipped: the error is prediction minus rating"),
        Mistake("the gradient of user_factors", lambda u, m, r, k: 2 / k.sum() * (k * (u @ m.T - r)) @ m,
                "that is the gradient of user_factors (one row per user); the gradient of item_factors has "
                "one row per movie: transpose the errors and multiply by user_factors"),
    ],
)  # fmt: skip


def descent_step(user_factors, item_factors, ratings, mask, lr):
    loss, grad_user, grad_item = dot_gradients(user_factors, item_factors, ratings, mask)
    return user_factors - lr * grad_user, item_factors - lr * grad_item


NOT_A_PAIR = "return the two new matrices, as a pair: (new user_factors, new item_factors)"
DESCENT_MISTAKES = [
    Mistake("adds the gradient",
            lambda u, m, r, k, lr: tuple(p + lr * g for p, g in zip((u, m), dot_gradients(u, m, r, k)[1:])),
            "adding the gradient climbs uphill; step against it: subtract lr * gradient"),
    Mistake("forgot the learning rate",
            lambda u, m, r, k, lr: tuple(p - g for p, g in zip((u, m), dot_gradients(u, m, r, k)[1:])),
            "the step is the gradient times the learning rate lr"),
    Mistake("returns the gradients", lambda u, m, r, k, lr: dot_gradients(u, m, r, k)[1:],
            "that is the gradient itself; the step returns the factors moved against it"),
    Mistake("returns only the change", lambda u, m, r, k, lr: tuple(-lr * g for g in dot_gradients(u, m, r, k)[1:]),
            "that is only the change; add it to the old factors"),
    Mistake("returns the loss too", lambda u, m, r, k, lr: dot_gradients(u, m, r, k), NOT_A_PAIR),
]  # fmt: skip


def _check_descent_step(answer):
    # Hand-written because the answer is a pair: each matrix is judged on its own, with the hints each
    # mistake record gives for that matrix; a return value that is not a pair gets NOT_A_PAIR.
    args = (*_world(3, 5, 2, 2), 0.5)
    got = call(answer, *args)
    if not (isinstance(got, (tuple, list)) and len(got) == 2):
        raise Incorrect(f"descent_step(...) returned {_kind(got)}: {NOT_A_PAIR}")
    expected = descent_step(*args)
    for k, name in enumerate(("the new user_factors", "the new item_factors")):
        element_mistakes = [Mistake(m.description, m.answer(*args)[k], m.says) for m in DESCENT_MISTAKES
                            if m.says != NOT_A_PAIR]  # fmt: skip
        judge(got[k], lambda k=k: expected[k], element_mistakes, name=name)
    return "each matrix moves a small step (lr) against its gradient, downhill on the loss."


def _kind(value):
    return f"{len(value)} values" if isinstance(value, (tuple, list)) else type(value).__name__


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
    mistakes=DESCENT_MISTAKES,
)
