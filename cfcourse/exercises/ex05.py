"""Exercises of notebooks/05_gradient_descent.ipynb: a gradient with a penalty, derived by hand, and one step downhill.

In the notebook::

    from cfcourse.exercises import ____, ex05

    def penalised_grad_item_factors(user_factors, item_factors, ratings, mask, wd):
        return ____

    ex05.q1.check(penalised_grad_item_factors)
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


def _grad_item(u, m, r, k):
    """The masked loss's gradient in item_factors, the matrix form of section 2."""
    return 2 / k.sum() * (k * (u @ m.T - r)).T @ u


def penalised_grad_item_factors(user_factors, item_factors, ratings, mask, wd):
    errors = mask * (user_factors @ item_factors.T - ratings)
    return 2 / mask.sum() * errors.T @ user_factors + 2 * wd * item_factors


_WORLDS = [_world(4, 4, 2, 4), _world(3, 5, 2, 1)]  # 9 of 16 and 10 of 15 cells observed
"""Square first (4 users, 4 movies), so a penalty on the wrong matrix gives wrong numbers rather than a shape
error; the second world is not square."""
_WDS = [0.3, 0.05]


q1 = Exercise(
    "The gradient with a penalty",
    notebook=NOTEBOOK,
    section="2. The gradient, derived by hand",
    task="Training on MovieLens (section 7) adds a penalty that keeps the factors small. Take the simplest "
    "one: `L = masked MSE + wd * (the sum of the squares of every entry of item_factors)` (and the same for "
    "user_factors). Write `penalised_grad_item_factors(user_factors, item_factors, ratings, mask, wd)`: the "
    "gradient of this `L` with respect to `item_factors`. The masked-MSE part is the matrix form derived above; "
    "the penalty part is new: derive it the way section 2 starts, with the slope of one number.",
    reference=penalised_grad_item_factors,
    kind="function",
    hint="A sum of terms has as slope the sum of their slopes. Each entry `w` of `item_factors` appears in the "
    "penalty once, as `wd * w**2`: what is the slope of that in `w`? Collect the slopes in a matrix of the "
    "shape of `item_factors`.",
    cases=[Case(f"penalised_grad_item_factors(..., wd={wd})", *world, wd) for world, wd in zip(_WORLDS, _WDS)],
    praise="the masked-MSE gradient plus 2 * wd * item_factors: the slope of wd * w**2 is 2 * wd * w, entry by entry.",
    mistakes=[
        Mistake("forgot the penalty", lambda u, m, r, k, wd: _grad_item(u, m, r, k),
                "that is the gradient of the masked MSE alone: the penalty adds its own slope"),
        Mistake("penalty slope without the 2", lambda u, m, r, k, wd: _grad_item(u, m, r, k) + wd * m,
                "the slope of wd * w**2 is 2 * wd * w: the power rule brings down the 2"),
        Mistake("the penalty, not its slope", lambda u, m, r, k, wd: _grad_item(u, m, r, k) + wd * m**2,
                "wd * item_factors**2 is the penalty itself; its slope in each entry w is 2 * wd * w"),
        Mistake("penalty divided by N", lambda u, m, r, k, wd: _grad_item(u, m, r, k) + 2 * wd / k.sum() * m,
                "the penalty is not part of the mean over the ratings, so its slope has no 1/N: 2 * wd * item_factors"),
        Mistake("penalty slope subtracted", lambda u, m, r, k, wd: _grad_item(u, m, r, k) - 2 * wd * m,
                "the penalty grows as the factors grow, so its slope points the same way as the factors: add "
                "2 * wd * item_factors"),
        Mistake("penalty on the user factors", lambda u, m, r, k, wd: _grad_item(u, m, r, k) + 2 * wd * u,
                "the slope in item_factors comes from the penalty on item_factors: 2 * wd * item_factors, one row "
                "per movie"),
        Mistake("only the penalty", lambda u, m, r, k, wd: 2 * wd * m,
                "that is only the penalty's slope: add the gradient of the masked MSE, (2/N) E^T W_u"),
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
    hint="`dot_gradients` gives the two gradients. Which way must each matrix move to make the loss smaller, "
    "and how far?",
    mistakes=DESCENT_MISTAKES,
)
