"""Get MovieLens ml-latest-small onto the disk, once, and load it as tidy frames.

The archive is downloaded on first use into a per-user cache and verified
file by file against known sha256 checksums. A machine without internet is
seeded by hand: copy ``ml-latest-small.zip`` into the cache folder, or run
``python -m cfcourse.data fetch --from /path/to/ml-latest-small.zip``.

Nothing half-done is ever left behind: downloads go to a temporary file that
is only renamed into place once verified, and extraction happens in a
temporary folder that is renamed into place once complete.

Introduced in notebooks/01_ratings_table.ipynb.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import stat
import sys
import tempfile
import zipfile
import zlib
from pathlib import Path, PurePosixPath, PureWindowsPath

import numpy as np
import pandas as pd
import platformdirs
import requests
from tqdm import tqdm

from cfcourse.columns import ITEM, RATING, TIMESTAMP, USER

MOVIELENS_URL = "https://files.grouplens.org/datasets/movielens/ml-latest-small.zip"
"""Where GroupLens publishes the archive."""

MOVIELENS_FOLDER = "ml-latest-small"
"""The folder inside the archive, and the extracted folder in the cache."""

MOVIELENS_ARCHIVE = MOVIELENS_FOLDER + ".zip"
"""File name of the archive in the cache."""

MOVIELENS_SHA256 = {
    "ratings.csv": "aa289ca83157595d0df6aea1be6a4ded676ddc4385472e8313a8ed9805352646",
    "movies.csv": "5a5f32dd9bb3797b8e728a1b98958789d2b13f294a69fdfbc5727f8a9611aa07",
    "links.csv": "97ad18e4e56a09363c65676b6cb3482ce3e2cea2372a24620c1599c843325f31",
    "tags.csv": "92a9f8bb7916dceef6151209845788c3643f794dfa79d1feaec7121b5960399d",
}
"""sha256 of each csv inside the archive (the archive's own hash varies by repack)."""

TITLE = "title"
YEAR = "year"
GENRES = "genres"
NO_GENRES = "(no genres listed)"

_RATINGS_COLUMNS = [USER, ITEM, RATING, TIMESTAMP]
_MOVIES_COLUMNS = [ITEM, TITLE, GENRES]
# "Toy Story (1995)", "Death Note (2006–2007)", "Runaway Brain (1995) "
_TITLE_YEAR = re.compile(r"^(?P<title>.*?)\s*\((?P<year>\d{4})(?:\s*[-–]\s*\d{0,4})?\s*\)\s*$")
_CHUNK = 1 << 16


class MovieLensError(RuntimeError):
    """Getting or reading the MovieLens data failed; the message says how to fix it."""


class DownloadError(MovieLensError):
    """The archive could not be downloaded (offline, refused, timeout, HTTP error, cut off)."""


class CorruptArchiveError(MovieLensError):
    """The archive is not a readable zip, or a file it must hold is missing."""


class UnsafeArchiveError(CorruptArchiveError):
    """The archive holds an entry that would be written outside the extraction folder."""


class ChecksumError(MovieLensError):
    """A file in the archive does not have the expected sha256."""


class UnexpectedFormatError(MovieLensError):
    """A csv file does not have the columns MovieLens ml-latest-small has."""


def data_dir() -> Path:
    """Return the folder where the course caches its data.

    Returns
    -------
    Path
        ``$CFCOURSE_DATA_DIR`` when that environment variable is set and not
        empty, else the per-user cache folder ``platformdirs.user_cache_dir("cfcourse")``.
        The folder need not exist yet.

    Introduced in notebooks/01_ratings_table.ipynb.
    """
    override = os.environ.get("CFCOURSE_DATA_DIR")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_cache_dir("cfcourse"))


def _resolve_dir(directory: str | os.PathLike | None) -> Path:
    return data_dir() if directory is None else Path(directory).expanduser()


def _seed_advice(directory: Path) -> str:
    data_dir_flag = "" if directory == data_dir() else f" --data-dir {directory}"
    return (
        "To work without internet, seed the cache in any one of these ways:\n"
        f"  * copy {MOVIELENS_ARCHIVE} into {directory}\n"
        f"  * run: python -m cfcourse.data fetch --from /path/to/{MOVIELENS_ARCHIVE}{data_dir_flag}\n"
        f"  * set the environment variable CFCOURSE_DATA_DIR to a folder holding {MOVIELENS_ARCHIVE}"
    )


def _unsafe_reason(info: zipfile.ZipInfo) -> str | None:
    """Why extracting this entry could write outside the target folder, or None."""
    name = info.filename
    if stat.S_ISLNK(info.external_attr >> 16):
        return "is a symbolic link"
    if name.startswith(("/", "\\")) or PureWindowsPath(name).drive:
        return "is an absolute path"
    if ".." in re.split(r"[/\\]", name):
        return "climbs out of the folder with '..'"
    return None


def _sha256(stream) -> str:
    digest = hashlib.sha256()
    for block in iter(lambda: stream.read(_CHUNK), b""):
        digest.update(block)
    return digest.hexdigest()


def _verify_archive(archive: Path, checksums: dict[str, str], advice: str, what: str | None = None) -> None:
    """Raise unless ``archive`` is a safe zip holding every file of ``checksums`` intact.

    ``what`` names the archive in messages (default "the archive <path>").
    """
    what = what or f"the archive {archive}"
    What = what[0].upper() + what[1:]
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            for info in infos:
                reason = _unsafe_reason(info)
                if reason is not None:
                    raise UnsafeArchiveError(
                        f"{What} holds the entry {info.filename!r}, which {reason}; "
                        f"refusing to extract it.\n{advice}"
                    )
            names = {info.filename for info in infos}
            for name, expected in checksums.items():
                member = f"{MOVIELENS_FOLDER}/{name}"
                if member not in names:
                    raise CorruptArchiveError(
                        f"{What} has no {member}; it is incomplete or not "
                        f"MovieLens ml-latest-small.\n{advice}"
                    )
                with zf.open(member) as stream:
                    actual = _sha256(stream)
                if actual != expected:
                    raise ChecksumError(
                        f"{name} in {what} has sha256 {actual[:12]}... but "
                        f"{expected[:12]}... was expected: the archive is damaged or a "
                        f"different version.\n{advice}"
                    )
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise CorruptArchiveError(
            f"{What} is not a readable zip file ({exc}).\n{advice}"
        ) from exc


def _extract(archive: Path, directory: Path) -> Path:
    """Extract into a temporary folder in ``directory``, then rename the data folder into place."""
    target = directory / MOVIELENS_FOLDER
    scratch = Path(tempfile.mkdtemp(prefix=f".{MOVIELENS_FOLDER}-", suffix=".extract", dir=directory))
    try:
        root = scratch.resolve()
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                dest = (scratch / info.filename).resolve()
                if _unsafe_reason(info) is not None or not dest.is_relative_to(root):
                    raise UnsafeArchiveError(
                        f"The archive {archive} holds the entry {info.filename!r}, which would be "
                        f"written outside {scratch}; refusing to extract it. Delete the archive "
                        "and fetch it again."
                    )
                if info.is_dir():
                    dest.mkdir(parents=True, exist_ok=True)
                    continue
                dest.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(dest, "wb") as dst:
                    shutil.copyfileobj(src, dst, _CHUNK)
        extracted = scratch / MOVIELENS_FOLDER
        if not extracted.is_dir():
            raise CorruptArchiveError(
                f"The archive {archive} has no folder {MOVIELENS_FOLDER}/. Delete it and fetch it again."
            )
        try:
            os.rename(extracted, target)
        except OSError:
            if not target.is_dir():  # not "another process got there first"
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def _download(url: str, archive: Path, checksums: dict[str, str], progress: bool, timeout) -> None:
    """Download ``url`` to a temporary file next to ``archive``, verify it, rename it into place."""
    directory = archive.parent
    fd, name = tempfile.mkstemp(prefix=f".{MOVIELENS_FOLDER}-", suffix=".part", dir=directory)
    part = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                with requests.get(url, stream=True, timeout=timeout) as response:
                    response.raise_for_status()
                    length = response.headers.get("Content-Length", "")
                    total = int(length) if length.isdigit() else None
                    if response.headers.get("Content-Encoding", "identity") != "identity":
                        total_check = None  # decoded bytes differ from the announced length
                    else:
                        total_check = total
                    written = 0
                    with tqdm(
                        total=total, unit="B", unit_scale=True, unit_divisor=1024,
                        desc=MOVIELENS_ARCHIVE, disable=not progress,
                    ) as bar:
                        for chunk in response.iter_content(chunk_size=_CHUNK):
                            out.write(chunk)
                            written += len(chunk)
                            bar.update(len(chunk))
            except requests.RequestException as exc:
                raise DownloadError(
                    f"Could not download MovieLens from {url}: {_describe(exc, timeout)}.\n"
                    + _seed_advice(directory)
                ) from exc
        if total_check is not None and written != total_check:
            raise DownloadError(
                f"The download from {url} was cut off: {written:,} of {total_check:,} bytes "
                "arrived. Nothing was kept; try again.\n" + _seed_advice(directory)
            )
        _verify_archive(
            part, checksums,
            advice="It was not kept. Try again later; if it keeps failing, get the archive "
            "another way.\n" + _seed_advice(directory),
            what=f"the file downloaded from {url}",
        )
        os.replace(part, archive)
    except BaseException:  # including KeyboardInterrupt: never leave a half-written file
        part.unlink(missing_ok=True)
        raise


def _describe(exc: requests.RequestException, timeout) -> str:
    if isinstance(exc, requests.Timeout):
        return f"no answer in time (timeout (connect, read) = {timeout} seconds)"
    if isinstance(exc, requests.HTTPError):
        return f"the server answered HTTP {exc.response.status_code} {exc.response.reason}"
    if isinstance(exc, requests.ConnectionError):
        return "could not connect (offline, connection refused, or no DNS)"
    return "the transfer broke off before the whole file arrived"


def download_movielens(
    data_dir: str | os.PathLike | None = None,
    *,
    url: str = MOVIELENS_URL,
    checksums: dict[str, str] = MOVIELENS_SHA256,
    progress: bool = True,
    timeout: float | tuple[float, float] = (10, 60),
) -> Path:
    """Make sure MovieLens ml-latest-small is extracted in the cache; return its folder.

    In order: an extracted folder already in the cache is returned at once (it
    only ever appears there after verification); else an archive
    ``ml-latest-small.zip`` already in the cache (e.g. copied there by hand on
    a machine without internet) is verified and extracted; else the archive is
    downloaded from ``url``, verified and extracted.

    Parameters
    ----------
    data_dir : str or PathLike, optional
        The cache folder; default :func:`data_dir` (``$CFCOURSE_DATA_DIR`` or
        the per-user cache). Created if missing.
    url : str, default MOVIELENS_URL
        Where to download the archive from.
    checksums : dict of str to str, default MOVIELENS_SHA256
        sha256 (hex) of each file ``ml-latest-small/<name>`` the archive must hold.
    progress : bool, default True
        Show a tqdm progress bar while downloading.
    timeout : float or tuple of (float, float), default (10, 60)
        ``requests`` timeouts in seconds: (connect, read).

    Returns
    -------
    Path
        ``<data_dir>/ml-latest-small``, holding ratings.csv, movies.csv, links.csv, tags.csv.

    Raises
    ------
    DownloadError
        Offline, connection refused, timeout, HTTP error or a cut-off transfer;
        the message says how to seed the cache by hand.
    CorruptArchiveError, ChecksumError
        The archive is not a zip, misses a file, holds an unsafe entry, or a
        file has the wrong sha256. A downloaded file that fails is never kept;
        a file you placed in the cache is left alone and the message says to
        delete it.

    Introduced in notebooks/01_ratings_table.ipynb.
    """
    directory = _resolve_dir(data_dir)
    folder = directory / MOVIELENS_FOLDER
    if folder.is_dir():
        return folder
    archive = directory / MOVIELENS_ARCHIVE
    if archive.is_file():
        _verify_archive(
            archive, checksums,
            advice=f"Delete the archive at {archive} and fetch it again "
            "(python -m cfcourse.data fetch), or replace it with a good copy.",
        )
    else:
        directory.mkdir(parents=True, exist_ok=True)
        _download(url, archive, checksums, progress, timeout)
    return _extract(archive, directory)


def import_archive(
    path: str | os.PathLike,
    data_dir: str | os.PathLike | None = None,
    *,
    checksums: dict[str, str] = MOVIELENS_SHA256,
) -> Path:
    """Verify an ml-latest-small.zip from anywhere, copy it into the cache, extract it.

    This is how a machine without internet gets the data (also
    ``python -m cfcourse.data fetch --from FILE``).

    Parameters
    ----------
    path : str or PathLike
        An ``ml-latest-small.zip`` (e.g. on a USB stick). It is never modified.
    data_dir : str or PathLike, optional
        The cache folder; default :func:`data_dir`.
    checksums : dict of str to str, default MOVIELENS_SHA256
        sha256 (hex) of each file ``ml-latest-small/<name>`` the archive must hold.

    Returns
    -------
    Path
        ``<data_dir>/ml-latest-small``.

    Introduced in notebooks/01_ratings_table.ipynb.
    """
    source = Path(path).expanduser()
    if not source.is_file():
        raise MovieLensError(
            f"There is no file at {source}: pass the path of a copy of {MOVIELENS_ARCHIVE}."
        )
    _verify_archive(
        source, checksums,
        advice=f"{source} is not a good copy of {MOVIELENS_ARCHIVE}: get a fresh copy and import it again.",
    )
    directory = _resolve_dir(data_dir)
    directory.mkdir(parents=True, exist_ok=True)
    archive = directory / MOVIELENS_ARCHIVE
    if not (archive.exists() and archive.samefile(source)):
        fd, name = tempfile.mkstemp(prefix=f".{MOVIELENS_FOLDER}-", suffix=".part", dir=directory)
        part = Path(name)
        try:
            with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
                shutil.copyfileobj(src, out, _CHUNK)
            os.replace(part, archive)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
    folder = directory / MOVIELENS_FOLDER
    if folder.is_dir():
        return folder
    return _extract(archive, directory)


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


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m cfcourse.data fetch [--from FILE] [--data-dir DIR] [--quiet]`` or ``where``.

    Returns the exit code: 0 on success, 1 (with the message, no traceback)
    when the data cannot be fetched.
    """
    parser = argparse.ArgumentParser(
        prog="python -m cfcourse.data", description="Get the MovieLens data the course uses."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    fetch = commands.add_parser("fetch", help="download (or import) and verify ml-latest-small")
    fetch.add_argument("--from", dest="source", metavar="FILE",
                       help=f"import a copy of {MOVIELENS_ARCHIVE} instead of downloading")
    fetch.add_argument("--quiet", action="store_true", help="no progress bar")
    where = commands.add_parser("where", help="print the cache folder and whether the data is there")
    for sub in (fetch, where):
        sub.add_argument("--data-dir", metavar="DIR", help="cache folder (default: $CFCOURSE_DATA_DIR "
                         "or the per-user cache)")
    args = parser.parse_args(argv)
    directory = _resolve_dir(args.data_dir)

    if args.command == "where":
        folder = directory / MOVIELENS_FOLDER
        print(f"data dir: {directory}")
        if folder.is_dir():
            print(f"MovieLens: {folder}")
        elif (directory / MOVIELENS_ARCHIVE).is_file():
            print(f"MovieLens: {directory / MOVIELENS_ARCHIVE} (not extracted yet: run python -m cfcourse.data fetch)")
        else:
            print("MovieLens: not there yet (run python -m cfcourse.data fetch)")
        return 0

    try:
        if args.source is not None:
            folder = import_archive(args.source, directory)
        else:
            folder = download_movielens(directory, progress=not args.quiet)
        n_ratings = len(load_ratings(directory))
        n_movies = len(load_movies(directory))
    except MovieLensError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"MovieLens ml-latest-small is in {folder}: {n_ratings:,} ratings, {n_movies:,} movies.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
