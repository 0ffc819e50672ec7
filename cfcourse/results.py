"""The running results table: every step of the course on the same split.

Introduced in notebooks/05_gradient_descent.ipynb and grown by one row in each
of notebooks 06 and 07: global-mean baseline -> dot product -> + sigmoid ->
+ biases, each scored by its validation RMSE on the course split
(``cfcourse.split.train_valid_split`` with its defaults), so a learner sees
every step pay off.

The hyper-parameters in ``STEPS`` are fixed. They were tuned on an inner
split, not on the course validation set: the course training part was split
again with ``train_valid_split(split.train, valid_frac=0.1, seed=1)``, a small
grid (weight_decay in 0.01..1, epochs 1..12, n_factors=32, Adam, lr=0.01,
batch_size=1024) was scored there, and the best setting per step was kept.
Measured on MovieLens ml-latest-small with one torch thread on a 2-core
machine, each step trains in about 1 to 4 seconds, all four in 5 to 8 seconds
(see benchmarks/results_steps.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pandas as pd
import torch

from cfcourse.columns import RATING
from cfcourse.metrics import rmse
from cfcourse.models import DotProduct, DotProductBias
from cfcourse.split import Split
from cfcourse.train import fit, predict

__all__ = ["Step", "STEPS", "run_step", "results_table"]


@dataclass(frozen=True)
class Step:
    """One row of the results table: a model and how it is trained.

    Attributes
    ----------
    name : str
        The row's label, e.g. ``"+ biases"``.
    notebook : str
        The notebook that introduces the step.
    model : callable or None
        ``model(n_users, n_items, **model_kwargs, seed=seed)`` builds the
        model; ``None`` means the global-mean baseline (predict the mean
        training rating for everyone).
    model_kwargs, fit_kwargs : dict
        Passed to the model and to ``cfcourse.train.fit``.
    """

    name: str
    notebook: str
    model: Callable[..., torch.nn.Module] | None = None
    model_kwargs: dict[str, Any] = field(default_factory=dict)
    fit_kwargs: dict[str, Any] = field(default_factory=dict)


_FIT = dict(lr=0.01, batch_size=1024, optimizer="adam")

STEPS: tuple[Step, ...] = (
    Step("global mean", "05_gradient_descent.ipynb"),
    Step(
        "dot product",
        "05_gradient_descent.ipynb",
        DotProduct,
        dict(n_factors=32, y_range=None),
        dict(epochs=7, weight_decay=0.1, **_FIT),
    ),
    Step(
        "+ sigmoid",
        "06_sigmoid_range.ipynb",
        DotProduct,
        dict(n_factors=32, y_range=(0.0, 5.5)),
        dict(epochs=5, weight_decay=0.1, **_FIT),
    ),
    Step(
        "+ biases",
        "07_biases.ipynb",
        DotProductBias,
        dict(n_factors=32, y_range=(0.0, 5.5)),
        dict(epochs=6, weight_decay=0.15, **_FIT),
    ),
)
"""The course's model steps in order, with their tuned hyper-parameters."""


def run_step(step: Step, split: Split, seed: int = 0) -> tuple[float, torch.nn.Module | None]:
    """Train one step on ``split.train`` and score it on ``split.valid``.

    Parameters
    ----------
    step : Step
    split : Split
        From ``cfcourse.split.train_valid_split``.
    seed : int, default 0
        Seeds the model's initialisation and the training shuffle.

    Returns
    -------
    valid_rmse : float
        Unrounded validation RMSE.
    model : nn.Module or None
        The trained model (``None`` for the global mean).
    """
    valid = split.tensors("valid")
    if step.model is None:
        mean = float(split.train[RATING].mean())
        return rmse(np.full(len(valid[2]), mean), valid[2]), None
    model = step.model(split.n_users, split.n_items, **step.model_kwargs, seed=seed)
    fit(model, split.tensors("train"), **step.fit_kwargs, seed=seed)
    return rmse(predict(model, valid[0], valid[1]), valid[2]), model


def results_table(
    split: Split, upto: str = "+ biases", seed: int = 0, *, steps: tuple[Step, ...] = STEPS
) -> pd.DataFrame:
    """Train every step up to ``upto`` on ``split`` and tabulate validation RMSE.

    Parameters
    ----------
    split : Split
        The course split, ``train_valid_split(ratings)``.
    upto : str, default "+ biases"
        Name of the last step to include: one of ``[s.name for s in steps]``.
    seed : int, default 0
        Seeds every model's initialisation and training shuffle.
    steps : tuple of Step, default STEPS

    Returns
    -------
    DataFrame with columns ``step`` (str) and ``valid_rmse`` (float, rounded
        to 3 decimals), one row per step in course order.

    Examples
    --------
    >>> results_table(train_valid_split(ratings), upto="+ sigmoid")  # doctest: +SKIP
              step  valid_rmse
    0  global mean       1.053
    1  dot product       ...
    """
    if not isinstance(split, Split):
        raise TypeError(
            f"split must be a cfcourse.split.Split, got {type(split).__name__}; "
            "make one with cfcourse.split.train_valid_split(ratings)."
        )
    names = [s.name for s in steps]
    if upto not in names:
        raise ValueError(f"upto={upto!r} is not a step; choose one of {names}.")
    rows = []
    for step in steps[: names.index(upto) + 1]:
        valid_rmse, _ = run_step(step, split, seed=seed)
        rows.append({"step": step.name, "valid_rmse": round(valid_rmse, 3)})
    return pd.DataFrame(rows, columns=["step", "valid_rmse"])
