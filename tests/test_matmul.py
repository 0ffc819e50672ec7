"""Tests for cfcourse/matmul.py: the hand-written loops against numpy's @ and .T."""

import numpy as np
import pytest
import torch

from cfcourse.matmul import matmul, matmul_shape, predict_table, transpose


@pytest.mark.parametrize("shape_a, shape_b", [((1, 1), (1, 1)), ((2, 3), (3, 2)), ((4, 1), (1, 5)), ((3, 5), (5, 4))])
def test_matmul_equals_numpy(shape_a, shape_b):
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=shape_a), rng.normal(size=shape_b)
    np.testing.assert_allclose(matmul(a, b), a @ b, rtol=1e-12)


def test_matmul_hand_example_2x3_times_3x2():
    a = [[1, 2, 3], [4, 5, 6]]
    b = [[7, 8], [9, 10], [11, 12]]
    # [1*7 + 2*9 + 3*11, 1*8 + 2*10 + 3*12], [4*7 + 5*9 + 6*11, 4*8 + 5*10 + 6*12]
    expected = np.array([[58, 64], [139, 154]])
    result = matmul(a, b)
    assert isinstance(result, np.ndarray)
    np.testing.assert_array_equal(result, expected)
    assert result.dtype == (np.array(a) @ np.array(b)).dtype


def test_matmul_shape_error_names_shapes_and_suggests_transpose():
    a = np.ones((2, 3))
    with pytest.raises(ValueError, match=r"\(2, 3\) @ \(2, 3\): the inner sizes 3 and 2 differ") as info:
        matmul(a, a)
    assert "did you mean a @ b.T?" in str(info.value)


def test_matmul_shape_error_suggests_transposing_a():
    with pytest.raises(ValueError, match=r"did you mean a\.T @ b\?"):
        matmul(np.ones((3, 2)), np.ones((3, 4)))


def test_matmul_rejects_vectors():
    with pytest.raises(ValueError, match="2-D"):
        matmul([1, 2, 3], np.ones((3, 2)))


@pytest.mark.parametrize("shape", [(1, 1), (2, 3), (4, 1), (3, 3)])
def test_transpose_equals_numpy_and_twice_is_identity(shape):
    a = np.random.default_rng(1).normal(size=shape)
    np.testing.assert_array_equal(transpose(a), a.T)
    np.testing.assert_array_equal(transpose(transpose(a)), a)


def test_transpose_of_product_is_product_of_transposes_reversed():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(3, 4))
    np.testing.assert_allclose(transpose(matmul(a, b)), matmul(transpose(b), transpose(a)))


def test_predict_table_has_the_shape_of_the_ratings_table():
    rng = np.random.default_rng(3)
    user_factors, item_factors = rng.normal(size=(4, 2)), rng.normal(size=(6, 2))
    table = predict_table(user_factors, item_factors)
    assert table.shape == (4, 6)
    np.testing.assert_allclose(table, matmul(user_factors, transpose(item_factors)))
    assert table[1, 5] == pytest.approx(user_factors[1] @ item_factors[5])


def test_predict_table_accepts_lists_and_keeps_torch_gradients():
    assert predict_table([[1, 2]], [[3, 4], [5, 6]]).tolist() == [[11.0, 17.0]]
    user_factors = torch.ones(2, 3, requires_grad=True)
    table = predict_table(user_factors, torch.ones(4, 3))
    table.sum().backward()
    assert user_factors.grad.shape == (2, 3)


def test_predict_table_factor_sizes_must_agree():
    with pytest.raises(ValueError, match="same number of factors"):
        predict_table(np.ones((4, 2)), np.ones((6, 3)))


def test_predict_table_rejects_1d_factors():
    with pytest.raises(ValueError, match=r"user_factors must have shape \(n, n_factors\)"):
        predict_table(np.ones(3), np.ones((6, 3)))


@pytest.mark.parametrize(
    "shape_a, shape_b, expected",
    [((2, 3), (3, 2), (2, 2)), ((1, 4), (4, 1), (1, 1)), ((610, 10), (10, 9742), (610, 9742))],
)
def test_matmul_shape_keeps_the_outer_sizes(shape_a, shape_b, expected):
    assert matmul_shape(shape_a, shape_b) == expected
    if max(expected) < 100:
        assert matmul(np.ones(shape_a), np.ones(shape_b)).shape == expected


def test_matmul_shape_raises_the_same_error_as_matmul():
    with pytest.raises(ValueError, match=r"\(5, 3\) @ \(6, 3\): the inner sizes 3 and 6 differ.*a @ b\.T\?"):
        matmul_shape((5, 3), (6, 3))
    with pytest.raises(ValueError, match=r"b must be a 2-D table.*got shape \(3,\)"):
        matmul_shape((2, 3), (3,))
