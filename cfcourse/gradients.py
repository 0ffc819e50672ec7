"""Hand-derived gradients of the masked loss, and gradient descent with them.

Introduced in notebooks/05_gradient_descent.ipynb (the dot model), extended in
notebooks/06_sigmoid_range.ipynb (sigmoid scaling) and notebooks/07_biases.ipynb
(biases). Everything here is plain numpy, so every step of the chain rule is
visible; the notebooks check it against finite differences
(``numerical_gradient``) and against torch autograd.

All three models share the last step. With ``E = mask * (predictions - ratings)``
and ``N = mask.sum()`` the number of observed ratings,

    loss = sum(E ** 2) / N            so  d loss / d predictions = 2 * E / N.

Each ``*_gradients`` function then follows the chain rule back to the parameters.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from .losses import masked_mse
from .matmul import predict_table
from .validation import check_y_range


def sigmoid(x: ArrayLike) -> np.ndarray:
    """The logistic function ``1 / (1 + exp(-x))``, squashing any number into (0, 1).

    Introduced in notebooks/06_sigmoid_range.ipynb. Its derivative is
    ``sigmoid(x) * (1 - sigmoid(x))``. For negative ``x`` we use the equal
    ``exp(x) / (1 + exp(x))``, so ``exp`` only ever sees ``-|x|`` and never
    overflows.

    Parameters
    ----------
    x : float or ndarray

    Returns
    -------
    ndarray of float64, same shape as ``x`` (0-d for a number), values in [0, 1]
    """
    x = np.asarray(x, dtype=float)
    e = np.exp(-np.abs(x))  # in (0, 1]: no overflow
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_range(x, low: float, high: float):
    """Squash ``x`` into ``(low, high)``: ``low + (high - low) * sigmoid(x)``.

    Introduced in notebooks/06_sigmoid_range.ipynb: the one home of the scaled
    sigmoid. A torch tensor goes through ``torch.sigmoid`` (so the models keep
    their gradients; ``cfcourse.models.sigmoid_range`` is this function);
    anything else through the numpy ``sigmoid`` above.

    Parameters
    ----------
    x : float, ndarray or Tensor
    low, high : float
        The range, e.g. ``(0, 5.5)`` so that a prediction can reach 5 stars;
        ``low < high``.

    Returns
    -------
    ndarray of float64 (or a Tensor of ``x``'s dtype), same shape as ``x``

    Examples
    --------
    >>> sigmoid_range(np.array([-100.0, 0.0, 100.0]), 0.0, 5.5)
    array([0.  , 2.75, 5.5 ])
    """
    low, high = check_y_range((low, high))
    if type(x).__module__.startswith("torch"):
        return low + (high - low) * x.sigmoid()
    return low + (high - low) * sigmoid(x)


def x_needed(y: ArrayLike, low: float, high: float) -> np.ndarray:
    """The score ``x`` at which ``sigmoid_range(x, low, high)`` equals ``y``: the logit, undone sigmoid.

    Introduced in notebooks/06_sigmoid_range.ipynb: with ``s = (y - low) / (high - low)``,
    ``x = log(s / (1 - s))``. Notebook 10's linear fold-in and ``cfcourse.explain``
    turn ratings into the scores the model must reach with it.

    Parameters
    ----------
    y : float or array-like
        Values strictly inside ``(low, high)`` (the ends need an infinite score).
    low, high : float

    Returns
    -------
    ndarray of float64, same shape as ``y``

    Examples
    --------
    >>> x_needed(np.array([2.75, 5.0]), 0.0, 5.5).round(2)
    array([0.  , 2.3 ])
    """
    low, high = check_y_range((low, high))
    y = np.asarray(y, dtype=np.float64)
    if not np.all((y > low) & (y < high)):
        raise ValueError(f"every value must lie strictly inside ({low:g}, {high:g}), got {y[~((y > low) & (y < high))][:5]}"
                         f"; the sigmoid reaches its ends only at infinity, so widen the range (e.g. y_range).")  # fmt: skip
    share = (y - low) / (high - low)
    return np.log(share / (1.0 - share))


def predict_pairs(user_factors, item_factors, user_bias=0.0, item_bias=0.0, y_range=None) -> np.ndarray:
    """The course equation in numpy, for rows already looked up.

    ``sigmoid_range(user_factors . item_factors + user_bias + item_bias, *y_range)``
    row by row: the numpy twin of ``cfcourse.models.DotProductBias.forward``
    (notebooks/07_biases.ipynb), used by the toy world, by
    ``MatrixFactorization`` to score every movie for a user, and by fold-in.

    Parameters
    ----------
    user_factors : ndarray of shape (n, n_factors), or (n_factors,) for one user against many movies
    item_factors : ndarray of shape (n, n_factors)
    user_bias, item_bias : float or ndarray of shape (n,), default 0.0
    y_range : (float, float) or None, default None
        ``None`` returns the raw score (no sigmoid).

    Returns
    -------
    ndarray of shape (n,), float64
    """
    user_factors, item_factors = np.asarray(user_factors, dtype=float), np.asarray(item_factors, dtype=float)
    if user_factors.ndim == 1:  # one user against many movies: a matrix-vector product
        dot = item_factors @ user_factors
    else:
        dot = np.einsum("nk,nk->n", user_factors, item_factors)
    logits = dot + user_bias + item_bias
    return logits if y_range is None else sigmoid_range(logits, *y_range)


def sigmoid_range_derivative(x: ArrayLike, low: float, high: float) -> np.ndarray:
    """The slope of ``sigmoid_range`` at ``x``: ``(high - low) * sigmoid(x) * (1 - sigmoid(x))``.

    Introduced in notebooks/06_sigmoid_range.ipynb. It is the one factor the
    chain rule adds to the gradients when predictions pass through the scaled
    sigmoid (see ``sigmoid_gradients``). It is largest, ``(high - low) / 4``, at
    ``x = 0`` and tends to 0 as ``x`` grows: a saturated sigmoid barely learns.

    Parameters
    ----------
    x : float or ndarray
    low, high : float
        The range, ``low < high``.

    Returns
    -------
    ndarray of float64, same shape as ``x`` (0-d for a number), values in (0, (high - low) / 4]
    """
    low, high = check_y_range((low, high))
    squashed = sigmoid(x)
    return (high - low) * squashed * (1 - squashed)


def numerical_gradient(f: Callable[[np.ndarray], float], x: ArrayLike, eps: float = 1e-6) -> np.ndarray:
    """Gradient of ``f`` at ``x`` by central differences, one entry at a time.

    Introduced in notebooks/05_gradient_descent.ipynb::

        grad[i] = (f(x + eps * e_i) - f(x - eps * e_i)) / (2 * eps)

    Slow (two calls of ``f`` per entry) but needs no calculus: use it to check
    a hand-derived gradient on a small problem.

    Parameters
    ----------
    f : callable
        Takes an array shaped like ``x``, returns a scalar.
    x : ndarray of float
        Where to take the gradient. Not modified: ``f`` is called on a float64 copy.
    eps : float, default 1e-6

    Returns
    -------
    grad : ndarray of float64, same shape as ``x``
    """
    x = np.array(x, dtype=np.float64)  # a copy: the caller's array is never touched
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        f_plus = float(f(x))
        x[i] = old - eps
        f_minus = float(f(x))
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def _loss_and_grad(predictions, ratings, mask):
    """``masked_mse`` (with its input checks) and its gradient ``2 * E / N`` w.r.t. predictions."""
    ratings = np.asarray(ratings, dtype=float)
    if ratings.shape != predictions.shape:
        raise ValueError(
            f"ratings has shape {ratings.shape} but the factors give a {predictions.shape} table "
            f"(n_users, n_items); user_factors needs one row per user, item_factors one per movie."
        )
    loss = float(masked_mse(predictions, ratings, mask))
    mask = np.asarray(mask) != 0
    errors = np.where(mask, predictions - np.where(mask, ratings, 0), 0)  # E; 0 where unobserved
    return loss, 2 * errors / mask.sum()


def dot_gradients(
    user_factors: ArrayLike, item_factors: ArrayLike, ratings: ArrayLike, mask: ArrayLike
) -> tuple[float, np.ndarray, np.ndarray]:
    """Masked MSE of the dot model and its gradients, derived by hand.

    Introduced in notebooks/05_gradient_descent.ipynb. With ``U = user_factors``,
    ``M = item_factors``, predictions ``P = U @ M.T`` and ``G = dloss/dP = 2 E / N``
    (see the module docstring)::

        dloss/dU = G @ M        dloss/dM = G.T @ U

    Parameters
    ----------
    user_factors : ndarray of shape (n_users, n_factors)
    item_factors : ndarray of shape (n_items, n_factors)
    ratings : ndarray of shape (n_users, n_items)
    mask : ndarray of shape (n_users, n_items), bool or 0/1

    Returns
    -------
    loss : float
        The mean squared error over observed entries.
    grad_user_factors : ndarray of shape (n_users, n_factors)
    grad_item_factors : ndarray of shape (n_items, n_factors)
    """
    user_factors = np.asarray(user_factors, dtype=float)
    item_factors = np.asarray(item_factors, dtype=float)
    predictions = predict_table(user_factors, item_factors)
    loss, grad_predictions = _loss_and_grad(predictions, ratings, mask)
    return loss, grad_predictions @ item_factors, grad_predictions.T @ user_factors


def sigmoid_gradients(
    user_factors: ArrayLike,
    item_factors: ArrayLike,
    ratings: ArrayLike,
    mask: ArrayLike,
    y_range: tuple[float, float] = (0, 5.5),
) -> tuple[float, np.ndarray, np.ndarray]:
    """Masked MSE of the sigmoid model and its gradients, derived by hand.

    Introduced in notebooks/06_sigmoid_range.ipynb. With ``Z = U @ M.T``,
    ``S = sigmoid(Z)`` and predictions ``P = low + (high - low) * S``, the chain
    rule adds one factor, the slope of the squashing::

        dloss/dZ = G * (high - low) * S * (1 - S)
        dloss/dU = dloss/dZ @ M        dloss/dM = (dloss/dZ).T @ U

    Parameters
    ----------
    user_factors, item_factors, ratings, mask
        As in ``dot_gradients``.
    y_range : (float, float), default (0, 5.5)
        ``(low, high)``: every prediction lies strictly inside it.

    Returns
    -------
    loss : float
    grad_user_factors : ndarray of shape (n_users, n_factors)
    grad_item_factors : ndarray of shape (n_items, n_factors)
    """
    low, high = check_y_range(y_range)
    user_factors = np.asarray(user_factors, dtype=float)
    item_factors = np.asarray(item_factors, dtype=float)
    squashed = sigmoid(predict_table(user_factors, item_factors))
    predictions = low + (high - low) * squashed
    loss, grad_predictions = _loss_and_grad(predictions, ratings, mask)
    grad_scores = grad_predictions * (high - low) * squashed * (1 - squashed)
    return loss, grad_scores @ item_factors, grad_scores.T @ user_factors


def bias_gradients(
    user_factors: ArrayLike,
    item_factors: ArrayLike,
    user_bias: ArrayLike,
    item_bias: ArrayLike,
    ratings: ArrayLike,
    mask: ArrayLike,
    y_range: tuple[float, float] = (0, 5.5),
) -> tuple[float, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Masked MSE of the full model (factors, biases, sigmoid) and its gradients.

    Introduced in notebooks/07_biases.ipynb. With
    ``Z[u, i] = U[u] . M[i] + user_bias[u] + item_bias[i]`` and ``dloss/dZ`` as in
    ``sigmoid_gradients``, each bias collects the gradient of every cell it touches::

        dloss/dU = dloss/dZ @ M               dloss/dM = (dloss/dZ).T @ U
        dloss/duser_bias = dloss/dZ summed over movies (axis 1)
        dloss/ditem_bias = dloss/dZ summed over users (axis 0)

    Parameters
    ----------
    user_factors, item_factors, ratings, mask
        As in ``dot_gradients``.
    user_bias : ndarray of shape (n_users,)
    item_bias : ndarray of shape (n_items,)
    y_range : (float, float), default (0, 5.5)

    Returns
    -------
    loss : float
    grad_user_factors : ndarray of shape (n_users, n_factors)
    grad_item_factors : ndarray of shape (n_items, n_factors)
    grad_user_bias : ndarray of shape (n_users,)
    grad_item_bias : ndarray of shape (n_items,)
    """
    low, high = check_y_range(y_range)
    user_factors = np.asarray(user_factors, dtype=float)
    item_factors = np.asarray(item_factors, dtype=float)
    user_bias = np.asarray(user_bias, dtype=float)
    item_bias = np.asarray(item_bias, dtype=float)
    for name, bias, n in [("user_bias", user_bias, len(user_factors)), ("item_bias", item_bias, len(item_factors))]:
        if bias.shape != (n,):
            raise ValueError(f"{name} must have shape ({n},), one number per row of the factors; got {bias.shape}.")
    scores = predict_table(user_factors, item_factors) + user_bias[:, None] + item_bias[None, :]
    squashed = sigmoid(scores)
    predictions = low + (high - low) * squashed
    loss, grad_predictions = _loss_and_grad(predictions, ratings, mask)
    grad_scores = grad_predictions * (high - low) * squashed * (1 - squashed)
    return (
        loss,
        grad_scores @ item_factors,
        grad_scores.T @ user_factors,
        grad_scores.sum(axis=1),
        grad_scores.sum(axis=0),
    )


@dataclass
class DescentResult:
    """What ``gradient_descent`` learned, and how the loss went down.

    Attributes
    ----------
    model : str
        ``"dot"``, ``"sigmoid"`` or ``"bias"``.
    user_factors : ndarray of shape (n_users, n_factors)
    item_factors : ndarray of shape (n_items, n_factors)
    user_bias : ndarray of shape (n_users,), or None unless ``model="bias"``
    item_bias : ndarray of shape (n_items,), or None unless ``model="bias"``
    losses : ndarray of shape (steps + 1,)
        ``losses[t]`` is the masked MSE after ``t`` steps (``losses[0]``: at the random start).
    predictions : ndarray of shape (n_users, n_items)
        The predicted table at the end.
    snapshots : dict of int to ndarray of shape (n_users, n_items)
        The predicted table at step 0, every ``record_every`` steps and at the
        end; empty when ``record_every`` is None.
    """

    model: str
    user_factors: np.ndarray
    item_factors: np.ndarray
    user_bias: np.ndarray | None
    item_bias: np.ndarray | None
    losses: np.ndarray
    predictions: np.ndarray
    snapshots: dict[int, np.ndarray] = field(default_factory=dict)


def _predict(params, model: str, y_range):
    """The predicted table of one of the three models (the forward pass)."""
    scores = predict_table(params[0], params[1])
    if model == "dot":
        return scores
    if model == "bias":
        scores = scores + params[2][:, None] + params[3][None, :]
    return sigmoid_range(scores, *y_range)


def gradient_descent(
    ratings: ArrayLike,
    mask: ArrayLike,
    n_factors: int,
    *,
    lr: float,
    steps: int,
    seed: int,
    model: str = "dot",
    y_range: tuple[float, float] = (0, 5.5),
    init_std: float = 0.1,
    record_every: int | None = None,
) -> DescentResult:
    """Full-batch gradient descent on the masked MSE, with the hand-derived gradients.

    Introduced in notebooks/05_gradient_descent.ipynb. Starts from small random
    factors (biases at 0) and repeats ``steps`` times::

        parameter = parameter - lr * gradient

    Parameters
    ----------
    ratings : ndarray of shape (n_users, n_items)
    mask : ndarray of shape (n_users, n_items), bool or 0/1
    n_factors : int
        Length of each user and movie vector.
    lr : float
        Learning rate. The loss is a mean over all observed ratings, so each
        user's gradient shrinks as users are added: a toy table of about 10 x 10
        wants lr around 1; too large and the loss oscillates or blows up.
    steps : int
        Number of updates.
    seed : int
        Seed of the random start (same seed, same result).
    model : {"dot", "sigmoid", "bias"}, default "dot"
        Which gradients to use: ``dot_gradients``, ``sigmoid_gradients`` or
        ``bias_gradients``.
    y_range : (float, float), default (0, 5.5)
        Prediction range of the "sigmoid" and "bias" models (unused by "dot").
    init_std : float, default 0.1
        Standard deviation of the normal random start of the factors.
    record_every : int or None, default None
        If set, keep the predicted table every ``record_every`` steps (plus the
        first and the last) in ``result.snapshots``, for small-multiples plots.

    Returns
    -------
    DescentResult
        Learned parameters, ``losses`` of shape (steps + 1,), final ``predictions``, ``snapshots``.

    Raises
    ------
    ValueError
        On an unknown ``model``, a non-positive ``lr``, ``n_factors`` or
        ``record_every``, negative ``steps``, or when the loss blows up
        (``lr`` too large).
    """
    gradient_functions = {"dot": dot_gradients, "sigmoid": sigmoid_gradients, "bias": bias_gradients}
    if model not in gradient_functions:
        raise ValueError(f"model must be one of {list(gradient_functions)}; got {model!r}.")
    if lr <= 0 or n_factors < 1 or steps < 0 or (record_every is not None and record_every < 1):
        raise ValueError(
            f"need lr > 0, n_factors >= 1, steps >= 0 and record_every >= 1 (or None); got "
            f"lr={lr}, n_factors={n_factors}, steps={steps}, record_every={record_every}."
        )
    ratings = np.asarray(ratings, dtype=float)
    if ratings.ndim != 2:
        raise ValueError(f"ratings must be a (n_users, n_items) table; got shape {ratings.shape}.")
    n_users, n_items = ratings.shape
    rng = np.random.default_rng(seed)
    params = [rng.normal(0, init_std, (n_users, n_factors)), rng.normal(0, init_std, (n_items, n_factors))]
    if model == "bias":
        params += [np.zeros(n_users), np.zeros(n_items)]
    extra = {} if model == "dot" else {"y_range": check_y_range(y_range)}

    losses, snapshots = [], {}
    for step in range(steps + 1):
        if record_every is not None and (step % record_every == 0 or step == steps):
            snapshots[step] = _predict(params, model, y_range)
        loss, *grads = gradient_functions[model](*params, ratings, mask, **extra)
        if not np.isfinite(loss):
            raise ValueError(f"the loss became {loss} at step {step}: lr={lr} is too large; try lr={lr / 10:g}.")
        losses.append(loss)
        if step < steps:  # the last pass only measures the loss
            params = [p - lr * g for p, g in zip(params, grads)]

    user_bias, item_bias = (params[2], params[3]) if model == "bias" else (None, None)
    return DescentResult(
        model=model,
        user_factors=params[0],
        item_factors=params[1],
        user_bias=user_bias,
        item_bias=item_bias,
        losses=np.array(losses),
        predictions=_predict(params, model, y_range),
        snapshots=snapshots,
    )
