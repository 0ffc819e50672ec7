"""Tests for cfcourse/split.py: the exact protocol, no leakage, id round trips."""

import numpy as np
import pandas as pd
import pytest
import torch

from cfcourse.columns import ITEM, RATING, USER
from cfcourse.split import ITEM_IDX, USER_IDX, Split, encode, encode_ids, time_split, train_valid_split


def small_ratings(n_users=12, n_items=15, n=60, seed=0) -> pd.DataFrame:
    """Distinct (user, movie) pairs with gappy raw ids, like MovieLens."""
    rng = np.random.default_rng(seed)
    cells = rng.choice(n_users * n_items, size=n, replace=False)
    return pd.DataFrame(
        {
            USER: cells // n_items * 10 + 1,
            ITEM: cells % n_items * 100 + 7,
            RATING: rng.integers(1, 11, size=n) / 2,
            "timestamp": np.arange(n),
        },
        index=pd.RangeIndex(1000, 1000 + n),
    )


@pytest.mark.parametrize("valid_frac, seed", [(0.1, 42), (0.25, 0), (0.5, 7)])
def test_split_follows_the_protocol_exactly(valid_frac, seed):
    ratings = small_ratings()
    split = train_valid_split(ratings, valid_frac=valid_frac, seed=seed)
    # the protocol, re-implemented directly
    perm = np.random.default_rng(seed).permutation(len(ratings))
    n_valid = int(valid_frac * len(ratings))
    train = ratings.iloc[perm[n_valid:]]
    valid = ratings.iloc[perm[:n_valid]]
    kept = valid[valid[USER].isin(train[USER]) & valid[ITEM].isin(train[ITEM])]
    assert sorted(split.train.index) == sorted(train.index)
    assert sorted(split.valid.index) == sorted(kept.index)
    assert split.dropped == len(valid) - len(kept)
    pd.testing.assert_frame_equal(split.train[ratings.columns], ratings.loc[sorted(train.index)])
    pd.testing.assert_frame_equal(split.valid[ratings.columns], ratings.loc[sorted(kept.index)])


def test_no_leakage():
    ratings = small_ratings(n_users=30, n_items=40, n=60)
    split = train_valid_split(ratings, valid_frac=0.3)
    assert split.dropped > 0  # the fixture exercises the drop
    assert set(split.train.index).isdisjoint(split.valid.index)
    assert len(split.train) + len(split.valid) + split.dropped == len(ratings)
    assert set(split.valid[USER]) <= set(split.train[USER])
    assert set(split.valid[ITEM]) <= set(split.train[ITEM])
    assert split.n_users == split.train[USER].nunique() and split.n_items == split.train[ITEM].nunique()


def test_deterministic_and_seed_dependent():
    ratings = small_ratings()
    a, b, c = train_valid_split(ratings), train_valid_split(ratings), train_valid_split(ratings, seed=1)
    pd.testing.assert_frame_equal(a.train, b.train)
    pd.testing.assert_frame_equal(a.valid, b.valid)
    assert not a.valid.index.equals(c.valid.index)


def test_indices_decode_to_raw_ids_in_both_parts():
    split = train_valid_split(small_ratings(), valid_frac=0.3)
    for part in (split.train, split.valid):
        np.testing.assert_array_equal(split.user_ids[part[USER_IDX]], part[USER])
        np.testing.assert_array_equal(split.item_ids[part[ITEM_IDX]], part[ITEM])
    assert sorted(split.train[USER_IDX].unique()) == list(range(split.n_users))
    assert sorted(split.train[ITEM_IDX].unique()) == list(range(split.n_items))


def test_tensors():
    split = train_valid_split(small_ratings())
    user_idx, item_idx, ratings = split.tensors("valid")
    assert user_idx.dtype == item_idx.dtype == torch.int64 and ratings.dtype == torch.float32
    np.testing.assert_array_equal(ratings.numpy(), split.valid[RATING].to_numpy(np.float32))
    np.testing.assert_array_equal(user_idx.numpy(), split.valid[USER_IDX])
    with pytest.raises(ValueError, match="'train' or 'valid'"):
        split.tensors("test")
    assert isinstance(split, Split) and "dropped=" in repr(split)


def test_encode_round_trip_and_known_answer():
    frame = pd.DataFrame({USER: [10, 30, 10, 20], ITEM: [7, 7, 99, 5], RATING: [1.0, 2.0, 3.0, 4.0]})
    encoded, user_ids, item_ids = encode(frame)
    assert encoded[USER_IDX].tolist() == [0, 2, 0, 1]
    assert encoded[ITEM_IDX].tolist() == [1, 1, 2, 0]
    assert user_ids.tolist() == [10, 20, 30] and item_ids.tolist() == [5, 7, 99]
    np.testing.assert_array_equal(user_ids[encoded[USER_IDX]], frame[USER])
    assert USER_IDX not in frame.columns  # the input is not modified


def test_encode_with_vocabulary_rejects_unknown_ids():
    frame = pd.DataFrame({USER: [10, 40], ITEM: [7, 7]})
    with pytest.raises(KeyError, match="40"):
        encode(frame, user_ids=np.array([10, 20]), item_ids=np.array([7]))


@pytest.mark.parametrize(
    "change, match",
    [
        (lambda r: r.drop(columns=[RATING]), "no column"),
        (lambda r: r.iloc[:0], "empty"),
        (lambda r: r.assign(rating=r[RATING].where(r.index != 1003)), "NaN"),
        (lambda r: r.assign(rating=r[RATING] * 10), "outside the scale"),
        (lambda r: pd.concat([r, r.iloc[:2]]), "repeat a"),
    ],
)
def test_bad_ratings_raise(change, match):
    with pytest.raises(ValueError, match=match):
        train_valid_split(change(small_ratings()))


@pytest.mark.parametrize("valid_frac", [0.0, 1.0, -0.1])
def test_bad_valid_frac_raises(valid_frac):
    with pytest.raises(ValueError, match="valid_frac"):
        train_valid_split(small_ratings(), valid_frac=valid_frac)


def test_not_a_frame_raises():
    with pytest.raises(TypeError, match="DataFrame"):
        train_valid_split(np.zeros((3, 3)))


# --- time_split: each user's most recent ratings are validation


def test_time_split_holds_out_each_users_latest_ratings():
    frame = pd.DataFrame({
        USER: [1] * 10 + [2] * 20 + [3] * 5,
        ITEM: list(range(10)) + list(range(6, 20)) + [0, 1, 2, 3, 4, 5] + list(range(5)),
        RATING: 3.0,
        "timestamp": list(range(10, 0, -1)) + list(range(20)) + [5, 1, 4, 2, 3],
    })  # fmt: skip
    split = time_split(frame, valid_frac=0.2)
    held = split.valid.groupby(USER)["timestamp"].apply(sorted).to_dict()
    assert held == {1: [9, 10], 2: [16, 17, 18, 19], 3: [5]}  # int(0.2 * n) latest of each user
    assert split.dropped == 0 and split.seed == 0 and split.valid_frac == 0.2
    assert list(split.train.index) == sorted(split.train.index)  # original row order kept
    assert len(split.train) + len(split.valid) == len(frame)


def test_time_split_validation_is_after_training_for_every_user():
    ratings = small_ratings(n_users=4, n_items=40, n=120, seed=3).sample(frac=1.0, random_state=0)
    split = time_split(ratings, valid_frac=0.25)
    last_train = split.train.groupby(USER)["timestamp"].max()
    first_valid = split.valid.groupby(USER)["timestamp"].min()
    assert (first_valid > last_train.reindex(first_valid.index)).all()
    assert set(split.valid[ITEM]) <= set(split.train[ITEM])
    for part in (split.train, split.valid):
        np.testing.assert_array_equal(split.user_ids[part[USER_IDX]], part[USER])


def test_time_split_drops_movies_first_rated_in_the_future():
    frame = pd.DataFrame({USER: [1, 1, 1, 1, 2, 2], ITEM: [5, 6, 7, 8, 5, 6], RATING: 4.0,
                          "timestamp": [1, 2, 3, 4, 1, 2]})  # fmt: skip
    split = time_split(frame, valid_frac=0.5)
    assert split.dropped == 2  # movies 7 and 8 are only ever rated last
    assert split.valid[ITEM].tolist() == [6] and split.n_items == 2


def test_time_split_bad_input_raises():
    with pytest.raises(ValueError, match="timestamp"):
        time_split(small_ratings().drop(columns=["timestamp"]))
    with pytest.raises(ValueError, match="valid_frac"):
        time_split(small_ratings(), valid_frac=1.0)
    with pytest.raises(TypeError, match="DataFrame"):
        time_split(np.zeros((3, 3)))


def test_encode_ids_is_one_column_of_encode():
    frame = pd.DataFrame({USER: [10, 30, 10, 20], ITEM: [7, 7, 99, 5]})
    encoded, user_ids, _ = encode(frame)
    idx, ids = encode_ids(frame[USER])
    np.testing.assert_array_equal(idx, encoded[USER_IDX])
    np.testing.assert_array_equal(ids, user_ids)
    assert idx.dtype == np.int64
    with pytest.raises(KeyError, match=r"1 userId value\(s\) not in the given vocabulary, e\.g\. \[30\]"):
        encode_ids(frame[USER], np.array([10, 20]))
