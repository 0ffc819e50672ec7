"""Tests for cfcourse/own_data.py: any ratings CSV into the course's long form, or a clear error."""

import numpy as np
import pandas as pd
import pytest

from cfcourse.errors import RatingsError
from cfcourse.factorization import MatrixFactorization
from cfcourse.own_data import EVENTS, ITEM_LABEL, USER_LABEL, load_ratings_csv


def write(tmp_path, text, name="ratings.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_reads_its_own_column_names_and_scale(tmp_path):
    path = write(tmp_path, "reader,book,score\n1,10,7\n1,11,10\n2,10, 3\n")
    frame = load_ratings_csv(path, user="reader", item="book", rating="score", scale=(1, 10))
    assert list(frame.columns) == ["userId", "movieId", "rating"]
    assert frame["userId"].dtype == np.int64 and frame["rating"].dtype == np.float64
    assert frame.to_numpy().tolist() == [[1, 10, 7], [1, 11, 10], [2, 10, 3]]


def test_text_ids_become_codes_and_keep_their_labels(tmp_path):
    path = write(tmp_path, "userId,movieId,rating\nann,Heat,4\nbob,Heat,2\nann,Alien,5\n")
    frame = load_ratings_csv(path)
    assert frame["userId"].tolist() == [0, 1, 0] and frame["movieId"].tolist() == [0, 0, 1]
    assert frame[USER_LABEL].tolist() == ["ann", "bob", "ann"] and frame[ITEM_LABEL].tolist() == ["Heat", "Heat", "Alien"]


def test_implicit_events_are_counted_per_pair(tmp_path):
    path = write(tmp_path, "user,item\n1,5\n1,5\n2,5\n1,6\n")
    frame = load_ratings_csv(path, user="user", item="item", rating=None)
    assert list(frame.columns) == ["userId", "movieId", EVENTS]
    assert frame.to_numpy().tolist() == [[1, 5, 2], [2, 5, 1], [1, 6, 1]]


def test_the_loaded_frame_trains_on_its_scale(tmp_path):
    rng = np.random.default_rng(0)
    rows = [(u, i, int(rng.integers(1, 11))) for u in range(12) for i in range(8) if (u + i) % 3]
    path = write(tmp_path, "u,i,r\n" + "".join(f"{u},{i},{r}\n" for u, i, r in rows))
    frame = load_ratings_csv(path, user="u", item="i", rating="r", scale=(1, 10))
    pred = MatrixFactorization(n_factors=2, epochs=2, scale=(1, 10)).fit(frame).predict(frame)
    assert pred.min() >= 1 and pred.max() <= 10


@pytest.mark.parametrize("text, kwargs, match", [
    ("", {}, "is empty: it needs a header line"),
    ("userId,movieId,rating\n", {}, "header but no rows"),
    ("userId;movieId;rating\n1;2;3\n", {}, "separated by ';'.*pass sep=';'"),
    ("user,movie,stars\n1,2,3\n", {}, r"no column\(s\) \['userId', 'movieId', 'rating'\]; its header has \['user', 'movie', 'stars'\]"),
    ("userId,movieId\n1,2\n", {}, "or rating=None if the file holds events"),
    ("userId,movieId,rating\n1,2,4\n1,,3\n", {}, "column 'movieId' is blank in 1 of 2 rows \\(first on line 3\\)"),
    ("userId,movieId,rating\n1,2,4\n1,3,good\n", {}, "line 3 has 'good'"),
    ("userId,movieId,rating\n1,2,4\n1,3,\"4,5\"\n", {}, "must hold numbers.*'4,5'"),
    ("userId,movieId,rating\n1,2,4\n1,3,11\n", {"scale": (1, 10)}, r"outside the scale \[1, 10\] \(first on line 3: 11\).*scale=\(4, 11\)"),
    ("userId,movieId,rating\n1,2,4\n2,2,3\n1,2,5\n", {}, "lines 2 and 4 \\('1', '2'\\); keep one rating per pair"),
    ("userId,movieId,rating\n1,2\n1,2,3,4\n", {}, "not a well-formed CSV"),
])  # fmt: skip
def test_every_problem_is_named_with_its_fix(tmp_path, text, kwargs, match):
    with pytest.raises(RatingsError, match=match):
        load_ratings_csv(write(tmp_path, text), **kwargs)


def test_a_missing_file_says_where_it_looked(tmp_path):
    with pytest.raises(FileNotFoundError, match="no file at .*nope.csv"):
        load_ratings_csv(tmp_path / "nope.csv")


def test_a_bad_scale_is_refused(tmp_path):
    with pytest.raises(ValueError, match="scale needs low < high"):
        load_ratings_csv(write(tmp_path, "userId,movieId,rating\n1,2,3\n"), scale=(10, 1))
