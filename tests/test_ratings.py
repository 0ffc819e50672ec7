"""Tests for cfcourse/ratings.py: known answers on a tiny hand-made ratings frame."""

import tracemalloc

import numpy as np
import pandas as pd
import pytest

from cfcourse.columns import ITEM, RATING, USER
from cfcourse.ratings import (
    RatingsError,
    UnknownIdError,
    check_ratings,
    cosine_similarity,
    density,
    most_active,
    ratings_table,
    sparsity,
)


@pytest.fixture
def ratings():
    """4 users x 4 movies, 7 ratings; user 40 and movie 400 are rated once each."""
    return pd.DataFrame(
        {
            USER: [10, 10, 10, 20, 20, 30, 40],
            ITEM: [100, 200, 300, 100, 300, 200, 400],
            RATING: [5.0, 3.0, 1.0, 4.0, 2.0, 0.5, 4.5],
        }
    )


EXPECTED_TABLE = np.array(
    [
        [5.0, 3.0, 1.0, 0.0],
        [4.0, 0.0, 2.0, 0.0],
        [0.0, 0.5, 0.0, 0.0],
        [0.0, 0.0, 0.0, 4.5],
    ]
)


# --- check_ratings ---------------------------------------------------------------------------


def test_check_ratings_returns_a_clean_frame_unchanged(ratings):
    assert check_ratings(ratings) is ratings


def test_check_ratings_rejects_a_non_frame():
    with pytest.raises(TypeError, match="must be a pandas DataFrame.*got ndarray"):
        check_ratings(np.zeros((3, 3)))


def _with(frame, **changes):
    frame = frame.copy()
    for column, values in changes.items():
        frame[column] = values
    return frame


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda r: r.rename(columns={USER: "user"}), r"no column\(s\) \['userId'\].*has \['user'.*rename\(columns="),
        (lambda r: r.iloc[:0], "empty"),
        (lambda r: _with(r, rating=[5.0, np.nan, 1.0, np.nan, 2.0, 0.5, 4.5]), "'rating' has NaN in 2 of 7 rows.*dropna"),
        (lambda r: _with(r, rating=[5.0, 3.0, 1.0, 4.0, 2.0, 0.0, 6.0]), r"2 ratings lie outside the scale \[0.5, 5.0\] \(min 0.0, max 6.0\)"),
        (lambda r: _with(r, rating=["5"] * 7), "must hold numbers.*pd.to_numeric"),
        (lambda r: r.astype({USER: float}), "ids in column 'userId' must be integers.*astype"),
        (lambda r: _with(r, movieId=list("abcdefg")), "ids in column 'movieId' must be integers.*factorize"),
        (lambda r: pd.concat([r, r.iloc[[1, 1]]]), r"3 rows repeat a \(userId, movieId\) pair, e.g. \(10, 200\).*drop_duplicates"),
    ],
    ids=["missing column", "empty", "NaN", "out of scale", "text ratings", "float ids", "text ids", "duplicates"],
)
def test_check_ratings_names_the_problem_and_the_fix(ratings, make, match):
    with pytest.raises(RatingsError, match=match):
        check_ratings(make(ratings))


def test_check_ratings_options(ratings):
    doubled = pd.concat([ratings, ratings])
    assert check_ratings(doubled, allow_duplicates=True) is doubled
    assert check_ratings(ratings, scale=(1, 5), columns=(USER, ITEM)) is ratings  # no rating column: no scale
    with pytest.raises(RatingsError, match="outside the scale"):
        check_ratings(ratings, scale=(1, 5))
    assert check_ratings(ratings, scale=None) is ratings


# --- ratings_table ---------------------------------------------------------------------------


def test_ratings_table_known_answer(ratings):
    table = ratings_table(ratings)
    np.testing.assert_array_equal(table.to_numpy(), EXPECTED_TABLE)
    assert table.index.tolist() == [10, 20, 30, 40]
    assert table.columns.tolist() == [100, 200, 300, 400]
    assert (table.index.name, table.columns.name) == (USER, ITEM)


def test_ratings_table_corner_equals_the_pivot_of_the_whole(ratings):
    full = ratings.pivot(index=USER, columns=ITEM, values=RATING).fillna(0.0)
    corner = ratings_table(ratings, users=[30, 10], items=[300, 100, 200])
    pd.testing.assert_frame_equal(corner, full.loc[[30, 10], [300, 100, 200]], check_names=True)


def test_ratings_table_keeps_float32(ratings):
    assert ratings_table(ratings.astype({RATING: np.float32})).dtypes.unique().tolist() == [np.float32]


def test_ratings_table_only_builds_the_corner_asked_for():
    # 4,000 x 4,000 users x movies: the full float64 table would take 128 MB
    n = 4_000
    ids = np.arange(1, n + 1)
    many = pd.DataFrame({USER: ids, ITEM: ids[::-1], RATING: np.full(n, 3.0)})
    tracemalloc.start()
    try:
        corner = ratings_table(many, users=[1, 2], items=[n, n - 1, 1])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4_000_000
    assert corner.to_numpy().tolist() == [[3.0, 0.0, 0.0], [0.0, 3.0, 0.0]]


def test_ratings_table_unknown_ids_raise_a_key_error_naming_them(ratings):
    with pytest.raises(UnknownIdError, match=r"users \[99, 98\] not in the ratings") as info:
        ratings_table(ratings, users=[10, 99, 98])
    assert isinstance(info.value, KeyError)
    assert not str(info.value).startswith('"')  # a readable message, not a quoted key
    with pytest.raises(UnknownIdError, match=r"items \[999\]"):
        ratings_table(ratings, items=[100, 999])


def test_ratings_table_rejects_repeated_ids(ratings):
    with pytest.raises(RatingsError, match=r"lists some ids twice: \[10\]"):
        ratings_table(ratings, users=[10, 10])


# --- density, most_active ----------------------------------------------------------------------


def test_density_and_sparsity(ratings):
    assert density(ratings) == pytest.approx(7 / 16)
    assert sparsity(ratings) == pytest.approx(9 / 16)
    assert density(ratings) == pytest.approx((EXPECTED_TABLE != 0).mean())


def test_most_active_breaks_ties_by_id(ratings):
    users, items = most_active(ratings, n_users=2, n_items=3)
    # user 10 rated 3, user 20 rated 2; movies 100, 200, 300 were rated twice each
    assert users.tolist() == [10, 20]
    assert items.tolist() == [100, 200, 300]
    assert (users.name, items.name) == (USER, ITEM)
    all_users, _ = most_active(ratings, n_users=10, n_items=1)
    assert all_users.tolist() == [10, 20, 30, 40]  # ties (30, 40: one rating each) by id


def test_most_active_rejects_a_non_positive_count(ratings):
    with pytest.raises(RatingsError, match="n_users must be a positive integer"):
        most_active(ratings, n_users=0, n_items=2)


# --- cosine_similarity -----------------------------------------------------------------------


def test_cosine_similarity_matches_the_formula():
    rng = np.random.default_rng(0)
    table = rng.integers(0, 6, size=(6, 5)).astype(float)
    table[2] = 0.0  # a user who rated nothing
    sim = cosine_similarity(table)
    for i in range(6):
        for j in range(6):
            norms = np.linalg.norm(table[i]) * np.linalg.norm(table[j])
            expected = table[i] @ table[j] / norms if norms else 0.0
            assert sim[i, j] == pytest.approx(expected)
    np.testing.assert_array_equal(sim, sim.T)
    nonzero = np.array([True, True, False, True, True, True])
    np.testing.assert_array_equal(np.diag(sim)[nonzero], 1.0)
    assert np.isfinite(sim).all() and (sim[2] == 0).all()


def test_cosine_similarity_keeps_labels_and_works_on_items(ratings):
    table = ratings_table(ratings)
    users = cosine_similarity(table)
    assert isinstance(users, pd.DataFrame)
    assert users.index.tolist() == users.columns.tolist() == [10, 20, 30, 40]
    assert users.loc[10, 20] == pytest.approx((5 * 4 + 1 * 2) / (np.sqrt(35) * np.sqrt(20)))
    assert users.loc[10, 40] == 0.0
    items = cosine_similarity(table.T)
    assert items.index.tolist() == [100, 200, 300, 400]
    assert items.index.name == ITEM


def test_cosine_similarity_rejects_nan_and_1d():
    with pytest.raises(ValueError, match="fillna"):
        cosine_similarity(np.array([[1.0, np.nan]]))
    with pytest.raises(ValueError, match="must be 2-D"):
        cosine_similarity(np.ones(3))


# --- issue 11 item 8: API messages
def test_duplicate_column_names_are_named():
    frame = pd.DataFrame([[1, 10, 4.0, 20]], columns=["userId", "movieId", "rating", "movieId"])
    with pytest.raises(RatingsError, match=r"more than one column named \['movieId'\]"):
        check_ratings(frame)


def test_most_active_refuses_a_bool_count():
    frame = pd.DataFrame({"userId": [1, 2], "movieId": [10, 10], "rating": [4.0, 3.0]})
    with pytest.raises(RatingsError, match="n_users must be a positive integer, got True"):
        most_active(frame, n_users=True, n_items=1)


def test_cosine_similarity_refuses_infinity():
    with pytest.raises(ValueError, match="infinite"):
        cosine_similarity(np.array([[1.0, np.inf], [1.0, 0.0]]))
