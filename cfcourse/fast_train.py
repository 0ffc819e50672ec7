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
   users), with Adam's two moments in two tables beside it. A batch finds its
   distinct rows (``_distinct``: a scratch table instead of ``torch.unique``'s
   sort) and gathers them, with their moments, once.
2. The loss and its gradient are computed by hand (the course's equation: no
   autograd graph): each lookup's gradient is its partner row times
   ``d loss / d logit``, plus the penalty's ``2 * strength * row / batch``;
   ``index_add_`` sums the lookups of a row.
3. Adam updates those rows only (PyTorch's fused Adam kernel on the gathered
   block), then rows and moments are written back (numpy's row assignment,
   the fastest scatter on a CPU here).
4. Dense Adam also moves a row on steps where its gradient is zero: its
   moments decay (``m * beta1``, ``v * beta2``) and it keeps drifting by
   ``lr * m / sqrt(v)``. Skipping that ("lazy" Adam, ``torch.optim.SparseAdam``)
   costs accuracy here (test RMSE 0.835 against 0.832). So each row remembers
   the step it was last updated, and when it is next looked up (or at the end
   of an epoch) the skipped steps are applied in one go (``_catch_up``): the
   moments decay by ``beta ** gap`` (``_decay_table``) and the drift is a
   series, ``m / sqrt(v) * sum_d (beta1 / sqrt(beta2)) ** d * c[t0 + d]``
   where ``c[j]`` is step ``j``'s learning rate times its bias corrections;
   its sums are tabulated once per fit (``_drift_table``). That is dense Adam
   up to float rounding and Adam's ``eps`` inside the skipped steps: on the
   benchmark split both reach test RMSE 0.832.

Where an epoch's time goes (``benchmarks/scaling.py`` measures it against a
floor that only gathers and scatters the rows): Adam moves three rows (the
weights and two moments) for each one the floor moves, and the catch-up and
the gradient make a few passes over the gathered block, about sixty PyTorch
operations per step in all. ``engine="numba"`` runs the same step as one
compiled loop instead (``cfcourse.fast_kernel``, the optional ``fast`` extra):
three passes over the batch's rows, with the weights and moments of a row side
by side in memory, 2-3x faster per epoch. The PyTorch engine stays the default:
it needs nothing beyond the course's install, and its operations are the ones
this module explains.

Models other than a ``DotProductBias`` with a ``y_range`` (e.g. ``DotProduct``)
take the dense path (``_fit_dense``: autograd, PyTorch's fused Adam over whole
tables, the penalty's gradient added with ``index_add_``), with the same checks.
Both paths stop with ``NonFiniteLossError`` on a NaN/inf loss and warn
(``DivergenceWarning``) when training makes the fit worse.

Introduced in notebooks/13_scaling_up_and_out.ipynb (measured in
``benchmarks/scaling.py``).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from cfcourse.losses import mse
from cfcourse.models import DotProductBias
from cfcourse.train import History, _check_fit_args, _check_loss, _end_epoch, _rmse, _warn_if_diverged
from cfcourse.validation import check_one_of, check_real

__all__ = ["ENGINES", "FAST_EXTRA_HINT", "fit_fast", "numba_available"]

BETAS = (0.9, 0.999)
"""Adam's ``(beta1, beta2)``: ``torch.optim.Adam``'s defaults, as in ``cfcourse.train.fit``."""
EPS = 1e-8
"""Adam's ``eps``, as in ``torch.optim.Adam``."""
ENGINES = ("torch", "numba")
"""``fit_fast``'s ``engine``: PyTorch operations, or the same step compiled by numba (``cfcourse.fast_kernel``)."""
FAST_EXTRA_HINT = (
    'pip install -c constraints.txt -e ".[fast]" in the course folder (or: pip install numba), '
    'or train with engine="torch" (the same model, 2-3x slower per epoch)'
)


def _lr(lr: float, schedule: str, step: int, n_steps: int) -> float:
    """Learning rate of 0-based ``step``: constant, or half a cosine from ``lr`` to 0 (as ``train.fit``)."""
    return lr * 0.5 * (1.0 + math.cos(math.pi * step / n_steps)) if schedule == "cosine" else lr


def _drift_table(lr: float, schedule: str, n_steps: int) -> torch.Tensor:
    """``F[t] = sum_{d >= 1} ratio^d * c[t + d]`` for t = 0..n_steps, with ``c[j] = lr_j * sqrt(bc2_j) / bc1_j``.

    ``c[j]`` is what dense Adam multiplies ``m / sqrt(v)`` by at (1-based) step
    ``j``; a row last updated at step ``t0`` and skipped for ``D`` steps drifts
    by ``m / sqrt(v) * (F[t0] - ratio^D * F[t0 + D])`` (a backward recursion in float64, stored as float32).
    """
    beta1, beta2 = BETAS
    ratio = beta1 / math.sqrt(beta2)
    c = [0.0] + [_lr(lr, schedule, j - 1, n_steps) * math.sqrt(1 - beta2**j) / (1 - beta1**j) for j in range(1, n_steps + 1)]
    table = [0.0] * (n_steps + 1)
    for t in range(n_steps - 1, -1, -1):
        table[t] = ratio * (c[t + 1] + table[t + 1])
    return torch.tensor(table, dtype=torch.float32)


def _decay_table(n_steps: int) -> Tensor:
    """``P[d] = (beta1^d, beta2^d, (beta1 / sqrt(beta2))^d)`` for gaps d = 0, 1, ... (float32, shape (gaps, 3)).

    Values below 1e-30 are stored as 0 (subnormal floats make arithmetic ~50x
    slower); the table stops where every value is 0, so longer gaps use its last row.
    """
    beta1, beta2 = BETAS
    gaps = torch.arange(min(n_steps, math.ceil(math.log(1e-30) / math.log(beta2))) + 2, dtype=torch.float64)
    logs = torch.tensor([math.log(beta1), math.log(beta2), math.log(beta1 / math.sqrt(beta2))], dtype=torch.float64)
    table = torch.exp(gaps.unsqueeze(1) * logs)
    return table.masked_fill_(table < 1e-30, 0.0).float()


def _distinct(ids: Tensor, slot: Tensor) -> tuple[Tensor, Tensor]:
    """The distinct values of ``ids`` and where each id is among them: ``rows[lookup] == ids``.

    What ``torch.unique(ids, return_inverse=True)`` returns, without its sort
    (a third faster on a batch of 1,024 ratings): each id writes its position into
    ``slot`` (a scratch tensor with one entry per possible id); the positions
    that survive are one per distinct id. ``rows`` comes out in no particular
    order, which changes nothing for the caller: each row's update is its own.

    Parameters
    ----------
    ids : Tensor of shape (n,), int64
    slot : Tensor of shape (max(ids) + 1,), int64
        Overwritten.

    Returns
    -------
    rows : Tensor of shape (n_distinct,), int64
    lookup : Tensor of shape (n,), int64
    """
    positions = torch.arange(len(ids))
    slot[ids] = positions
    rows = ids[slot[ids] == positions]
    slot[rows] = torch.arange(len(rows))
    return rows, slot[ids]


def _catch_up(weight: Tensor, m: Tensor, v: Tensor, last: Tensor, step: int, drift: Tensor, decays: Tensor) -> None:
    """Apply the zero-gradient Adam steps each row skipped since ``last`` (its last update), up to ``step``.

    Parameters
    ----------
    weight, m, v : Tensor of shape (rows, width), float32, contiguous
        The rows' weights and Adam's two averages; updated in place.
    last : Tensor of shape (rows,), int64
        The step at which each row was last updated (0 = never).
    step : int
        The number of steps taken so far.
    drift : Tensor of shape (n_steps + 1,), float32
        ``_drift_table``.
    decays : Tensor of shape (gaps, 3), float32
        ``_decay_table``.
    """
    powers = decays.index_select(0, (step - last).clamp_(max=len(decays) - 1))  # (rows, 3)
    series = torch.sub(drift.index_select(0, last), powers[:, 2], alpha=float(drift[step]))
    weight.addcmul_(m / v.sqrt().add_(EPS), series.unsqueeze(1), value=-1.0)
    m.mul_(powers[:, 0:1])
    v.mul_(powers[:, 1:2])


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
    engine: str = "torch",
) -> History:
    """Train ``model``: ``cfcourse.train.fit``'s objective with split strengths and a schedule, faster.

    Each batch minimises ``mean((prediction - rating) ** 2) + weight_decay *
    l2_penalty(..., which="factors") + bias_weight_decay * l2_penalty(...,
    which="biases")`` with Adam: ``cfcourse.train.fit``'s objective when both
    strengths are equal. A ``DotProductBias`` with a ``y_range`` is trained by
    row-sparse Adam (module docstring): an epoch costs time proportional to the
    number of ratings, not to ratings x table size, and the weights follow
    dense Adam's to float rounding. Other models take the dense path.

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
        Seeds the per-epoch shuffle (the same batches as ``train.fit``).
    engine : {"torch", "numba"}, default "torch"
        How the row-sparse step runs: PyTorch operations, or one loop compiled
        by numba (``cfcourse.fast_kernel``: the same step, 2-3x faster per
        epoch; needs the ``fast`` extra). The two agree to float rounding.
        Only a ``DotProductBias`` with a ``y_range`` takes the row-sparse path.

    Returns
    -------
    History
        ``valid_rmse`` is NaN (no validation data here).

    Raises
    ------
    NonFiniteLossError
        As soon as a batch's loss is NaN or infinite.
    ImportError
        For ``engine="numba"`` without numba installed, saying how to install it.

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
    check_one_of(engine, "engine", ENGINES)
    if bias_weight_decay and not any(name.endswith("_bias") for name, _ in model.named_children()):
        raise ValueError(
            f"{type(model).__name__} has no user_bias/item_bias embedding, so bias_weight_decay has nothing "
            "to penalise; pass bias_weight_decay=0."
        )
    settings = dict(epochs=epochs, lr=lr, batch_size=batch_size, weight_decay=weight_decay,
                    bias_weight_decay=bias_weight_decay, lr_schedule=lr_schedule, seed=seed)  # fmt: skip
    if isinstance(model, DotProductBias) and model.y_range is not None:
        return _fit_sparse(model, train, **settings, engine=engine)
    if engine != "torch":
        raise ValueError(
            f'engine="{engine}" runs the row-sparse step of a DotProductBias with a y_range; this '
            f'{type(model).__name__} takes the dense PyTorch path: pass engine="torch".'
        )
    return _fit_dense(model, train, **settings)


def numba_available() -> bool:
    """True when numba imports, so ``engine="numba"`` can run (the ``fast`` extra)."""
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def _fast_kernel():
    """``cfcourse.fast_kernel``, or an ImportError that says how to get numba."""
    if not numba_available():
        raise ImportError(f'engine="numba" needs numba, which is not installed here: {FAST_EXTRA_HINT}.')
    from cfcourse import fast_kernel

    return fast_kernel


@torch.no_grad()
def _fit_sparse(model, train, *, epochs, lr, batch_size, weight_decay, bias_weight_decay, lr_schedule, seed, engine) -> History:
    """Row-sparse Adam with catch-up for a ``DotProductBias`` (module docstring); arguments already checked."""
    kernel = _fast_kernel() if engine == "numba" else None
    user_idx, item_idx, ratings = train
    n = len(ratings)
    n_users, n_items, k = model.n_users, model.n_items, model.n_factors
    low, high = (float(x) for x in model.y_range)
    # users are rows 0..n_users-1, movies the rows after them; each row is [factors, bias]
    weight = torch.cat(
        [
            torch.cat([model.user_factors.weight, model.user_bias.weight], 1),
            torch.cat([model.item_factors.weight, model.item_bias.weight], 1),
        ]
    ).float()
    if kernel is None:
        tables = (weight, torch.zeros_like(weight), torch.zeros_like(weight))  # the rows, Adam's m and v
    else:
        state = torch.zeros(len(weight), 3, k + 1)  # each row's [weights, m, v] side by side (cfcourse.fast_kernel)
        state[:, 0] = weight
        del weight
    last = torch.zeros(n_users + n_items, dtype=torch.long)  # the step at which each row was last updated
    strength = torch.tensor([float(weight_decay)] * k + [float(bias_weight_decay)])
    n_batches = math.ceil(n / batch_size)
    n_steps = epochs * n_batches
    drift, decays = _drift_table(lr, lr_schedule, n_steps), _decay_table(n_steps)
    lrs = torch.tensor([_lr(lr, lr_schedule, j, n_steps) for j in range(n_steps)], dtype=torch.float64)
    settings = dict(n_factors=k, span=high - low, batch_size=batch_size, drift=drift, decays=decays)
    initial_rmse = _rmse(model, train)
    generator = torch.Generator().manual_seed(seed)
    history = History()
    for epoch in range(1, epochs + 1):
        perm = torch.randperm(n, generator=generator)
        users, items, targets = user_idx[perm], item_idx[perm].add_(n_users), ratings[perm].sub_(low)
        del perm  # (memory: 25 M ratings make each of these 100-200 MB)
        step = (epoch - 1) * n_batches
        if kernel is None:
            total = _torch_epoch(tables, last, users, items, targets, strength, step=step, epoch=epoch, lr=lr,
                                 lrs=lrs[step : step + n_batches].tolist(),
                                 **settings)  # fmt: skip
            _catch_up(*tables, last, step + n_batches, drift, decays)  # every row up to date
            last.fill_(step + n_batches)
            rows = tables[0]
        else:
            losses = torch.zeros(n_batches, dtype=torch.float64)
            failed = kernel.epoch(
                state.numpy(), last.numpy(), users.numpy(), items.numpy(), targets.numpy(), strength.numpy(), k,
                settings["span"], batch_size, step, drift.numpy(), decays.numpy(), lrs.numpy(), *BETAS, EPS, losses.numpy(),
            )  # fmt: skip
            if failed >= 0:
                _check_loss(float(losses[failed]), epoch, failed + 1, lr)  # raises; the model is not yet touched
            sizes = torch.full((n_batches,), float(batch_size), dtype=torch.float64)
            sizes[-1] = n - (n_batches - 1) * batch_size
            total = float(losses @ sizes)
            kernel.catch_up_all(state.numpy(), last.numpy(), step + n_batches, drift.numpy(), decays.numpy(), EPS)
            rows = state[:, 0]
        del users, items, targets
        _copy_back(model, rows, n_users, k)
        _end_epoch(history, model, epoch, total / n, train, None)
    _warn_if_diverged(history, lr, initial_rmse)
    return history


def _torch_epoch(tables, last, users, items, targets, strength, *, n_factors, span, batch_size, step, epoch, lr, lrs,
                 drift, decays) -> float:  # fmt: skip
    """One epoch of ``_fit_sparse`` in PyTorch operations; returns the summed loss (mean x batch size, over batches).

    ``tables`` are the rows, Adam's m and v (each (rows, width), updated in
    place); ``step`` the steps taken before this epoch and ``lrs`` the learning
    rate of each of its steps. Rows are caught up only when a batch looks them
    up: the caller catches up the rest.
    """
    n, k, width = len(targets), n_factors, n_factors + 1
    arrays = tuple(table.numpy() for table in tables)  # the same memory, for numpy's fast row assignment
    slot = torch.empty(len(last), dtype=torch.long)  # scratch space of _distinct
    beta1, beta2 = BETAS
    step_tensor = torch.zeros(())
    total = 0.0
    for batch, start in enumerate(range(0, n, batch_size)):
        stop = min(start + batch_size, n)
        size = stop - start
        rows_idx, lookup = _distinct(torch.cat([users[start:stop], items[start:stop]]), slot)
        w, m, v = (table.index_select(0, rows_idx) for table in tables)
        _catch_up(w, m, v, last.index_select(0, rows_idx), step, drift, decays)
        step += 1
        last.index_fill_(0, rows_idx, step)
        looked_up = w.index_select(0, lookup)  # (2 * size, width): the batch's user rows, then its movie rows
        u_rows, i_rows = looked_up[:size], looked_up[size:]
        s = torch.sigmoid(torch.linalg.vecdot(u_rows[:, :k], i_rows[:, :k]) + u_rows[:, k] + i_rows[:, k])
        error = (s * span).sub_(targets[start:stop])  # prediction - rating
        dlogit = torch.addcmul(s, s, s, value=-1.0).mul_(error).mul_(2 * span / size)  # d mean(error^2) / d logit
        # gradient of each lookup: its partner's row (a user's movie, a movie's user) times dlogit, 1 for the
        # bias, plus the penalty's 2 * strength * row / size; index_add_ sums the lookups of a row
        grad = w.index_select(0, lookup.roll(size))
        grad[:, k] = 1.0
        grad.view(2, size, width).mul_(dlogit.view(1, size, 1))
        penalty_grad = looked_up * (strength * (2.0 / size))
        grad.add_(penalty_grad)
        grad = torch.zeros_like(w).index_add_(0, lookup, grad)
        value = float(torch.dot(error, error) + 0.5 * size * torch.dot(penalty_grad.view(-1), looked_up.view(-1))) / size
        _check_loss(value, epoch, batch + 1, lr)  # before any row is written back
        total += value * size
        step_tensor.fill_(step)
        torch._fused_adam_(
            [w], [grad], [m], [v], [], [step_tensor], lr=lrs[batch], beta1=beta1, beta2=beta2,
            weight_decay=0.0, eps=EPS, amsgrad=False, maximize=False,
        )  # fmt: skip
        rows = rows_idx.numpy()
        for table, block in zip(arrays, (w, m, v)):
            table[rows] = block.numpy()  # write back (numpy's row assignment: the fastest scatter here)
    return total


def _copy_back(model, weight, n_users: int, k: int) -> None:
    model.user_factors.weight.copy_(weight[:n_users, :k])
    model.user_bias.weight.copy_(weight[:n_users, k:])
    model.item_factors.weight.copy_(weight[n_users:, :k])
    model.item_bias.weight.copy_(weight[n_users:, k:])


def _fit_dense(model: nn.Module, train, *, epochs, lr, batch_size, weight_decay, bias_weight_decay, lr_schedule, seed) -> History:
    """The dense path: autograd and fused Adam over whole tables; arguments already checked."""
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
