"""``fit_fast``'s row-sparse epoch as one compiled loop: ``engine="numba"``.

``cfcourse.fast_train`` runs its step as about sixty PyTorch operations per batch
of 1,024 ratings; each one is quick, but together they make an epoch 7-8x the
cost of merely gathering and scattering the rows it touches
(``benchmarks/scaling.py``). Here the same step is written as plain loops over
one batch's ratings and rows, and numba compiles them to machine code, so the
step makes three passes over its rows instead of sixty:

1. each distinct row of the batch is caught up on the steps it skipped
   (``_catch_up_row``: ``fast_train._catch_up``'s formula, row by row) and its
   gradient slot cleared;
2. each rating adds ``d loss / d row`` to its user's and its movie's slots (the
   course's equation, as in ``fast_train._fit_sparse``, penalty included);
3. each distinct row takes one Adam step (``torch.optim.Adam``'s update).

The weights and Adam's two moments of a row sit side by side in one table,
``state[row] = [weights, m, v]`` (shape (rows, 3, width)), so one row is one
place in memory rather than three. Same objective, same batches, same Adam and
catch-up as the PyTorch path: the two agree to float rounding
(``tests/test_fast_train.py``).

numba is optional (the ``fast`` extra: ``pip install -c constraints.txt -e
".[fast]"``); ``cfcourse.fast_train`` imports this module only when
``engine="numba"`` is asked for. The first call in a process compiles the loops
(a few seconds) and caches the result next to this file.

Introduced in notebooks/13_scaling_up_and_out.ipynb (measured in
``benchmarks/scaling.py``).
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = ["catch_up_all", "epoch"]

_JIT = dict(cache=True, error_model="numpy", boundscheck=False, fastmath={"reassoc", "contract", "nsz"})
# error_model="numpy": a division by zero gives inf/NaN as in numpy, instead of a Python check in the
# innermost loops that keeps them from being vectorised (with float32 constants throughout, the 1 M-rating
# loop went from 1.6 s to 0.7 s). fastmath: the dot products' and penalties' float sums may be reordered
# (reassoc) and multiply-adds fused (contract), 20% more; not the flags that assume no NaN or inf, so the
# blow-up check still sees them.


@numba.njit(inline="always")
def _catch_up_row(state, row, last, step, drift, decays, eps):
    """Apply the zero-gradient Adam steps ``row`` skipped since step ``last``, up to ``step`` (in place)."""
    gap = min(step - last, decays.shape[0] - 1)
    series = drift[last] - decays[gap, 2] * drift[step]
    decay_m, decay_v = decays[gap, 0], decays[gap, 1]
    for c in range(state.shape[2]):
        state[row, 0, c] -= state[row, 1, c] / (math.sqrt(state[row, 2, c]) + eps) * series
        state[row, 1, c] *= decay_m
        state[row, 2, c] *= decay_v


@numba.njit(**_JIT)
def catch_up_all(state, last, step, drift, decays, eps):
    """Bring every row up to ``step`` (the end of an epoch); ``last`` is set to ``step``.

    Parameters
    ----------
    state : ndarray of shape (rows, 3, width), float32
        Each row's ``[weights, m, v]``; updated in place.
    last : ndarray of shape (rows,), int64
        The step at which each row was last updated.
    step : int
    drift, decays : ndarray, float32
        ``fast_train._drift_table`` and ``fast_train._decay_table``.
    eps : float32
    """
    for row in range(state.shape[0]):
        if last[row] != step:
            _catch_up_row(state, row, last[row], step, drift, decays, eps)
            last[row] = step


@numba.njit(**_JIT)
def epoch(state, last, users, items, targets, strength, n_factors, span, batch_size, step, drift, decays,
          lrs, beta1, beta2, eps, losses):  # fmt: skip
    """One epoch of row-sparse Adam with catch-up over shuffled ratings (``fast_train._fit_sparse``'s loop).

    Parameters
    ----------
    state : ndarray of shape (rows, 3, width), float32, C-contiguous
        Each row's ``[weights, m, v]``, a row being ``[factors, bias]``
        (``width = n_factors + 1``); users first, movies after them. Updated in place.
    last : ndarray of shape (rows,), int64
        The step at which each row was last updated; updated in place.
    users, items : ndarray of shape (n,), int64
        The ratings' rows in ``state`` (movies already offset by the number of users), in epoch order.
    targets : ndarray of shape (n,), float32
        Rating minus the low end of ``y_range``.
    strength : ndarray of shape (width,), float32
        The penalty's strength for each column (``weight_decay``, then ``bias_weight_decay``).
    n_factors : int
    span : float
        ``y_range``'s width.
    batch_size, step : int
        Ratings per step; steps taken before this epoch.
    drift, decays : ndarray, float32
        ``fast_train._drift_table`` and ``fast_train._decay_table``.
    lrs : ndarray of shape (n_steps,), float64
        The learning rate of every (0-based) step of the fit.
    beta1, beta2, eps : float
        Adam's.
    losses : ndarray of shape (n_batches,), float64
        Filled with each batch's loss (mean squared error plus penalty).

    Returns
    -------
    int
        -1, or the 0-based batch whose loss was NaN or infinite: the loop stops
        there, before that batch's rows are updated.
    """
    n = users.shape[0]
    width = state.shape[2]
    k = n_factors
    one, span32 = np.float32(1.0), np.float32(span)  # float32 throughout: no float64 arithmetic in the loops
    b1, b2, eps32 = np.float32(beta1), np.float32(beta2), np.float32(eps)
    mark = np.zeros(state.shape[0], np.int64)  # the step that last gave a row a slot
    slot = np.zeros(state.shape[0], np.int64)  # a row's place among the batch's distinct rows
    rows = np.empty(2 * batch_size, np.int64)
    grad = np.empty((2 * batch_size, width), np.float32)
    for batch, start in enumerate(range(0, n, batch_size)):
        size = min(batch_size, n - start)
        t = step + 1
        # 1. distinct rows, caught up, gradient slots cleared
        n_rows = 0
        for j in range(2 * size):
            row = users[start + j] if j < size else items[start + j - size]
            if mark[row] != t:
                mark[row], slot[row], rows[n_rows] = t, n_rows, row
                _catch_up_row(state, row, last[row], step, drift, decays, eps32)
                for c in range(width):
                    grad[n_rows, c] = 0.0
                n_rows += 1
        # 2. the loss and its gradient, rating by rating
        loss = 0.0
        dscale = np.float32(2.0 * span / size)  # d mean(error^2) / d prediction, times the sigmoid's span
        pscale = np.float32(2.0 / size)  # d penalty / d row, per unit of strength
        for j in range(size):
            u, i = users[start + j], items[start + j]
            logit = np.float32(0.0)
            for c in range(k):
                logit += state[u, 0, c] * state[i, 0, c]
            logit += state[u, 0, k] + state[i, 0, k]
            s = one / (one + math.exp(-logit))
            error = s * span32 - targets[start + j]  # prediction - rating
            dlogit = s * (one - s) * error * dscale
            loss += error * error
            gu, gi = slot[u], slot[i]
            penalty = np.float32(0.0)
            for c in range(k):  # factors: d logit / d row is the partner's factors
                wu, wi = state[u, 0, c], state[i, 0, c]
                grad[gu, c] += wi * dlogit + pscale * strength[c] * wu
                grad[gi, c] += wu * dlogit + pscale * strength[c] * wi
                penalty += strength[c] * (wu * wu + wi * wi)
            wu, wi = state[u, 0, k], state[i, 0, k]  # biases: d logit / d bias is 1
            grad[gu, k] += dlogit + pscale * strength[k] * wu
            grad[gi, k] += dlogit + pscale * strength[k] * wi
            loss += penalty + strength[k] * (wu * wu + wi * wi)
        loss /= size
        losses[batch] = loss
        if not math.isfinite(loss):
            return batch
        # 3. one Adam step for each distinct row (torch.optim.Adam's update)
        step_size = np.float32(lrs[step] / (1.0 - beta1**t))
        root_bc2 = np.float32(math.sqrt(1.0 - beta2**t))
        for q in range(n_rows):
            row = rows[q]
            for c in range(width):
                g = grad[q, c]
                m = b1 * state[row, 1, c] + (one - b1) * g
                v = b2 * state[row, 2, c] + (one - b2) * g * g
                state[row, 1, c], state[row, 2, c] = m, v
                state[row, 0, c] -= step_size * m / (math.sqrt(v) / root_bc2 + eps32)
            last[row] = t
        step = t
    return -1
