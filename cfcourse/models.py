"""The course's models: a dot product of embeddings, squeezed and biased.

Introduced in notebooks/06_sigmoid_range.ipynb (``sigmoid_range``,
``DotProduct``) and notebooks/07_biases.ipynb (``DotProductBias``); notebook 05
trains ``DotProduct`` without a range.

Both models are plain ``torch.nn.Module`` objects. Their parameters carry the
names the notebooks use: ``user_factors`` and ``item_factors`` (one row of
``n_factors`` numbers per user / per movie), and for ``DotProductBias`` also
``user_bias`` and ``item_bias``. The biases are ``nn.Embedding`` tables with one
column, so a bias is looked up exactly like a factor row and
``model.user_bias.weight`` has shape ``(n_users, 1)``.

Initialisation is seeded and independent of torch's global random state:
factors are drawn from a normal distribution with standard deviation
``init_std=0.01`` (small, so that training starts from predictions near the
middle of the range and no user or movie is favoured), biases start at zero.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from cfcourse.gradients import sigmoid_range  # the one scaled sigmoid (numpy or torch)
from cfcourse.validation import check_indices, check_positive_int, check_y_range

__all__ = ["sigmoid_range", "DotProduct", "DotProductBias"]


def _embedding(weight: Tensor) -> nn.Embedding:
    # from_pretrained skips nn.Embedding's own init, which would draw from the global RNG.
    return nn.Embedding.from_pretrained(weight, freeze=False)


def _as_indices(idx, n: int, name: str, kind: str) -> Tensor:
    """``idx`` as a 1-D long tensor of indices in ``0 .. n-1``, or a clear error."""
    if not isinstance(idx, Tensor):
        idx = torch.as_tensor(idx)
    if idx.ndim != 1:
        raise ValueError(
            f"{name} must be 1-D (one index per rating), got shape {tuple(idx.shape)}; "
            f"flatten it with {name}.reshape(-1)."
        )
    return check_indices(idx, n, name, kind=kind)


class DotProduct(nn.Module):
    """Predict a rating as the dot product of a user's and a movie's factors.

    ``prediction = user_factors[u] . item_factors[i]``, optionally squeezed by
    ``sigmoid_range`` into ``y_range``. Trained in
    notebooks/05_gradient_descent.ipynb (no range); the range is introduced in
    notebooks/06_sigmoid_range.ipynb.

    Parameters
    ----------
    n_users, n_items : int
        Number of users and movies; indices run over ``0..n_users-1`` and
        ``0..n_items-1``.
    n_factors : int
        Length of each user's and each movie's factor vector.
    y_range : (float, float) or None, default None
        If given, predictions pass through ``sigmoid_range(., low, high)`` and
        always lie inside ``[low, high]``.
    init_std : float, default 0.01
        Standard deviation of the normal initialisation of the factors.
    seed : int, default 0
        Seeds the initialisation (a private ``torch.Generator``: the global
        random state is neither used nor changed).

    Attributes
    ----------
    user_factors : nn.Embedding, weight of shape (n_users, n_factors)
    item_factors : nn.Embedding, weight of shape (n_items, n_factors)

    Examples
    --------
    >>> model = DotProduct(n_users=3, n_items=4, n_factors=2, y_range=(0.0, 5.5))
    >>> model(torch.tensor([0, 2]), torch.tensor([3, 3])).shape
    torch.Size([2])
    """

    def __init__(
        self,
        n_users: int,
        n_items: int,
        n_factors: int,
        y_range: tuple[float, float] | None = None,
        *,
        init_std: float = 0.01,
        seed: int = 0,
    ) -> None:
        super().__init__()
        self.n_users = check_positive_int(n_users, "n_users")
        self.n_items = check_positive_int(n_items, "n_items")
        self.n_factors = check_positive_int(n_factors, "n_factors")
        self.y_range = None if y_range is None else check_y_range(y_range)
        generator = torch.Generator().manual_seed(seed)
        self.user_factors = _embedding(torch.randn(self.n_users, self.n_factors, generator=generator) * init_std)
        self.item_factors = _embedding(torch.randn(self.n_items, self.n_factors, generator=generator) * init_std)

    def _lookup(self, user_idx, item_idx) -> tuple[Tensor, Tensor]:
        user_idx = _as_indices(user_idx, self.n_users, "user_idx", "user")
        item_idx = _as_indices(item_idx, self.n_items, "item_idx", "item")
        if len(user_idx) != len(item_idx):
            raise ValueError(
                f"user_idx and item_idx must have the same length (one pair per rating), "
                f"got {len(user_idx)} and {len(item_idx)}."
            )
        if len(user_idx) == 0:
            raise ValueError("Empty batch: user_idx and item_idx hold no ratings; pass at least one pair.")
        return user_idx, item_idx

    def _squeeze(self, x: Tensor) -> Tensor:
        return x if self.y_range is None else sigmoid_range(x, *self.y_range)

    def forward(self, user_idx: Tensor, item_idx: Tensor) -> Tensor:
        """Predicted ratings.

        Parameters
        ----------
        user_idx, item_idx : Tensor of shape (batch,), integer dtype

        Returns
        -------
        Tensor of shape (batch,), float32
        """
        user_idx, item_idx = self._lookup(user_idx, item_idx)
        dot = (self.user_factors(user_idx) * self.item_factors(item_idx)).sum(dim=1)
        return self._squeeze(dot)

    def extra_repr(self) -> str:
        return f"n_users={self.n_users}, n_items={self.n_items}, n_factors={self.n_factors}, y_range={self.y_range}"


class DotProductBias(DotProduct):
    """The full course model: dot product plus a bias per user and per movie.

    ``prediction = low + (high - low) * sigmoid(user_factors[u] . item_factors[i]
    + user_bias[u] + item_bias[i])``. Introduced in notebooks/07_biases.ipynb.

    Parameters
    ----------
    n_users, n_items, n_factors : int
        As for ``DotProduct``.
    y_range : (float, float) or None, default (0.0, 5.5)
        The sigmoid's range. The top is a little above the best rating (5.0)
        because a sigmoid only reaches its bounds at infinity. ``None`` drops
        the sigmoid.
    init_std : float, default 0.01
        Standard deviation of the factors' normal initialisation; biases start
        at 0.
    seed : int, default 0
        Seeds the initialisation.

    Attributes
    ----------
    user_factors : nn.Embedding, weight of shape (n_users, n_factors)
    item_factors : nn.Embedding, weight of shape (n_items, n_factors)
    user_bias : nn.Embedding, weight of shape (n_users, 1)
    item_bias : nn.Embedding, weight of shape (n_items, 1)
    """

    def __init__(
        self,
        n_users: int,
        n_items: int,
        n_factors: int,
        y_range: tuple[float, float] | None = (0.0, 5.5),
        *,
        init_std: float = 0.01,
        seed: int = 0,
    ) -> None:
        super().__init__(n_users, n_items, n_factors, y_range, init_std=init_std, seed=seed)
        self.user_bias = _embedding(torch.zeros(self.n_users, 1))
        self.item_bias = _embedding(torch.zeros(self.n_items, 1))

    def forward(self, user_idx: Tensor, item_idx: Tensor) -> Tensor:
        """Predicted ratings.

        Parameters
        ----------
        user_idx, item_idx : Tensor of shape (batch,), integer dtype

        Returns
        -------
        Tensor of shape (batch,), float32
        """
        user_idx, item_idx = self._lookup(user_idx, item_idx)
        dot = (self.user_factors(user_idx) * self.item_factors(item_idx)).sum(dim=1)
        x = dot + self.user_bias(user_idx)[:, 0] + self.item_bias(item_idx)[:, 0]
        return self._squeeze(x)
