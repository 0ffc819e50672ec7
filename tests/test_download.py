"""Tests for cfcourse/data.py: the download runs for real against a local server on 127.0.0.1."""

import hashlib
import os
import socket
import stat
import struct
import subprocess
import sys
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pandas as pd
import platformdirs
import pytest

from cfcourse import data
from cfcourse.columns import ITEM, RATING, RATING_MAX, RATING_MIN, TIMESTAMP, USER
from cfcourse.data import (
    ChecksumError,
    CorruptArchiveError,
    DownloadError,
    MovieLensError,
    UnexpectedFormatError,
    UnsafeArchiveError,
    download_movielens,
    genre_matrix,
    import_archive,
    load_movies,
    load_ratings,
)

REAL_ARCHIVE = Path(__file__).resolve().parents[2] / "shared/data/movielens/ml-latest-small.zip"

TINY_FILES = {
    "README.txt": b"A tiny stand-in for MovieLens ml-latest-small.\n",
    "ratings.csv": (
        b"userId,movieId,rating,timestamp\n"
        b"1,10,4.0,964982703\n"
        b"1,20,3.5,964981247\n"
        b"2,10,5.0,964982224\n"
        b"3,30,0.5,1445714835\n"
    ),
    "movies.csv": (
        "movieId,title,genres\n"
        "10,Toy Story (1995),Adventure|Animation|Children\n"
        '20,"American President, The (1995)",Comedy|Drama|Romance\n'
        "30,Babylon 5,(no genres listed)\n"
        "40,Runaway Brain (1995) ,Animation|Comedy\n"
        "50,Death Note: Desu nôto (2006–2007),(no genres listed)\n"
    ).encode(),
    "links.csv": b"movieId,imdbId,tmdbId\n10,0114709,862\n",
    "tags.csv": b"userId,movieId,tag,timestamp\n1,10,pixar,1445714994\n",
}
TINY_SHA256 = {
    name: hashlib.sha256(content).hexdigest()
    for name, content in TINY_FILES.items()
    if name.endswith(".csv")
}
WRONG_SHA256 = {**TINY_SHA256, "movies.csv": "0" * 64}


def zip_bytes(path, files=TINY_FILES, extra=()):
    """Write an archive laid out like ml-latest-small.zip; return its bytes."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("ml-latest-small/", b"")
        for name, content in files.items():
            zf.writestr(f"ml-latest-small/{name}", content)
        for entry, content in extra:
            zf.writestr(entry, content)
    return Path(path).read_bytes()


def symlink_entry(name, target):
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target


def assert_empty(directory):
    """Nothing at all was left in the cache: no archive, no temp file, no folder."""
    assert not directory.exists() or sorted(p.name for p in directory.iterdir()) == []


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def good_zip(tmp_path):
    return zip_bytes(tmp_path / "good.zip")


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        server = self.server
        server.hits += 1
        body, mode = server.body, server.mode
        if mode == "500":
            self.send_error(500)
            return
        if mode == "slow":
            server.release.wait(2)  # until the client gave up (read timeout)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/zip")
        self.send_header("Content-Length", str(len(body) + (1000 if mode == "truncated" else 0)))
        self.end_headers()
        if mode == "drop":  # half the body, then reset the connection
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            return
        self.wfile.write(body)

    def log_message(self, format, *args):  # keep the test output clean
        pass


@pytest.fixture
def serve():
    """Start a local HTTP server for one body and behaviour; return it (``.url``, ``.hits``)."""
    servers = []

    def start(body, mode="ok"):
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.body, server.mode, server.hits = body, mode, 0
        server.release = threading.Event()
        server.url = f"http://127.0.0.1:{server.server_port}/ml-latest-small.zip"
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
        thread.start()
        servers.append((server, thread))
        return server

    yield start
    for server, thread in servers:
        server.release.set()
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def closed_url():
    """A URL on 127.0.0.1 where nothing listens: connecting is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/ml-latest-small.zip"


# --- data_dir ----------------------------------------------------------------------------------


def test_data_dir_honours_environment_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("CFCOURSE_DATA_DIR", str(tmp_path / "here"))
    assert data.data_dir() == tmp_path / "here"


def test_data_dir_defaults_to_user_cache(monkeypatch):
    monkeypatch.delenv("CFCOURSE_DATA_DIR", raising=False)
    assert data.data_dir() == Path(platformdirs.user_cache_dir("cfcourse"))


# --- the happy paths ---------------------------------------------------------------------------


def test_download_verifies_extracts_and_loads(cache_dir, serve, good_zip):
    server = serve(good_zip)
    folder = download_movielens(url=server.url, checksums=TINY_SHA256, progress=False)

    assert folder == cache_dir / "ml-latest-small"
    assert sorted(p.name for p in cache_dir.iterdir()) == ["ml-latest-small", "ml-latest-small.zip"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(TINY_FILES)
    assert (cache_dir / "ml-latest-small.zip").read_bytes() == good_zip
    # a second call, and the loaders, use the cache: the server is not asked again
    assert download_movielens(url=server.url, checksums=TINY_SHA256) == folder

    ratings = load_ratings()
    assert list(ratings.columns) == [USER, ITEM, RATING, TIMESTAMP]
    assert ratings.dtypes.tolist() == [np.int32, np.int32, np.float32, np.dtype("datetime64[s]")]
    assert ratings[USER].tolist() == [1, 1, 2, 3]
    assert ratings[ITEM].tolist() == [10, 20, 10, 30]
    assert ratings[RATING].tolist() == [4.0, 3.5, 5.0, 0.5]
    assert ratings[TIMESTAMP].iloc[0] == pd.Timestamp("2000-07-30 18:45:03")

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
    assert server.hits == 1


def test_genre_matrix_is_one_hot_with_sorted_columns(cache_dir, good_zip):
    cache_dir.mkdir()
    (cache_dir / "ml-latest-small.zip").write_bytes(good_zip)
    download_movielens(checksums=TINY_SHA256)
    genres = genre_matrix(load_movies())
    assert genres.index.name == ITEM
    assert genres.index.tolist() == [10, 20, 30, 40, 50]
    assert genres.columns.tolist() == ["Adventure", "Animation", "Children", "Comedy", "Drama", "Romance"]
    assert (genres.dtypes == np.int8).all()
    assert genres.loc[40].tolist() == [0, 1, 0, 1, 0, 0]
    assert genres.loc[[30, 50]].to_numpy().sum() == 0  # no genres listed: a row of zeros
    assert genres.sum(axis=1).tolist() == [3, 3, 0, 2, 0]


def test_seeded_archive_is_used_without_any_server(cache_dir, closed_url, good_zip):
    cache_dir.mkdir()
    (cache_dir / "ml-latest-small.zip").write_bytes(good_zip)
    folder = download_movielens(url=closed_url, checksums=TINY_SHA256)
    assert (folder / "ratings.csv").read_bytes() == TINY_FILES["ratings.csv"]


def test_extracted_folder_is_returned_as_is(cache_dir, closed_url):
    (cache_dir / "ml-latest-small").mkdir(parents=True)
    assert download_movielens(url=closed_url, checksums=WRONG_SHA256) == cache_dir / "ml-latest-small"


# --- downloads that go wrong leave nothing behind ----------------------------------------------


def _bad_archive(tmp_path, kind):
    if kind == "not a zip":
        return b"<html>Sorry, this page is not a zip file</html>" * 20
    if kind == "missing member":
        return zip_bytes(tmp_path / "bad.zip", {k: v for k, v in TINY_FILES.items() if k != "tags.csv"})
    if kind == "parent dir":
        return zip_bytes(tmp_path / "bad.zip", extra=[("ml-latest-small/../../evil.csv", b"x")])
    if kind == "absolute":
        return zip_bytes(tmp_path / "bad.zip", extra=[(str(tmp_path / "evil.csv"), b"x")])
    if kind == "symlink":
        return zip_bytes(tmp_path / "bad.zip", extra=[symlink_entry("ml-latest-small/evil", "/etc/passwd")])
    raise AssertionError(kind)


@pytest.mark.parametrize(
    ("kind", "error", "match"),
    [
        ("not a zip", CorruptArchiveError, "not a readable zip"),
        ("missing member", CorruptArchiveError, "has no ml-latest-small/tags.csv"),
        ("parent dir", UnsafeArchiveError, r"'ml-latest-small/\.\./\.\./evil\.csv'.*'\.\.'"),
        ("absolute", UnsafeArchiveError, "absolute path"),
        ("symlink", UnsafeArchiveError, "symbolic link"),
    ],
)
def test_bad_download_is_refused_and_not_kept(tmp_path, cache_dir, serve, kind, error, match):
    server = serve(_bad_archive(tmp_path, kind))
    with pytest.raises(error, match=match) as info:
        download_movielens(url=server.url, checksums=TINY_SHA256, progress=False)
    assert "was not kept" in str(info.value)
    assert_empty(cache_dir)
    assert not (tmp_path / "evil.csv").exists()
    assert not (tmp_path.parent / "evil.csv").exists()


def test_download_with_wrong_checksum_is_not_kept(cache_dir, serve, good_zip):
    server = serve(good_zip)
    with pytest.raises(ChecksumError, match=r"movies\.csv .* sha256 [0-9a-f]{12}\.\.\. but 000000000000\.\.\."):
        download_movielens(url=server.url, checksums=WRONG_SHA256, progress=False)
    assert_empty(cache_dir)


@pytest.mark.parametrize(
    ("mode", "match"),
    [
        ("500", "HTTP 500"),
        ("truncated", "broke off|cut off"),  # Content-Length promises 1000 bytes more than sent
        ("drop", "broke off|cut off|could not connect"),  # connection reset mid-body
        ("slow", "no answer in time"),
    ],
)
def test_failed_transfer_raises_download_error_and_leaves_nothing(cache_dir, serve, good_zip, mode, match):
    server = serve(good_zip, mode)
    with pytest.raises(DownloadError, match=match) as info:
        download_movielens(url=server.url, checksums=TINY_SHA256, progress=False, timeout=(1, 0.2))
    assert "fetch --from" in str(info.value)
    assert_empty(cache_dir)


def test_offline_message_says_how_to_seed_the_cache(cache_dir, closed_url):
    with pytest.raises(DownloadError, match="could not connect") as info:
        download_movielens(url=closed_url, checksums=TINY_SHA256, progress=False)
    message = str(info.value)
    assert f"copy ml-latest-small.zip into {cache_dir}" in message
    assert "python -m cfcourse.data fetch --from /path/to/ml-latest-small.zip" in message
    assert "CFCOURSE_DATA_DIR" in message
    assert_empty(cache_dir)


def test_offline_message_names_an_explicit_data_dir(tmp_path, cache_dir, closed_url):
    other = tmp_path / "other"
    with pytest.raises(DownloadError, match=f"--data-dir {other}"):
        download_movielens(other, url=closed_url, checksums=TINY_SHA256, progress=False)


def test_interrupted_download_removes_the_temporary_file(cache_dir, serve, good_zip, monkeypatch):
    class InterruptingBar(data.tqdm):
        def update(self, n=1):
            raise KeyboardInterrupt

    monkeypatch.setattr(data, "tqdm", InterruptingBar)
    server = serve(good_zip)
    with pytest.raises(KeyboardInterrupt):
        download_movielens(url=server.url, checksums=TINY_SHA256, progress=False)
    assert_empty(cache_dir)


# --- an archive seeded by hand is checked, reported, and left alone ----------------------------


@pytest.mark.parametrize(
    ("kind", "error", "match"),
    [
        ("not a zip", CorruptArchiveError, "not a readable zip"),
        ("missing member", CorruptArchiveError, "tags.csv"),
        ("parent dir", UnsafeArchiveError, "evil.csv"),
        ("absolute", UnsafeArchiveError, "absolute path"),
    ],
)
def test_bad_seeded_archive_is_reported_not_deleted(tmp_path, cache_dir, closed_url, kind, error, match):
    cache_dir.mkdir()
    seeded = cache_dir / "ml-latest-small.zip"
    seeded.write_bytes(_bad_archive(tmp_path, kind))
    with pytest.raises(error, match=match) as info:
        download_movielens(url=closed_url, checksums=TINY_SHA256)
    assert f"Delete the archive at {seeded} and fetch it again" in str(info.value)
    assert sorted(p.name for p in cache_dir.iterdir()) == ["ml-latest-small.zip"]
    assert not (tmp_path / "evil.csv").exists()


def test_seeded_archive_with_wrong_checksum_names_file_and_both_hashes(cache_dir, closed_url, good_zip):
    cache_dir.mkdir()
    (cache_dir / "ml-latest-small.zip").write_bytes(good_zip)
    actual = TINY_SHA256["movies.csv"][:12]
    with pytest.raises(ChecksumError, match=f"movies.csv .* sha256 {actual}... but 000000000000..."):
        download_movielens(url=closed_url, checksums=WRONG_SHA256)
    assert sorted(p.name for p in cache_dir.iterdir()) == ["ml-latest-small.zip"]


@pytest.mark.parametrize("entry", ["../evil.csv", "ml-latest-small/../../evil.csv", "/tmp/evil-cfcourse.csv"])
def test_extraction_itself_refuses_entries_outside_its_folder(tmp_path, entry):
    # verification refuses these first; extraction checks again on its own
    archive = tmp_path / "cache" / "bad.zip"
    archive.parent.mkdir()
    zip_bytes(archive, extra=[(entry, b"x")])
    with pytest.raises(UnsafeArchiveError, match="refusing to extract"):
        data._extract(archive, archive.parent)
    assert sorted(p.name for p in archive.parent.iterdir()) == ["bad.zip"]
    assert not (tmp_path / "evil.csv").exists()
    assert not Path("/tmp/evil-cfcourse.csv").exists()


def test_csv_with_unexpected_header_is_reported(cache_dir):
    folder = cache_dir / "ml-latest-small"
    folder.mkdir(parents=True)
    (folder / "ratings.csv").write_text("user,item,stars,time\n1,2,3.0,4\n")
    with pytest.raises(UnexpectedFormatError, match=r"has the columns \['user', 'item', 'stars', 'time'\]"):
        load_ratings()


# --- import_archive and the command line ---------------------------------------------------------


def test_import_archive_copies_verifies_and_extracts(tmp_path, cache_dir, good_zip):
    source = tmp_path / "usb" / "ml-latest-small.zip"
    source.parent.mkdir()
    source.write_bytes(good_zip)
    folder = import_archive(source, checksums=TINY_SHA256)
    assert folder == cache_dir / "ml-latest-small"
    assert (cache_dir / "ml-latest-small.zip").read_bytes() == good_zip
    assert source.read_bytes() == good_zip
    assert sorted(p.name for p in cache_dir.iterdir()) == ["ml-latest-small", "ml-latest-small.zip"]
    # importing the copy already in the cache is harmless
    assert import_archive(cache_dir / "ml-latest-small.zip", checksums=TINY_SHA256) == folder


def test_import_archive_refuses_a_bad_file_and_keeps_the_cache_empty(tmp_path, cache_dir):
    source = tmp_path / "ml-latest-small.zip"
    source.write_bytes(b"not a zip")
    with pytest.raises(CorruptArchiveError, match=f"{source} is not a good copy"):
        import_archive(source, checksums=TINY_SHA256)
    assert_empty(cache_dir)
    with pytest.raises(MovieLensError, match="There is no file at"):
        import_archive(tmp_path / "nowhere.zip")


def test_cli_where(cache_dir, capsys):
    assert data.main(["where"]) == 0
    out = capsys.readouterr().out
    assert f"data dir: {cache_dir}" in out
    assert "not there yet" in out


def test_cli_fetch_reports_counts_of_cached_data(tmp_path, good_zip, capsys):
    other = tmp_path / "other"
    other.mkdir()
    (other / "ml-latest-small.zip").write_bytes(good_zip)
    download_movielens(other, checksums=TINY_SHA256)
    assert data.main(["fetch", "--data-dir", str(other), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert f"is in {other / 'ml-latest-small'}: 4 ratings, 5 movies" in out


def test_cli_fetch_from_bad_file_exits_1_without_traceback(tmp_path, cache_dir):
    bad = tmp_path / "ml-latest-small.zip"
    bad.write_bytes(b"not a zip")
    env = {**os.environ, "CFCOURSE_DATA_DIR": str(cache_dir)}
    result = subprocess.run(
        [sys.executable, "-m", "cfcourse.data", "fetch", "--from", str(bad)],
        capture_output=True, text=True, env=env, timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: ")
    assert "not a readable zip" in result.stderr
    assert "Traceback" not in result.stderr
    assert_empty(cache_dir)


# --- the real data ---------------------------------------------------------------------------------


@pytest.mark.skipif(not REAL_ARCHIVE.is_file(), reason=f"the real archive is not at {REAL_ARCHIVE}")
def test_real_archive_imports_and_loads(tmp_path, cache_dir, capsys):
    assert data.main(["fetch", "--from", str(REAL_ARCHIVE), "--quiet"]) == 0
    assert "100,836 ratings, 9,742 movies" in capsys.readouterr().out
    ratings = load_ratings()
    movies = load_movies()
    assert len(ratings) == 100_836
    assert ratings[USER].nunique() == 610
    assert len(movies) == 9_742
    assert ratings[RATING].between(RATING_MIN, RATING_MAX).all()
    assert ratings[ITEM].isin(movies[ITEM]).all()
    assert movies.set_index(ITEM).loc[1, ["title", "year"]].tolist() == ["Toy Story", 1995]
