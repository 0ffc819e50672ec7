"""Same objective, faster: the trainer behind ``MatrixFactorization.fit``.

``cfcourse.train.fit`` is the loop the notebooks teach (05-08): autograd and
``torch.optim.Adam`` over whole embedding tables. Every step it reads and
writes every row of every table (Adam's moments too), so an epoch costs
steps x table size and grows with the square of the data: fine for
MovieLens' 100k ratings, hours per epoch for ml-25m.

``fit_fast`` minimises the same objective (mean squared error through the
scaled sigmoid plus the row-wise L2 penalty, separate strengths for factors
and biases) with the same Adam and cosine schedule, but touches only the rows
a batch looks up, so an epoch's cost follows the number of ratings:

1. Users and movies share one table of rows ``[factors, bias]`` (movies after
   users), with Adam's two moments beside it. A batch gathers its distinct
   rows once (``torch.unique``), computes the loss and the gradient by hand
   (the course's equation: no autograd graph), adds the penalty's gradient
   ``2 * strength * row / batch`` per lookup, and sums repeated rows.
2. Adam updates those rows only (PyTorch's fused Adam kernel on the gathered
   block), then they are written back.
3. Dense Adam also moves a row on steps where its gradient is zero: its
   moments decay (``m * beta1``, ``v * beta2``) and it keeps drifting by
   ``lr * m / sqrt(v)``. Skipping that ("lazy" Adam, ``torch.optim.SparseAdam``)
   costs accuracy here (test RMSE 0.835 against 0.832). So each row remembers
   the step it was last updated, and when it is next looked up (or at the end
   of an epoch) the skipped steps are applied in one go: the drift is a
   series, ``m / sqrt(v) * sum_d (beta1 / sqrt(beta2)) ** d * c[t0 + d]``
   where ``c[j]`` is step ``j``'s learning rate times its bias corrections;
   its sums are tabulated once per fit (``_drift_table``). That is dense Adam
   up to float rounding and Adam's ``eps`` inside the skipped steps: on the
   benchmark split both reach test RMSE 0.832.

Introduced in notebooks/13_scaling_up_and_out.ipynb (measured in
``benchmarks/scaling.py``).
"""

from __future__ import annotations

import math

import torch

from cfcourse.train import History, _as_triple, predict

__all__ = ["fit_fast"]

BETAS = (0.9, 0.999)
"""Adam's ``(beta1, beta2)``: ``torch.optim.Adam``'s defaults, as in ``cfcourse.train.fit``."""
EPS = 1e-8
"""Adam's ``eps``, as in ``torch.optim.Adam``."""


def _lr(lr: float, schedule: str, step: int, n_steps: int) -> float:
    """Learning rate of 0-based ``step``: constant, or half a cosine from ``lr`` to 0 (as ``train.fit``)."""
    return lr * 0.5 * (1.0 + math.cos(math.pi * step / n_steps)) if schedule == "cosine" else lr


def _drift_table(lr: float, schedule: str, n_steps: int) -> torch.Tensor:
    """``F[t] = sum_{d >= 1} ratio^d * c[t + d]`` for t = 0..n_steps, with ``c[j] = lr_j * sqrt(bc2_j) / bc1_j``.

    ``c[j]`` is what dense Adam multiplies ``m / sqrt(v)`` by at (1-based) step
    ``j``; a row last updated at step ``t0`` and skipped for ``D`` steps drifts
    by ``m / sqrt(v) * (F[t0] - ratio^D * F[t0 + D])`` (float64, backward recursion).
    """
    beta1, beta2 = BETAS
    ratio = beta1 / math.sqrt(beta2)
    c = [0.0] + [_lr(lr, schedule, j - 1, n_steps) * math.sqrt(1 - beta2**j) / (1 - beta1**j) for j in range(1, n_steps + 1)]
    table = [0.0] * (n_steps + 1)
    for t in range(n_steps - 1, -1, -1):
        table[t] = ratio * (c[t + 1] + table[t + 1])
    return torch.tensor(table, dtype=torch.float64)


def _catch_up(weight, m, v, last, step: int, drift: torch.Tensor) -> None:
    """Apply the zero-gradient Adam steps each row skipped since ``last`` (its last update), up to ``step``."""
    beta1, beta2 = BETAS
    gap = step - last
    powers = torch.exp(gap.unsqueeze(1) * torch.tensor([math.log(beta1), math.log(beta2), math.log(beta1 / math.sqrt(beta2))]))
    powers.masked_fill_(powers < 1e-30, 0.0)  # no subnormal floats: arithmetic on them is ~50x slower
    series = drift.index_select(0, last.long()) - powers[:, 2].double() * float(drift[step])
    weight.addcmul_(m / v.sqrt().add_(EPS), series.float().unsqueeze(1), value=-1.0)
    m.mul_(powers[:, 0:1])
    v.mul_(powers[:, 1:2])


@torch.no_grad()
def fit_fast(
    model,
    train,
    *,
    epochs: int = 5,
    lr: float = 0.01,
    batch_size: int = 1024,
    weight_decay: float = 0.1,
    bias_weight_decay: float | None = 0.01,
    lr_schedule: str = "cosine",
    seed: int = 0,
) -> History:
    """Train a ``DotProductBias`` with row-sparse Adam: ``cfcourse.train.fit``'s objective, faster.

    The result matches ``train.fit(model, train, epochs=..., lr=...,
    batch_size=..., weight_decay=..., bias_weight_decay=...,
    lr_schedule=..., seed=..., fused=True)`` up to float rounding and the
    catch-up approximation described in the module docstring (the same
    shuffle of the same seed). An epoch costs time proportional to the number
    of ratings, not to ratings x table size.

    Parameters
    ----------
    model : cfcourse.models.DotProductBias
        Trained in place; needs ``y_range`` (the scaled sigmoid).
    train : (user_idx, item_idx, ratings) triple, (ratings, mask) pair, or DataFrame
        As for ``cfcourse.train.fit``.
    epochs : int, default 5
    lr : float, default 0.01
        Peak learning rate of Adam.
    batch_size : int, default 1024
    weight_decay : float, default 0.1
        Strength of the row-wise L2 penalty on the looked-up factor rows.
    bias_weight_decay : float or None, default 0.01
        Strength on the looked-up biases; ``None`` uses ``weight_decay``.
    lr_schedule : {"cosine", "constant"}, default "cosine"
    seed : int, default 0
        Seeds the per-epoch shuffle.

    Returns
    -------
    cfcourse.train.History
        ``train_loss`` (MSE plus penalty, averaged over the epoch's batches)
        and ``train_rmse`` per epoch; ``valid_rmse`` is NaN.

    Raises
    ------
    TypeError
        If ``model`` has no ``user_bias``/``item_bias`` or no ``y_range``.
    FloatingPointError
        If the loss stops being finite (the learning rate is too high).
    """
    if not all(hasattr(model, name) for name in ("user_factors", "item_factors", "user_bias", "item_bias")):
        raise TypeError(
            f"fit_fast trains a DotProductBias (factors and biases), got {type(model).__name__}; "
            "use cfcourse.train.fit for other models."
        )
    if getattr(model, "y_range", None) is None:
        raise TypeError("fit_fast needs a model with y_range (the scaled sigmoid); use cfcourse.train.fit without one.")
    user_idx, item_idx, ratings = _as_triple(train, "train")
    n = len(ratings)
    if n == 0:
        raise ValueError("train holds no ratings; pass at least one observed rating.")
    if int(epochs) != epochs or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}.")
    if int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
    if not weight_decay >= 0:
        raise ValueError(f"weight_decay must be >= 0, got {weight_decay!r}.")
    if bias_weight_decay is None:
        bias_weight_decay = weight_decay
    if not bias_weight_decay >= 0:
        raise ValueError(f"bias_weight_decay must be >= 0 or None, got {bias_weight_decay!r}.")
    if lr_schedule not in ("constant", "cosine"):
        raise ValueError(f"lr_schedule must be 'constant' or 'cosine', got {lr_schedule!r}.")
    n_users, n_items, k = model.user_factors.weight.shape[0], model.item_factors.weight.shape[0], model.n_factors
    if int(user_idx.max()) >= n_users or int(item_idx.max()) >= n_items or int(min(user_idx.min(), item_idx.min())) < 0:
        raise ValueError(
            f"train has indices outside the model's tables ({n_users} users, {n_items} movies); "
            "encode ids with cfcourse.split.encode and size the model from the same encoding."
        )
    low, high = (float(x) for x in model.y_range)
    span = high - low
    width = k + 1
    # users are rows 0..n_users-1, movies the rows after them; each row is [factors, bias]
    weight = torch.cat(
        [
            torch.cat([model.user_factors.weight, model.user_bias.weight], 1),
            torch.cat([model.item_factors.weight, model.item_bias.weight], 1),
        ]
    ).float()
    tables = (weight, torch.zeros_like(weight), torch.zeros_like(weight))  # the rows, Adam's m and v
    last = torch.zeros(n_users + n_items)  # the step at which each row was last updated
    strength = torch.tensor([float(weight_decay)] * k + [float(bias_weight_decay)])
    beta1, beta2 = BETAS
    n_steps = epochs * math.ceil(n / batch_size)
    step = 0
    step_tensor = torch.zeros(())
    drift = _drift_table(lr, lr_schedule, n_steps)
    generator = torch.Generator().manual_seed(seed)
    history = History()
    for epoch in range(1, epochs + 1):
        perm = torch.randperm(n, generator=generator)
        users, items, targets = user_idx[perm], item_idx[perm] + n_users, ratings[perm]
        total = torch.zeros((), dtype=torch.float64)
        for start in range(0, n, batch_size):
            stop = min(start + batch_size, n)
            size = stop - start
            lr_now = _lr(lr, lr_schedule, step, n_steps)
            step += 1
            rows_idx, lookup = torch.unique(torch.cat([users[start:stop], items[start:stop]]), return_inverse=True)
            w, m, v = (table.index_select(0, rows_idx) for table in tables)
            _catch_up(w, m, v, last.index_select(0, rows_idx), step - 1, drift)
            last.index_fill_(0, rows_idx, float(step))
            looked_up = w.index_select(0, lookup)  # (2 * size, width): the batch's user rows, then its movie rows
            u_rows, i_rows = looked_up[:size], looked_up[size:]
            s = torch.sigmoid((u_rows[:, :k] * i_rows[:, :k]).sum(1) + u_rows[:, k] + i_rows[:, k])
            error = s * span + low - targets[start:stop]
            dlogit = (error * s * (1 - s)).mul_(2 * span / size)  # d mean((pred - r)^2) / d logit
            other = torch.cat([i_rows, u_rows])
            other[:, k] = 1.0  # d logit / d bias
            grad = other.mul_(torch.cat([dlogit, dlogit]).unsqueeze(1))
            penalised = looked_up * strength
            grad.add_(penalised, alpha=2.0 / size)
            total += torch.dot(error, error) + torch.dot(penalised.view(-1), looked_up.view(-1))
            summed = torch.zeros(len(rows_idx), width).index_add_(0, lookup, grad)
            step_tensor.fill_(step)
            torch._fused_adam_(
                [w], [summed], [m], [v], [], [step_tensor], lr=lr_now, beta1=beta1, beta2=beta2,
                weight_decay=0.0, eps=EPS, amsgrad=False, maximize=False,
            )  # fmt: skip
            for table, rows in zip(tables, (w, m, v)):
                table.index_copy_(0, rows_idx, rows)
        loss = float(total) / n
        if not math.isfinite(loss):
            raise FloatingPointError(
                f"the training loss became {loss} in epoch {epoch}: the learning rate lr={lr} is too high "
                "for this data; lower it (e.g. lr / 10)."
            )
        _catch_up(*tables, last, step, drift)  # every row up to date
        last.fill_(float(step))
        _copy_back(model, weight, n_users, k)
        pred = predict(model, user_idx, item_idx).double()
        history.epoch.append(epoch)
        history.train_loss.append(loss)
        history.train_rmse.append(float(torch.sqrt(((pred - ratings.double()) ** 2).mean())))
        history.valid_rmse.append(math.nan)
    return history


def _copy_back(model, weight, n_users: int, k: int) -> None:
    model.user_factors.weight.copy_(weight[:n_users, :k])
    model.user_bias.weight.copy_(weight[:n_users, k:])
    model.item_factors.weight.copy_(weight[n_users:, :k])
    model.item_bias.weight.copy_(weight[n_users:, k:])
