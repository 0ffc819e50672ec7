"""The fast trainer behind ``MatrixFactorization``: same objective as ``train.fit``, faster.

``cfcourse.train.fit`` is the loop notebooks/05_gradient_descent.ipynb teaches,
kept exactly as taught. ``fit_fast`` minimises the same kind of objective,
mean squared error plus a row-wise L2 penalty on the looked-up rows, with three
speed-ups a learner does not need to read to understand training:

- **separate strengths** for factors (``weight_decay``) and biases
  (``bias_weight_decay``), whose gradient ``2 * strength * row / batch_size``
  for every looked-up row is added to ``.grad`` directly with ``index_add_``
  instead of through autograd (the same numbers; autograd would make a second
  dense pass over every table, which on a CPU costs about as much as the rest
  of the step);
- PyTorch's **fused Adam** kernel (one kernel for all parameters; results
  differ from plain Adam only by float rounding);
- a **cosine learning-rate schedule**: ``lr * (1 + cos(pi * step / n_steps)) / 2``
  after every step, from ``lr`` towards 0.

The shuffle, the history and the checks are ``train.fit``'s: the same seed
gives the same batches.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from cfcourse.losses import mse
from cfcourse.train import History, _check_fit_args, _check_loss, _end_epoch, _rmse, _warn_if_diverged
from cfcourse.validation import check_one_of, check_real

__all__ = ["fit_fast"]


@torch.no_grad()
def _add_l2_penalty_grad(model: nn.Module, user_idx: Tensor, item_idx: Tensor, factors: float, biases: float) -> float:
    """Add the gradient of the split row-wise penalty to ``.grad`` directly; return the penalty's value.

    The penalty is ``factors * l2_penalty(..., which="factors") + biases *
    l2_penalty(..., which="biases")`` (``cfcourse.train.l2_penalty``); its
    gradient with respect to a looked-up row ``w`` is ``2 * strength * w *
    (times the row occurs in the batch) / batch``, which ``index_add_`` puts in
    place.
    """
    value = 0.0
    for name, module in model.named_children():
        if not isinstance(module, nn.Embedding) or not name.startswith(("user_", "item_")):
            continue
        strength = biases if name.endswith("_bias") else factors
        if not strength:
            continue
        idx = user_idx if name.startswith("user_") else item_idx
        rows = module.weight[idx]
        value += strength * float(rows.pow(2).sum(dim=1).mean())
        if module.weight.grad is None:
            module.weight.grad = torch.zeros_like(module.weight)
        module.weight.grad.index_add_(0, idx, rows, alpha=2.0 * strength / len(idx))
    return value


def fit_fast(
    model: nn.Module,
    train,
    *,
    epochs: int = 5,
    lr: float = 0.01,
    batch_size: int = 1024,
    weight_decay: float = 0.1,
    bias_weight_decay: float = 0.01,
    lr_schedule: str = "cosine",
    seed: int = 0,
) -> History:
    """Train ``model`` with fused Adam, split L2 strengths and a learning-rate schedule.

    Each batch minimises ``mean((prediction - rating) ** 2) + weight_decay *
    l2_penalty(..., which="factors") + bias_weight_decay * l2_penalty(...,
    which="biases")``: ``cfcourse.train.fit``'s objective when both strengths
    are equal, solved faster (see the module docstring).

    Parameters
    ----------
    model : nn.Module with ``user_*`` / ``item_*`` embeddings
        Called as ``model(user_idx, item_idx)``; trained in place.
    train : (user_idx, item_idx, ratings) triple, (ratings, mask) pair, or DataFrame
        As for ``cfcourse.train.fit``.
    epochs : int, default 5
    lr : float, default 0.01
        Peak learning rate of Adam, a finite number > 0.
    batch_size : int, default 1024
    weight_decay : float, default 0.1
        Strength of the penalty on the factor rows, >= 0.
    bias_weight_decay : float, default 0.01
        Strength of the penalty on the bias rows, >= 0.
    lr_schedule : {"cosine", "constant"}, default "cosine"
    seed : int, default 0
        Seeds the per-epoch shuffle.

    Returns
    -------
    History
        ``valid_rmse`` is NaN (no validation data here).

    Raises
    ------
    NonFiniteLossError
        As soon as a batch's loss is NaN or infinite.

    Warns
    -----
    DivergenceWarning
        If the last epoch's training loss is above the first's.
    """
    train, _ = _check_fit_args(
        train, None, epochs=epochs, lr=lr, batch_size=batch_size, weight_decay=weight_decay, seed=seed
    )
    check_real(bias_weight_decay, "bias_weight_decay", low=0, hint="0 turns the bias penalty off")
    check_one_of(lr_schedule, "lr_schedule", ("cosine", "constant"))
    if bias_weight_decay and not any(name.endswith("_bias") for name, _ in model.named_children()):
        raise ValueError(
            f"{type(model).__name__} has no user_bias/item_bias embedding, so bias_weight_decay has nothing "
            "to penalise; pass bias_weight_decay=0."
        )
    opt = torch.optim.Adam(model.parameters(), lr=lr, fused=True)
    n = len(train[2])
    n_steps = epochs * math.ceil(n / batch_size)
    step = 0
    initial_rmse = _rmse(model, train)
    generator = torch.Generator().manual_seed(seed)
    history = History()
    for epoch in range(1, epochs + 1):
        model.train()
        perm = torch.randperm(n, generator=generator)
        total = 0.0
        for start in range(0, n, batch_size):
            batch = perm[start : start + batch_size]
            user_idx, item_idx, ratings = train[0][batch], train[1][batch], train[2][batch]
            loss = mse(model(user_idx, item_idx), ratings)
            if lr_schedule == "cosine":
                for group in opt.param_groups:
                    group["lr"] = lr * 0.5 * (1.0 + math.cos(math.pi * step / n_steps))
            step += 1
            opt.zero_grad(set_to_none=True)
            loss.backward()
            penalty = _add_l2_penalty_grad(model, user_idx, item_idx, weight_decay, bias_weight_decay)
            value = loss.item() + penalty
            _check_loss(value, epoch, start // batch_size + 1, lr)
            opt.step()
            total += value * len(batch)
        _end_epoch(history, model, epoch, total / n, train, None)
    _warn_if_diverged(history, lr, initial_rmse)
    return history
