"""Tests for cfcourse/data.py: the loaders, on a tiny archive laid out like ml-latest-small
(getting and verifying the files is tested in test_download.py)."""

import hashlib
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from test_download import TINY_FILES, assert_empty, zip_bytes

from cfcourse import data, download
from cfcourse.columns import ITEM, RATING, TIMESTAMP, USER
from cfcourse.data import UnexpectedFormatError, genre_matrix, load_movies, load_ratings


@pytest.fixture
def tiny_cache(cache_dir, tmp_path, monkeypatch):
    """A cache seeded with the tiny archive, whose checksums become the default ones."""
    monkeypatch.setattr(
        download, "MOVIELENS_SHA256",
        {name: hashlib.sha256(content).hexdigest() for name, content in TINY_FILES.items() if name.endswith(".csv")},
    )
    cache_dir.mkdir()
    zip_bytes(cache_dir / "ml-latest-small.zip")
    return cache_dir


def test_load_ratings_types_and_values(tiny_cache):
    ratings = load_ratings()
    assert list(ratings.columns) == [USER, ITEM, RATING, TIMESTAMP]
    assert ratings.dtypes.tolist() == [np.int32, np.int32, np.float32, np.dtype("datetime64[s]")]
    assert ratings[USER].tolist() == [1, 1, 2, 3]
    assert ratings[ITEM].tolist() == [10, 20, 10, 30]
    assert ratings[RATING].tolist() == [4.0, 3.5, 5.0, 0.5]
    assert ratings[TIMESTAMP].iloc[0] == pd.Timestamp("2000-07-30 18:45:03")


def test_load_movies_splits_title_year_and_genres(tiny_cache):
    movies = load_movies()
    assert list(movies.columns) == [ITEM, "title", "year", "genres"]
    assert movies[ITEM].dtype == np.int32
    assert pd.api.types.is_string_dtype(movies["title"])
    assert movies["year"].dtype == "Int16"
    assert movies["title"].tolist() == [
        "Toy Story", "American President, The", "Babylon 5", "Runaway Brain", "Death Note: Desu nôto",
    ]
    assert movies["year"].tolist() == [1995, 1995, pd.NA, 1995, 2006]
    assert movies["genres"].tolist() == [
        ["Adventure", "Animation", "Children"], ["Comedy", "Drama", "Romance"], [],
        ["Animation", "Comedy"], [],
    ]


def test_genre_matrix_is_one_hot_with_sorted_columns(tiny_cache):
    genres = genre_matrix(load_movies())
    assert genres.index.name == ITEM
    assert genres.index.tolist() == [10, 20, 30, 40, 50]
    assert genres.columns.tolist() == ["Adventure", "Animation", "Children", "Comedy", "Drama", "Romance"]
    assert (genres.dtypes == np.int8).all()
    assert genres.loc[40].tolist() == [0, 1, 0, 1, 0, 0]
    assert genres.loc[[30, 50]].to_numpy().sum() == 0  # no genres listed: a row of zeros
    assert genres.sum(axis=1).tolist() == [3, 3, 0, 2, 0]


def test_loaders_read_a_repaired_file_not_a_truncated_one(tiny_cache):
    # issue 11, item 3: a truncated ratings.csv used to load silently with fewer rows
    assert len(load_ratings()) == 4
    ratings_csv = tiny_cache / "ml-latest-small" / "ratings.csv"
    ratings_csv.write_bytes(TINY_FILES["ratings.csv"][:-25])
    assert len(load_ratings()) == 4
    assert ratings_csv.read_bytes() == TINY_FILES["ratings.csv"]


def test_csv_with_unexpected_header_is_reported(cache_dir, monkeypatch):
    content = b"user,item,stars,time\n1,2,3.0,4\n"
    monkeypatch.setattr(download, "MOVIELENS_SHA256", {"ratings.csv": hashlib.sha256(content).hexdigest()})
    folder = cache_dir / "ml-latest-small"
    folder.mkdir(parents=True)
    (folder / "ratings.csv").write_bytes(content)
    with pytest.raises(UnexpectedFormatError, match=r"has the columns \['user', 'item', 'stars', 'time'\]"):
        load_ratings()


def test_data_module_still_offers_what_the_course_uses():
    # the notebooks, README and cfcourse.notebook use these names through cfcourse.data
    for name in ("load_ratings", "load_movies", "genre_matrix", "download_movielens", "import_archive",
                 "data_dir", "MovieLensError", "DownloadError", "main"):
        assert getattr(data, name) is not None
    assert data.MovieLensError is download.MovieLensError
    assert issubclass(data.UnexpectedFormatError, download.MovieLensError)


def test_python_m_cfcourse_data_is_the_command_line(tmp_path, cache_dir):
    bad = tmp_path / "ml-latest-small.zip"
    bad.write_bytes(b"not a zip")
    result = subprocess.run(
        [sys.executable, "-m", "cfcourse.data", "fetch", "--from", str(bad)],
        capture_output=True, text=True, env={**os.environ, "CFCOURSE_DATA_DIR": str(cache_dir)}, timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: ")
    assert "not a readable zip" in result.stderr
    assert "Traceback" not in result.stderr
    assert_empty(cache_dir)
