"""cfcourse.als against per-row normal equations, monotone sweeps, and the package's model."""

import numpy as np
import pytest
import torch

from cfcourse.als import fit_als, solve_rows
from cfcourse.toy import make_toy_world
from cfcourse.train import predict


def _world():
    world = make_toy_world(30, 20, density=0.4, noise=0.2, seed=2)
    return world, *(world.ratings[c].to_numpy() for c in ("userId", "movieId", "rating"))


def test_solve_rows_matches_each_rows_normal_equations():
    _, u, i, y = _world()
    other = np.random.default_rng(0).normal(size=(20, 3))[i]
    factors, bias = solve_rows(u, other, y, 30, reg=0.2)
    for row in (0, 7, 29):
        x = np.hstack([other[u == row], np.ones(((u == row).sum(), 1))])
        w = np.linalg.solve(x.T @ x + 0.2 * len(x) * np.eye(4), x.T @ y[u == row])
        assert np.allclose(factors[row], w[:3]) and np.isclose(bias[row], w[3])


def test_row_without_ratings_gets_zeros():
    factors, bias = solve_rows(np.array([0, 0]), np.ones((2, 2)), np.array([1.0, 2.0]), 3, reg=0.1)
    assert np.all(factors[1:] == 0) and np.all(bias[1:] == 0)


def test_sweeps_never_raise_the_training_error_and_recover_the_world():
    world, u, i, y = _world()
    result = fit_als(u, i, y, 30, 20, n_factors=3, reg=0.05, sweeps=8)
    assert all(a >= b - 1e-9 for a, b in zip(result.train_rmse, result.train_rmse[1:]))
    truth = np.clip(world.true_scores(u, i), 0.5, 5)
    assert np.sqrt(np.mean((np.clip(result.predict(u, i), 0.5, 5) - truth) ** 2)) < 0.35


def test_to_model_predicts_the_same():
    _, u, i, y = _world()
    result = fit_als(u, i, y, 30, 20, n_factors=2, sweeps=3)
    model = result.to_model()
    got = predict(model, torch.tensor(u), torch.tensor(i)).numpy()
    assert np.allclose(got, result.predict(u, i), atol=1e-5)


@pytest.mark.parametrize(
    "kwargs, match",
    [(dict(reg=0.0), "reg"), (dict(sweeps=0), "sweeps")],
)
def test_bad_arguments(kwargs, match):
    _, u, i, y = _world()
    with pytest.raises(ValueError, match=match):
        fit_als(u, i, y, 30, 20, **kwargs)


def test_lengths_must_agree():
    with pytest.raises(ValueError, match="same non-zero length"):
        fit_als([0, 1], [0], [3.0, 4.0], 2, 1)
