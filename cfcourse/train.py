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
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from torch import Tensor, nn
from tqdm import tqdm

from cfcourse.errors import DivergenceWarning, NonFiniteLossError
from cfcourse.losses import mse, to_long
from cfcourse.split import frame_to_tensors
from cfcourse.validation import check_non_negative_int, check_positive_int, check_real

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
        those whose name ends in ``_bias`` (``cfcourse.fast_train`` gives
        factors and biases different strengths).

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
def predict(model: nn.Module, user_idx, item_idx, batch_size: int = 16384) -> Tensor:
    """Predicted ratings in eval mode without gradients.

    Parameters
    ----------
    model : nn.Module
        Called as ``model(user_idx, item_idx)``.
    user_idx, item_idx : Tensor or ndarray of shape (n,), integer dtype
    batch_size : int, default 16384
        Rows per forward pass (bounds memory, does not change the result; chunks
        this size keep their intermediates in the CPU's cache: 3x faster than 65536
        on 1M ratings).

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
        # one output filled chunk by chunk (not a list of chunks to concatenate: thousands of small live
        # tensors among the freed intermediates keep the heap from shrinking, gigabytes at 25 M ratings)
        first = model(user_idx[:batch_size], item_idx[:batch_size])
        out = first.new_empty(len(user_idx))  # the model's dtype
        out[:batch_size] = first
        for start in range(batch_size, len(user_idx), batch_size):
            out[start : start + batch_size] = model(user_idx[start : start + batch_size], item_idx[start : start + batch_size])
        return out
    finally:
        model.train(was_training)


def _rmse(model: nn.Module, data: Triple) -> float:
    pred = predict(model, data[0], data[1])
    return float(torch.sqrt(((pred.double() - data[2].double()) ** 2).mean()))


def _check_fit_args(train, valid, *, epochs, lr, batch_size, weight_decay, seed) -> tuple:
    """The arguments shared by ``fit`` and ``cfcourse.fast_train.fit_fast``, checked once."""
    train = _as_triple(train, "train")
    valid = None if valid is None else _as_triple(valid, "valid")
    if len(train[2]) == 0:
        raise ValueError("train holds no ratings; pass at least one observed rating.")
    check_positive_int(epochs, "epochs")
    check_real(lr, "lr", low=0, low_inclusive=False, hint="try lr=0.01 with Adam")
    check_positive_int(batch_size, "batch_size")
    check_real(weight_decay, "weight_decay", low=0, hint="0 turns the penalty off")
    check_non_negative_int(seed, "seed", hint="e.g. seed=0")
    return train, valid


def _check_loss(value: float, epoch: int, batch: int, lr: float) -> None:
    """Stop training with a clear error as soon as the loss is NaN or infinite."""
    if not math.isfinite(value):
        raise NonFiniteLossError(
            f"training stopped at epoch {epoch}, batch {batch}: the loss became {value} (lr={lr!r}). "
            f"The steps were too large and the weights blew up; lower the learning rate "
            f"(e.g. lr={lr / 10:g}) and rebuild the model, whose weights are now unusable."
        )


def _warn_if_diverged(history: History, lr: float, initial_rmse: float) -> None:
    """Warn when training made things worse: the loss rose, or the fit is worse than before training."""
    rose = len(history.train_loss) > 1 and history.train_loss[-1] > history.train_loss[0]
    if rose or history.train_rmse[-1] > initial_rmse:
        what = (
            f"the training loss rose from {history.train_loss[0]:.4g} (epoch 1) to {history.train_loss[-1]:.4g} "
            f"(epoch {history.epoch[-1]})"
            if rose
            else f"the training RMSE went from {initial_rmse:.3f} before training to {history.train_rmse[-1]:.3f}"
        )
        warnings.warn(
            f"training diverged: {what}; lower the learning rate (lr={lr!r}, try lr={lr / 10:g}).",
            DivergenceWarning,
            stacklevel=3,
        )


def _end_epoch(history: History, model: nn.Module, epoch: int, loss: float, train: Triple, valid) -> None:
    history.epoch.append(epoch)
    history.train_loss.append(loss)
    history.train_rmse.append(_rmse(model, train))
    history.valid_rmse.append(math.nan if valid is None else _rmse(model, valid))


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
) -> History:
    """Train ``model`` on observed ratings with mini-batch gradient descent.

    Each batch minimises ``mean((prediction - rating) ** 2) + weight_decay *
    l2_penalty(model, user_idx, item_idx)``. The penalty only touches the rows
    the batch looks up (factors and biases of its users and movies), averaged
    over the batch, so the same ``weight_decay`` means the same thing for any
    ``batch_size`` (decay applied to the whole embedding at every step would
    shrink rarely-seen users more the more steps an epoch has).

    This is the loop notebooks/05_gradient_descent.ipynb writes by hand.
    ``cfcourse.fast_train.fit_fast`` minimises the same objective faster
    (it is what ``MatrixFactorization`` uses).

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
        Learning rate, a finite number > 0.
    batch_size : int, default 1024
        Ratings per gradient step.
    weight_decay : float, default 0.0
        Strength of the L2 penalty on the looked-up rows, a finite number >= 0.
    optimizer : {"adam", "sgd"}, default "adam"
    seed : int, default 0
        Seeds the per-epoch shuffle (``torch.randperm`` with a private
        generator); the global random state is not touched.
    progress : bool, default False
        Show a tqdm bar over the epochs.

    Returns
    -------
    History

    Raises
    ------
    NonFiniteLossError
        As soon as a batch's loss is NaN or infinite (the learning rate is too
        large); the model's weights are then unusable.

    Warns
    -----
    DivergenceWarning
        If the last epoch's training loss is above the first's.
    """
    train, valid = _check_fit_args(
        train, valid, epochs=epochs, lr=lr, batch_size=batch_size, weight_decay=weight_decay, seed=seed
    )
    if optimizer == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=lr)
    elif optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=lr)
    else:
        raise ValueError(f"optimizer must be 'adam' or 'sgd', got {optimizer!r}.")
    n = len(train[2])
    initial_rmse = _rmse(model, train)
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
            if weight_decay:
                loss = loss + weight_decay * l2_penalty(model, user_idx, item_idx)
            value = loss.item()
            _check_loss(value, epoch, start // batch_size + 1, lr)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += value * len(batch)
        _end_epoch(history, model, epoch, total / n, train, valid)
        bar.set_postfix(train_rmse=f"{history.train_rmse[-1]:.3f}", valid_rmse=f"{history.valid_rmse[-1]:.3f}")
    _warn_if_diverged(history, lr, initial_rmse)
    return history
