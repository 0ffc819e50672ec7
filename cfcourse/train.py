"""Train a model on observed ratings: mini-batches, a seeded shuffle, a history.

Introduced in notebooks/05_gradient_descent.ipynb (after the hand-written
gradient-descent loop, this is the loop the later notebooks import).

Built for speed on a CPU: there is no ``DataLoader``. All ratings stay in three
tensors ``(user_idx, item_idx, ratings)``; each epoch draws one permutation
from a ``torch.Generator`` seeded with ``seed`` and slices it into batches, so
a run is reproducible given ``seed`` (and the model's own seeded init).

Training data can be given in three shapes:

- long format: a triple ``(user_idx, item_idx, ratings)`` of 1-D arrays or
  tensors, one entry per observed rating;
- a frame with columns ``user_idx``, ``item_idx``, ``rating`` (a part of
  ``cfcourse.split.train_valid_split``);
- a dense toy table: a pair ``(ratings, mask)`` of 2-D arrays of shape
  ``(n_users, n_items)``; the observed entries (``mask == 1``) become long rows
  in row-major order (``cfcourse.losses.to_long``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from torch import Tensor, nn
from tqdm import tqdm

from cfcourse.losses import mse, to_long
from cfcourse.split import frame_to_tensors

__all__ = ["History", "fit", "predict", "l2_penalty"]

Triple = tuple[Tensor, Tensor, Tensor]


def _as_triple(data, name: str) -> Triple:
    if isinstance(data, pd.DataFrame):
        return frame_to_tensors(data)
    if isinstance(data, (tuple, list)) and len(data) == 2:
        data = to_long(*data)  # a dense (ratings, mask) table: its observed cells, row-major
    if isinstance(data, (tuple, list)) and len(data) == 3:
        user_idx, item_idx, ratings = (x.detach() if isinstance(x, Tensor) else torch.as_tensor(np.asarray(x)) for x in data)
        if not (user_idx.ndim == item_idx.ndim == ratings.ndim == 1):
            raise ValueError(
                f"{name} as (user_idx, item_idx, ratings) needs three 1-D arrays, got shapes "
                f"{tuple(user_idx.shape)}, {tuple(item_idx.shape)}, {tuple(ratings.shape)}; "
                f"for a dense table pass {name}=(ratings, mask)."
            )
        if not len(user_idx) == len(item_idx) == len(ratings):
            raise ValueError(
                f"{name} arrays must have one entry per rating, got lengths "
                f"{len(user_idx)}, {len(item_idx)}, {len(ratings)}."
            )
        return user_idx.long(), item_idx.long(), ratings.float()
    raise TypeError(
        f"{name} must be a (user_idx, item_idx, ratings) triple, a (ratings, mask) pair of dense "
        f"tables, or a frame with user_idx/item_idx/rating columns; got {type(data).__name__}."
    )


def l2_penalty(model: nn.Module, user_idx: Tensor, item_idx: Tensor, *, which: str = "all") -> Tensor:
    """Mean over the batch of the squared norms of the rows the batch looks up.

    For every ``nn.Embedding`` child of ``model`` whose name starts with
    ``user_`` (indexed by ``user_idx``) or ``item_`` (indexed by ``item_idx``):
    ``mean_b sum_k weight[idx_b, k] ** 2``, summed over those embeddings. For
    ``DotProductBias`` that is ``mean_b (|user_factors[u_b]|^2 +
    |item_factors[i_b]|^2 + user_bias[u_b]^2 + item_bias[i_b]^2)``.

    Parameters
    ----------
    model : nn.Module with ``user_*`` / ``item_*`` embeddings
    user_idx, item_idx : Tensor of shape (batch,), int64
    which : {"all", "factors", "biases"}, default "all"
        Which embeddings to include: all of them, only those whose name does
        not end in ``_bias`` (``user_factors``, ``item_factors``), or only
        those whose name ends in ``_bias``. ``fit`` uses the last two when
        factors and biases get different strengths (``bias_weight_decay``).

    Returns
    -------
    Tensor, scalar
    """
    if which not in ("all", "factors", "biases"):
        raise ValueError(f"which must be 'all', 'factors' or 'biases', got {which!r}.")
    total = None
    for name, module in model.named_children():
        if not isinstance(module, nn.Embedding):
            continue
        if which != "all" and name.endswith("_bias") != (which == "biases"):
            continue
        if name.startswith("user_"):
            idx = user_idx
        elif name.startswith("item_"):
            idx = item_idx
        else:
            continue
        term = module.weight[idx].pow(2).sum(dim=1).mean()
        total = term if total is None else total + term
    if total is None:
        if which == "biases":
            raise ValueError(
                f"{type(model).__name__} has no nn.Embedding named user_*_bias or item_*_bias, so "
                "bias_weight_decay has nothing to penalise; pass bias_weight_decay=None or 0."
            )
        raise ValueError(
            f"{type(model).__name__} has no nn.Embedding named user_* or item_*, so weight_decay has "
            "nothing to penalise; name the embeddings user_factors/item_factors or pass weight_decay=0."
        )
    return total


@torch.no_grad()
def _add_l2_penalty_grad(model: nn.Module, user_idx: Tensor, item_idx: Tensor, factors: float, biases: float) -> float:
    """Add the gradient of the split row-wise penalty to ``.grad`` directly; return the penalty's value.

    The penalty is ``factors * l2_penalty(..., which="factors") + biases *
    l2_penalty(..., which="biases")``; its gradient with respect to a looked-up
    row ``w`` is ``2 * strength * w * (times the row occurs in the batch) /
    batch``, which ``index_add_`` puts in place. Autograd would compute the same
    numbers through a second dense pass over every table, which on a CPU costs
    about as much as the rest of the step.
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


@dataclass
class History:
    """What happened during ``fit``, one entry per epoch.

    Attributes
    ----------
    epoch : list of int
        1, 2, ..., epochs.
    train_loss : list of float
        Mean training loss over the epoch's batches (MSE plus the weight-decay
        penalty), measured while the weights were moving.
    train_rmse : list of float
        RMSE on the whole training data at the end of the epoch.
    valid_rmse : list of float
        RMSE on the validation data at the end of the epoch (NaN without it).
    """

    epoch: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    train_rmse: list[float] = field(default_factory=list)
    valid_rmse: list[float] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """The history as a frame indexed by epoch."""
        return pd.DataFrame(
            {"train_loss": self.train_loss, "train_rmse": self.train_rmse, "valid_rmse": self.valid_rmse},
            index=pd.Index(self.epoch, name="epoch"),
        )

    def plot(self, ax=None):
        """Train and validation RMSE per epoch; returns the matplotlib ``ax``."""
        import matplotlib.pyplot as plt

        ax = ax or plt.gca()
        ax.plot(self.epoch, self.train_rmse, marker="o", label="train RMSE")
        if not all(math.isnan(v) for v in self.valid_rmse):
            ax.plot(self.epoch, self.valid_rmse, marker="o", label="validation RMSE")
        ax.set_xlabel("epoch")
        ax.set_ylabel("RMSE")
        ax.legend()
        return ax


@torch.no_grad()
def predict(model: nn.Module, user_idx, item_idx, batch_size: int = 65536) -> Tensor:
    """Predicted ratings in eval mode without gradients.

    Parameters
    ----------
    model : nn.Module
        Called as ``model(user_idx, item_idx)``.
    user_idx, item_idx : Tensor or ndarray of shape (n,), integer dtype
    batch_size : int, default 65536
        Rows per forward pass (bounds memory, does not change the result).

    Returns
    -------
    Tensor of shape (n,), float32
    """
    user_idx = torch.as_tensor(np.asarray(user_idx) if not isinstance(user_idx, Tensor) else user_idx)
    item_idx = torch.as_tensor(np.asarray(item_idx) if not isinstance(item_idx, Tensor) else item_idx)
    was_training = model.training
    model.eval()
    try:
        if len(user_idx) <= batch_size:
            return model(user_idx, item_idx)
        return torch.cat(
            [
                model(user_idx[start : start + batch_size], item_idx[start : start + batch_size])
                for start in range(0, len(user_idx), batch_size)
            ]
        )
    finally:
        model.train(was_training)


def _rmse(model: nn.Module, data: Triple) -> float:
    pred = predict(model, data[0], data[1])
    return float(torch.sqrt(((pred.double() - data[2].double()) ** 2).mean()))


def fit(
    model: nn.Module,
    train,
    valid=None,
    *,
    epochs: int = 5,
    lr: float = 0.01,
    batch_size: int = 1024,
    weight_decay: float = 0.0,
    optimizer: str = "adam",
    seed: int = 0,
    progress: bool = False,
    bias_weight_decay: float | None = None,
    lr_schedule: str = "constant",
    fused: bool = False,
) -> History:
    """Train ``model`` on observed ratings with mini-batch gradient descent.

    Each batch minimises ``mean((prediction - rating) ** 2) + weight_decay *
    l2_penalty(model, user_idx, item_idx)``. The penalty only touches the rows
    the batch looks up (factors and biases of its users and movies), averaged
    over the batch, so the same ``weight_decay`` means the same thing for any
    ``batch_size`` (decay applied to the whole embedding at every step would
    shrink rarely-seen users more the more steps an epoch has).

    Parameters
    ----------
    model : nn.Module
        Called as ``model(user_idx, item_idx)``; trained in place.
    train : (user_idx, item_idx, ratings) triple, (ratings, mask) pair, or DataFrame
        See the module docstring; ``split.train`` works as is.
    valid : same shapes as ``train``, optional
        Scored (RMSE) at the end of every epoch.
    epochs : int, default 5
    lr : float, default 0.01
        Learning rate.
    batch_size : int, default 1024
        Ratings per gradient step.
    weight_decay : float, default 0.0
        Strength of the L2 penalty on the looked-up rows.
    optimizer : {"adam", "sgd"}, default "adam"
    seed : int, default 0
        Seeds the per-epoch shuffle (``torch.randperm`` with a private
        generator); the global random state is not touched.
    progress : bool, default False
        Show a tqdm bar over the epochs.
    bias_weight_decay : float or None, default None
        A separate strength for the bias embeddings (names ending in
        ``_bias``): the penalty becomes ``weight_decay * l2_penalty(...,
        which="factors") + bias_weight_decay * l2_penalty(..., which="biases")``.
        Its gradient (``2 * strength * row / batch_size`` for every looked-up
        row) is then added to ``.grad`` directly rather than through autograd:
        the same numbers, and a much faster step on a CPU. ``None``
        penalises factors and biases alike with ``weight_decay``.
    lr_schedule : {"constant", "cosine"}, default "constant"
        ``"cosine"`` lowers the learning rate after every step along half a
        cosine, from ``lr`` at the first step towards 0 at the last:
        ``lr * (1 + cos(pi * step / n_steps)) / 2``.
    fused : bool, default False
        Use PyTorch's fused Adam kernel (``torch.optim.Adam(fused=True)``):
        the same algorithm in one kernel for all parameters, usually faster
        on a CPU (results differ only by float rounding).
        Only with ``optimizer="adam"``.

    Returns
    -------
    History
    """
    train = _as_triple(train, "train")
    valid = None if valid is None else _as_triple(valid, "valid")
    n = len(train[2])
    if n == 0:
        raise ValueError("train holds no ratings; pass at least one observed rating.")
    if int(epochs) != epochs or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}.")
    if int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
    if weight_decay < 0:
        raise ValueError(f"weight_decay must be >= 0, got {weight_decay!r}.")
    if bias_weight_decay is not None and bias_weight_decay < 0:
        raise ValueError(f"bias_weight_decay must be >= 0 or None, got {bias_weight_decay!r}.")
    if lr_schedule not in ("constant", "cosine"):
        raise ValueError(f"lr_schedule must be 'constant' or 'cosine', got {lr_schedule!r}.")
    if optimizer == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=lr, **({"fused": True} if fused else {}))
    elif optimizer == "sgd":
        if fused:
            raise ValueError("fused=True needs optimizer='adam' (SGD has no fused kernel here); drop fused.")
        opt = torch.optim.SGD(model.parameters(), lr=lr)
    else:
        raise ValueError(f"optimizer must be 'adam' or 'sgd', got {optimizer!r}.")
    n_steps = epochs * math.ceil(n / batch_size)
    step = 0

    generator = torch.Generator().manual_seed(seed)
    history = History()
    bar = tqdm(range(1, epochs + 1), desc="epochs", disable=not progress)
    for epoch in bar:
        model.train()
        perm = torch.randperm(n, generator=generator)
        total = 0.0
        for start in range(0, n, batch_size):
            batch = perm[start : start + batch_size]
            user_idx, item_idx, ratings = train[0][batch], train[1][batch], train[2][batch]
            loss = mse(model(user_idx, item_idx), ratings)
            if weight_decay and bias_weight_decay is None:
                loss = loss + weight_decay * l2_penalty(model, user_idx, item_idx)
            if lr_schedule == "cosine":
                for group in opt.param_groups:
                    group["lr"] = lr * 0.5 * (1.0 + math.cos(math.pi * step / n_steps))
            step += 1
            opt.zero_grad(set_to_none=True)
            loss.backward()
            penalty = 0.0
            if bias_weight_decay is not None:  # split strengths: the penalty's gradient is added by hand
                penalty = _add_l2_penalty_grad(model, user_idx, item_idx, weight_decay, bias_weight_decay)
            opt.step()
            total += (loss.item() + penalty) * len(batch)
        history.epoch.append(epoch)
        history.train_loss.append(total / n)
        history.train_rmse.append(_rmse(model, train))
        history.valid_rmse.append(math.nan if valid is None else _rmse(model, valid))
        bar.set_postfix(train_rmse=f"{history.train_rmse[-1]:.3f}", valid_rmse=f"{history.valid_rmse[-1]:.3f}")
    return history
