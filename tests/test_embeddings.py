"""Tests for cfcourse/embeddings.py: lookup by index equals one-hot times the matrix."""

import numpy as np
import pytest
import torch

from cfcourse.embeddings import dot_scores, embedding_lookup, one_hot


def test_one_hot_hand_example():
    np.testing.assert_array_equal(one_hot([2, 0], 3), [[0, 0, 1], [1, 0, 0]])
    np.testing.assert_array_equal(one_hot(1, 3), [0, 1, 0])


@pytest.mark.parametrize("n, n_factors, seed", [(1, 1, 0), (5, 3, 1), (7, 4, 2)])
def test_embedding_lookup_equals_one_hot_times_weights(n, n_factors, seed):
    rng = np.random.default_rng(seed)
    weights = rng.normal(size=(n, n_factors))
    idx = rng.integers(0, n, size=6)
    np.testing.assert_array_equal(embedding_lookup(weights, idx), weights[idx])
    np.testing.assert_allclose(embedding_lookup(weights, idx), one_hot(idx, n) @ weights)


@pytest.mark.parametrize("function", [lambda idx: one_hot(idx, 5), lambda idx: embedding_lookup(np.ones((5, 2)), idx)])
@pytest.mark.parametrize("idx", [[0, 5, 7], [-1, 2]])
def test_out_of_range_ids_are_named(function, idx):
    bad = [i for i in idx if not 0 <= i < 5]
    with pytest.raises(ValueError, match=r"0\.\.4 \(there are n=5 rows\)") as info:
        function(idx)
    assert f"out-of-range ids {bad}" in str(info.value)


def test_float_ids_are_rejected():
    with pytest.raises(TypeError, match=r"astype\(int\)"):
        embedding_lookup(np.ones((5, 2)), np.array([1.0, 2.0]))


def test_embedding_lookup_keeps_torch_gradients():
    weights = torch.zeros(4, 2, requires_grad=True)
    embedding_lookup(weights, [1, 1, 3]).sum().backward()
    np.testing.assert_array_equal(weights.grad.numpy(), [[0, 0], [2, 2], [0, 0], [1, 1]])


def test_seed_example_dot_product_is_1350():
    user_factors = np.array([[100.0, 0.0, 50.0]])  # likes action, indifferent to romance, likes comedy
    item_factors = np.array([[0.0, 73.0, 27.0]])  # (action, romance, comedy): mostly romance, some comedy
    assert dot_scores(user_factors, item_factors, [0], [0]).tolist() == [1350.0]
    # 100 * 0 + 0 * 73 + 50 * 27 = 1350, the same as the one-hot formulation
    user = one_hot([0], 1) @ user_factors
    item = one_hot([0], 1) @ item_factors
    assert (user * item).sum() == 1350.0


def test_dot_scores_equals_cells_of_the_predicted_table():
    rng = np.random.default_rng(4)
    user_factors, item_factors = rng.normal(size=(4, 3)), rng.normal(size=(5, 3))
    user_idx, item_idx = rng.integers(0, 4, size=8), rng.integers(0, 5, size=8)
    table = user_factors @ item_factors.T
    scores = dot_scores(user_factors, item_factors, user_idx, item_idx)
    assert scores.shape == (8,)
    np.testing.assert_allclose(scores, table[user_idx, item_idx])


def test_dot_scores_errors():
    user_factors, item_factors = np.ones((4, 3)), np.ones((5, 3))
    with pytest.raises(ValueError, match="pair up one to one"):
        dot_scores(user_factors, item_factors, [0, 1], [0])
    with pytest.raises(ValueError, match="same n_factors"):
        dot_scores(user_factors, np.ones((5, 2)), [0], [0])
    with pytest.raises(ValueError, match=r"item_idx must be ids in 0\.\.4 .* ids \[5\]"):
        dot_scores(user_factors, item_factors, [0], [5])


def test_pca_matches_the_svd_and_keeps_the_variance():
    from cfcourse.embeddings import pca

    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 4)) * np.array([3.0, 2.0, 1.0, 0.1])  # variances far apart: a stable order
    coords, components, explained = pca(X, 2)
    X_c = X - X.mean(axis=0)
    U, S, _ = np.linalg.svd(X_c, full_matrices=False)
    assert np.allclose(coords, U[:, :2] * S[:2])  # the reference: X_c V = U S
    assert np.allclose(components @ components.T, np.eye(2))
    assert np.isclose(explained.sum(), 1.0) and np.all(np.diff(explained) <= 0)
    assert np.allclose(coords.var(axis=0, ddof=1), S[:2] ** 2 / (len(X) - 1))
    assert np.argmax(np.abs(components[0])) == 0  # the widest column is the first direction


def test_pca_refuses_bad_input():
    from cfcourse.embeddings import pca

    with pytest.raises(ValueError, match="shape"):
        pca(np.zeros(5))
    with pytest.raises(ValueError, match="at most 3 components"):
        pca(np.zeros((3, 5)), 4)
