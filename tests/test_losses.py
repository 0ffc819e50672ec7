"""Tests for cfcourse/losses.py: the masked loss against references, in numpy and torch."""

import numpy as np
import pytest
import torch

from cfcourse.losses import long_mse, masked_mse, mse, to_dense, to_long


def random_problem(seed, shape=(5, 7), density=0.6):
    rng = np.random.default_rng(seed)
    ratings = rng.integers(1, 6, size=shape).astype(float)
    mask = rng.random(shape) < density
    mask[0, 0] = True  # at least one observed rating
    ratings[~mask] = 0.0  # the course's table: 0 = not watched
    predictions = rng.normal(3, 1, size=shape)
    return predictions, ratings, mask


def test_mse_hand_example():
    assert mse(np.array([1.0, 2.0, 3.0]), np.array([1.0, 4.0, 0.0])) == pytest.approx((0 + 4 + 9) / 3)


def test_masked_mse_hand_example_ignores_unwatched():
    predictions = np.array([[4.0, 1.0], [2.0, 3.0]])
    ratings = np.array([[5.0, 0.0], [0.0, 3.0]])
    mask = np.array([[1, 0], [0, 1]])
    assert masked_mse(predictions, ratings, mask) == pytest.approx((1 + 0) / 2)
    # the plain mse counts the two zeros as real ratings
    assert mse(predictions, ratings) == pytest.approx((1 + 1 + 4 + 0) / 4)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("shape", [(5, 7), (1, 4), (6, 1)])
def test_masked_mse_equals_mse_over_observed_entries(seed, shape):
    predictions, ratings, mask = random_problem(seed, shape)
    reference = np.mean((predictions[mask] - ratings[mask]) ** 2)  # boolean indexing
    assert masked_mse(predictions, ratings, mask) == pytest.approx(reference, rel=1e-12)
    assert masked_mse(predictions, ratings, mask.astype(int)) == pytest.approx(reference, rel=1e-12)
    assert masked_mse(predictions, ratings, mask.astype(float)) == pytest.approx(reference, rel=1e-12)


def test_unmasked_loss_is_minimised_by_predicting_zero_for_unwatched():
    _, ratings, mask = random_problem(3)
    fitted_observed = np.where(mask, ratings, 3.0)  # perfect on observed, 3 stars elsewhere
    assert masked_mse(fitted_observed, ratings, mask) == 0.0
    assert mse(fitted_observed, ratings) > mse(ratings, ratings) == 0.0


def test_values_at_unobserved_positions_do_not_matter():
    predictions, ratings, mask = random_problem(4)
    changed = np.where(mask, ratings, np.nan)
    assert masked_mse(predictions, changed, mask) == masked_mse(predictions, ratings, mask)
    changed = np.where(mask, ratings, 99.0)
    assert masked_mse(predictions, changed, mask) == masked_mse(predictions, ratings, mask)


@pytest.mark.parametrize("seed", [0, 1])
def test_numpy_and_torch_give_the_same_number(seed):
    predictions, ratings, mask = random_problem(seed)
    in_numpy = masked_mse(predictions, ratings, mask)
    in_torch = masked_mse(torch.tensor(predictions), torch.tensor(ratings), torch.tensor(mask))
    assert isinstance(in_torch, torch.Tensor) and in_torch.ndim == 0
    assert in_torch.item() == pytest.approx(in_numpy, rel=1e-12)
    mixed = masked_mse(torch.tensor(predictions), ratings, mask)  # tensor predictions, numpy data
    assert mixed.item() == pytest.approx(in_numpy, rel=1e-12)
    assert mse(torch.tensor(predictions), ratings).item() == pytest.approx(mse(predictions, ratings))


@pytest.mark.parametrize("missing", [0.0, np.nan])
def test_masked_entries_get_exactly_zero_gradient(missing):
    predictions, ratings, mask = random_problem(5)
    ratings = np.where(mask, ratings, missing)
    predictions = torch.tensor(predictions, requires_grad=True)
    masked_mse(predictions, torch.tensor(ratings), torch.tensor(mask)).backward()
    grad = predictions.grad.numpy()
    assert np.all(grad[~mask] == 0.0)
    # and on observed entries it is d/dp mean((p - r)^2) = 2 (p - r) / n_observed
    expected = 2 * (predictions.detach().numpy() - ratings) / mask.sum()
    np.testing.assert_allclose(grad[mask], expected[mask], rtol=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_dense_masked_loss_equals_long_format_loss(seed):
    predictions, ratings, mask = random_problem(seed)
    user_idx, item_idx, values = to_long(ratings, mask)
    assert len(values) == mask.sum()
    assert long_mse(predictions, user_idx, item_idx, values) == pytest.approx(
        masked_mse(predictions, ratings, mask), rel=1e-12
    )


def test_dense_and_long_loss_agree_in_torch_with_gradients():
    predictions, ratings, mask = random_problem(6)
    dense_predictions = torch.tensor(predictions, requires_grad=True)
    long_predictions = torch.tensor(predictions, requires_grad=True)
    masked_mse(dense_predictions, torch.tensor(ratings), torch.tensor(mask)).backward()
    long_mse(long_predictions, *to_long(torch.tensor(ratings), torch.tensor(mask))).backward()
    np.testing.assert_allclose(dense_predictions.grad.numpy(), long_predictions.grad.numpy(), rtol=1e-12)


def test_to_long_hand_example():
    ratings = np.array([[5.0, 0.0, 3.0], [0.0, 0.0, 1.0]])
    user_idx, item_idx, values = to_long(ratings, ratings > 0)
    assert user_idx.tolist() == [0, 0, 1]
    assert item_idx.tolist() == [0, 2, 2]
    assert values.tolist() == [5.0, 3.0, 1.0]


@pytest.mark.parametrize("as_torch", [False, True])
def test_to_long_to_dense_round_trip(as_torch):
    _, ratings, mask = random_problem(7)
    if as_torch:
        ratings, mask = torch.tensor(ratings), torch.tensor(mask)
    dense, dense_mask = to_dense(*to_long(ratings, mask), shape=tuple(ratings.shape))
    assert type(dense) is type(ratings)
    np.testing.assert_array_equal(np.asarray(dense), np.asarray(ratings))
    np.testing.assert_array_equal(np.asarray(dense_mask), np.asarray(mask))
    assert dense_mask.dtype in (np.bool_, torch.bool)


def test_long_to_dense_to_long_round_trip_and_keeps_gradients():
    values = torch.tensor([4.0, 2.5, 5.0], requires_grad=True)
    ratings, mask = to_dense([2, 0, 1], [1, 3, 0], values, shape=(3, 4))
    assert ratings[2, 1].item() == 4.0 and mask.sum().item() == 3
    ratings.sum().backward()
    assert values.grad.tolist() == [1.0, 1.0, 1.0]
    user_idx, item_idx, back = to_long(ratings, mask)  # table order: sorted by user, then item
    assert user_idx.tolist() == [0, 1, 2] and item_idx.tolist() == [3, 0, 1]
    assert back.tolist() == [2.5, 5.0, 4.0]


def test_shape_mismatch_is_an_error():
    predictions, ratings, mask = random_problem(0)
    with pytest.raises(ValueError, match=r"shapes differ: predictions \(5, 7\), ratings \(5, 6\)"):
        masked_mse(predictions, ratings[:, :6], mask)
    with pytest.raises(ValueError, match=r"mask \(7, 5\)"):
        masked_mse(predictions, ratings, mask.T)
    with pytest.raises(ValueError, match="shapes differ"):
        mse(predictions, ratings.T)


def test_empty_mask_is_an_error():
    predictions, ratings, mask = random_problem(0)
    with pytest.raises(ValueError, match="no observed entry"):
        masked_mse(predictions, ratings, np.zeros_like(mask))
    with pytest.raises(ValueError, match="no observed entry"):
        to_long(ratings, np.zeros_like(mask))


def test_nan_in_observed_ratings_is_an_error():
    predictions, ratings, mask = random_problem(0)
    ratings[0, 0] = np.nan  # observed: mask[0, 0] is True
    with pytest.raises(ValueError, match="NaN at observed positions"):
        masked_mse(predictions, ratings, mask)
    with pytest.raises(ValueError, match="NaN"):
        masked_mse(torch.tensor(predictions), torch.tensor(ratings), torch.tensor(mask))


def test_mask_must_be_zero_one():
    predictions, ratings, mask = random_problem(0)
    with pytest.raises(ValueError, match="only 0/1"):
        masked_mse(predictions, ratings, ratings)  # the ratings passed as the mask


def test_long_and_dense_errors():
    with pytest.raises(ValueError, match=r"appear more than once: \[\[0, 1\]\]"):
        to_dense([0, 0], [1, 1], np.array([3.0, 4.0]), shape=(2, 2))
    with pytest.raises(ValueError, match=r"item_idx must be ids in 0\.\.1"):
        to_dense([0], [2], np.array([3.0]), shape=(2, 2))
    with pytest.raises(ValueError, match="shapes differ"):
        to_dense([0, 1], [1], np.array([3.0]), shape=(2, 2))
    with pytest.raises(ValueError, match=r"user_idx must be ids in 0\.\.2"):
        long_mse(np.zeros((3, 3)), [3], [0], np.array([1.0]))
    with pytest.raises(ValueError, match=r"predictions must be the \(n_users, n_items\) table"):
        long_mse(np.zeros(3), [0], [0], np.array([1.0]))
