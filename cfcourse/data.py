"""Load MovieLens ml-latest-small as tidy frames: ratings, movies, genres.

The files come from the course's data cache, which :mod:`cfcourse.download`
fills on first use (downloaded or imported, verified by sha256, checked on
every load). The command line lives there too and runs from here as
documented::

    python -m cfcourse.data fetch [--from ml-latest-small.zip] [--quiet]
    python -m cfcourse.data where

Introduced in notebooks/01_ratings_table.ipynb.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from cfcourse.columns import ITEM, RATING, TIMESTAMP, USER
from cfcourse.download import (  # noqa: F401  (re-exported: the notebooks and README use cfcourse.data)
    MOVIELENS_ARCHIVE,
    MOVIELENS_FOLDER,
    CacheError,
    ChecksumError,
    CorruptArchiveError,
    DownloadError,
    MovieLensError,
    UnsafeArchiveError,
    data_dir,
    download_movielens,
    import_archive,
    main,
)

TITLE = "title"
YEAR = "year"
GENRES = "genres"
NO_GENRES = "(no genres listed)"

_RATINGS_COLUMNS = [USER, ITEM, RATING, TIMESTAMP]
_MOVIES_COLUMNS = [ITEM, TITLE, GENRES]
# "Toy Story (1995)", "Death Note (2006–2007)", "Runaway Brain (1995) "
_TITLE_YEAR = re.compile(r"^(?P<title>.*?)\s*\((?P<year>\d{4})(?:\s*[-–]\s*\d{0,4})?\s*\)\s*$")


class UnexpectedFormatError(MovieLensError):
    """A csv file does not have the columns MovieLens ml-latest-small has."""


def _check_header(path: Path, expected: list[str]) -> None:
    with open(path, encoding="utf-8-sig") as f:
        header = f.readline().rstrip("\r\n").split(",")
    if header != expected:
        raise UnexpectedFormatError(
            f"{path} has the columns {header}, but MovieLens ml-latest-small's {path.name} has "
            f"{expected}. The cached data is not ml-latest-small: delete {path.parent} (and "
            f"{MOVIELENS_ARCHIVE} next to it) and fetch it again."
        )


def load_ratings(data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Load the MovieLens ratings (downloading them on first use).

    Parameters
    ----------
    data_dir : str or PathLike, optional
        The cache folder; default :func:`data_dir`.

    Returns
    -------
    DataFrame of shape (100836, 4)
        One row per rating, columns:

        - ``userId`` : int32
        - ``movieId`` : int32
        - ``rating`` : float32, half stars from 0.5 to 5.0
        - ``timestamp`` : datetime64[s], when the rating was made (UTC)

    Introduced in notebooks/01_ratings_table.ipynb.
    """
    path = download_movielens(data_dir) / "ratings.csv"
    _check_header(path, _RATINGS_COLUMNS)
    ratings = pd.read_csv(
        path, dtype={USER: np.int32, ITEM: np.int32, RATING: np.float32, TIMESTAMP: np.int64}
    )
    ratings[TIMESTAMP] = ratings[TIMESTAMP].to_numpy().astype("datetime64[s]")
    return ratings


def load_movies(data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Load the MovieLens movies (downloading them on first use).

    Parameters
    ----------
    data_dir : str or PathLike, optional
        The cache folder; default :func:`data_dir`.

    Returns
    -------
    DataFrame of shape (9742, 4)
        One row per movie, columns:

        - ``movieId`` : int32
        - ``title`` : str, without the year, whitespace stripped ("Toy Story")
        - ``year`` : Int16 (nullable), <NA> when the title gives no year
        - ``genres`` : object, a Python **list** of str per movie
          (``["Adventure", "Animation"]``); "(no genres listed)" becomes ``[]``.
          For one 0/1 column per genre use :func:`genre_matrix`.

    Introduced in notebooks/01_ratings_table.ipynb.
    """
    path = download_movielens(data_dir) / "movies.csv"
    _check_header(path, _MOVIES_COLUMNS)
    movies = pd.read_csv(
        path, dtype={ITEM: np.int32, TITLE: str, GENRES: str}, keep_default_na=False
    )
    parts = movies[TITLE].str.extract(_TITLE_YEAR)
    has_year = parts[YEAR].notna()
    title = parts[TITLE].where(has_year, movies[TITLE]).str.strip()
    genres = [[] if g in ("", NO_GENRES) else g.split("|") for g in movies[GENRES]]
    return pd.DataFrame(
        {
            ITEM: movies[ITEM],
            TITLE: title,
            YEAR: pd.to_numeric(parts[YEAR]).astype("Int16"),
            GENRES: pd.Series(genres, index=movies.index, dtype=object),
        }
    )


def genre_matrix(movies: pd.DataFrame) -> pd.DataFrame:
    """One-hot encode the genres of :func:`load_movies`.

    Parameters
    ----------
    movies : DataFrame
        With columns ``movieId`` and ``genres`` (a list of str per movie).

    Returns
    -------
    DataFrame of shape (n_movies, n_genres), int8
        Index ``movieId``; one column per genre, sorted by name; 1 when the
        movie has the genre, else 0. A movie without genres is a row of zeros.

    Introduced in notebooks/01_ratings_table.ipynb.
    """
    all_genres = sorted({g for genres in movies[GENRES] for g in genres})
    position = {g: j for j, g in enumerate(all_genres)}
    onehot = np.zeros((len(movies), len(all_genres)), dtype=np.int8)
    for i, genres in enumerate(movies[GENRES]):
        onehot[i, [position[g] for g in genres]] = 1
    return pd.DataFrame(
        onehot,
        index=pd.Index(movies[ITEM].to_numpy(), name=ITEM),
        columns=pd.Index(all_genres, name="genre"),
    )


if __name__ == "__main__":
    sys.exit(main())
