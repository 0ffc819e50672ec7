"""Tests for cfcourse/download.py: the download runs for real against a local server on 127.0.0.1."""

import errno
import fcntl
import hashlib
import json
import os
import re
import socket
import stat
import struct
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import platformdirs
import pytest

from cfcourse import download
from cfcourse.columns import ITEM, RATING, RATING_MAX, RATING_MIN, USER
from cfcourse.data import load_movies, load_ratings
from cfcourse.download import (
    CacheError,
    ChecksumError,
    CorruptArchiveError,
    DownloadError,
    MovieLensError,
    UnsafeArchiveError,
    download_movielens,
    import_archive,
)

# the shared offline copy next to the repository (CI seeds the cache from it), also from a worktree
REAL_ARCHIVE = next(
    (p / "shared/data/movielens/ml-latest-small.zip" for p in Path(__file__).resolve().parents
     if (p / "shared/data/movielens/ml-latest-small.zip").is_file()),
    Path(__file__).resolve().parents[2] / "shared/data/movielens/ml-latest-small.zip",
)

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
    Path(path).parent.mkdir(parents=True, exist_ok=True)
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


@pytest.fixture
def tiny_checksums(monkeypatch):
    """The tiny archive's checksums become the default ones (the loaders use the defaults)."""
    monkeypatch.setattr(download, "MOVIELENS_SHA256", TINY_SHA256)
    return TINY_SHA256


@pytest.fixture
def seeded(cache_dir, good_zip, tiny_checksums):
    """A cache holding the tiny archive, extracted and verified; returns the extracted folder."""
    cache_dir.mkdir()
    (cache_dir / "ml-latest-small.zip").write_bytes(good_zip)
    return download_movielens()


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
        if mode == "loop":  # redirect to itself, forever
            self.send_response(302)
            self.send_header("Location", self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if mode == "chunked":  # HTTP/1.1 chunked transfer encoding, in pieces of 100 bytes
            self.protocol_version = "HTTP/1.1"
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Connection", "close")
            self.end_headers()
            for start in range(0, len(body), 100):
                piece = body[start : start + 100]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
            return
        if mode == "nolength":  # no Content-Length: the body ends when the connection closes
            self.send_response(200)
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/zip")
        self.send_header("Content-Length", str(len(body) + (1000 if mode == "truncated" else 0)))
        self.end_headers()
        if mode.startswith("trickle"):  # "trickle 1": one byte a second, for at most 5 seconds
            pause = 1 / float(mode.split()[1])
            for byte in body[: int(5 / pause)]:
                if server.release.wait(pause):
                    return
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
            return
        if mode == "stall":  # half the body, then silence
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            server.release.wait(2)
            return
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
    assert download.data_dir() == tmp_path / "here"


def test_data_dir_defaults_to_user_cache(monkeypatch):
    monkeypatch.delenv("CFCOURSE_DATA_DIR", raising=False)
    assert download.data_dir() == Path(platformdirs.user_cache_dir("cfcourse"))


# --- the happy paths ---------------------------------------------------------------------------


def test_download_verifies_extracts_and_loads(cache_dir, serve, good_zip, tiny_checksums):
    server = serve(good_zip)
    folder = download_movielens(url=server.url, progress=False)

    assert folder == cache_dir / "ml-latest-small"
    assert sorted(p.name for p in cache_dir.iterdir()) == ["ml-latest-small", "ml-latest-small.zip"]
    assert sorted(p.name for p in folder.iterdir()) == sorted([*TINY_FILES, ".verified.json"])
    assert (cache_dir / "ml-latest-small.zip").read_bytes() == good_zip
    for name, content in TINY_FILES.items():
        assert (folder / name).read_bytes() == content
    # a second call, and the loaders, use the cache: the server is not asked again
    assert download_movielens(url=server.url) == folder
    assert load_ratings()[USER].tolist() == [1, 1, 2, 3]
    assert len(load_movies()) == 5
    assert server.hits == 1


def test_seeded_archive_is_used_without_any_server(cache_dir, closed_url, good_zip):
    cache_dir.mkdir()
    (cache_dir / "ml-latest-small.zip").write_bytes(good_zip)
    folder = download_movielens(url=closed_url, checksums=TINY_SHA256)
    assert (folder / "ratings.csv").read_bytes() == TINY_FILES["ratings.csv"]


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
    class InterruptingBar(download.tqdm):
        def update(self, n=1):
            raise KeyboardInterrupt

    monkeypatch.setattr(download, "tqdm", InterruptingBar)
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
        download._extract(archive, archive.parent, TINY_SHA256)
    assert sorted(p.name for p in archive.parent.iterdir()) == ["bad.zip"]
    assert not (tmp_path / "evil.csv").exists()
    assert not Path("/tmp/evil-cfcourse.csv").exists()


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
    assert download.main(["where"]) == 0
    out = capsys.readouterr().out
    assert f"data dir: {cache_dir}" in out
    assert "not there yet" in out


def test_cli_where_says_when_the_data_is_there_or_damaged(seeded, capsys):
    assert download.main(["where"]) == 0
    assert capsys.readouterr().out.splitlines()[1] == f"MovieLens: {seeded}"
    _damage(seeded, "truncated")
    assert download.main(["where"]) == 0
    assert f"MovieLens: {seeded}, but ratings.csv is damaged (sha256 " in capsys.readouterr().out


def test_cli_fetch_reports_counts_of_cached_data(tmp_path, good_zip, tiny_checksums, capsys):
    other = tmp_path / "other"
    other.mkdir()
    (other / "ml-latest-small.zip").write_bytes(good_zip)
    download_movielens(other, checksums=TINY_SHA256)
    assert download.main(["fetch", "--data-dir", str(other), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert f"is in {other / 'ml-latest-small'}: 4 ratings, 5 movies" in out


def test_cli_fetch_from_bad_file_exits_1_without_traceback(tmp_path, cache_dir, capsys):
    bad = tmp_path / "ml-latest-small.zip"
    bad.write_bytes(b"not a zip")
    assert download.main(["fetch", "--from", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert "not a readable zip" in err
    assert_empty(cache_dir)


# --- the real data ---------------------------------------------------------------------------------


@pytest.mark.skipif(not REAL_ARCHIVE.is_file(), reason=f"the real archive is not at {REAL_ARCHIVE}")
def test_real_archive_imports_and_loads(tmp_path, cache_dir, capsys):
    assert download.main(["fetch", "--from", str(REAL_ARCHIVE), "--quiet"]) == 0
    assert "100,836 ratings, 9,742 movies" in capsys.readouterr().out
    ratings = load_ratings()
    movies = load_movies()
    assert len(ratings) == 100_836
    assert ratings[USER].nunique() == 610
    assert len(movies) == 9_742
    assert ratings[RATING].between(RATING_MIN, RATING_MAX).all()
    assert ratings[ITEM].isin(movies[ITEM]).all()
    assert movies.set_index(ITEM).loc[1, ["title", "year"]].tolist() == ["Toy Story", 1995]


# --- issue 11, item 1: what is verified is what is extracted ------------------------------------------

TAMPERED = b"userId,movieId,rating,timestamp\n1,10,0.5,964982703\n1,20,0.5,964981247\n"

# each would be written over ml-latest-small/ratings.csv after the real one was verified
DUPLICATES = ["ml-latest-small/./ratings.csv", "ml-latest-small//ratings.csv", "./ml-latest-small/ratings.csv",
              "ml-latest-small\\ratings.csv", "ml-latest-small/RATINGS.csv"]


@pytest.mark.parametrize("entry", DUPLICATES)
def test_download_refuses_a_duplicate_entry_after_normalisation(tmp_path, cache_dir, serve, entry):
    server = serve(zip_bytes(tmp_path / "bad.zip", extra=[(entry, TAMPERED)]))
    with pytest.raises(UnsafeArchiveError, match=r"two entries .* ml-latest-small/ratings\.csv") as info:
        download_movielens(url=server.url, checksums=TINY_SHA256, progress=False)
    assert repr(entry) in str(info.value)
    assert_empty(cache_dir)


@pytest.mark.parametrize("entry", DUPLICATES)
def test_fetch_from_refuses_a_duplicate_entry_after_normalisation(tmp_path, cache_dir, tiny_checksums, capsys, entry):
    bad = tmp_path / "usb" / "ml-latest-small.zip"
    zip_bytes(bad, extra=[(entry, TAMPERED)])
    assert download.main(["fetch", "--from", str(bad), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "two entries" in err and "Traceback" not in err
    assert_empty(cache_dir)


def test_extraction_verifies_the_bytes_it_wrote(tmp_path):
    # even when handed an archive nobody verified, extraction checks what it wrote and keeps nothing
    directory = tmp_path / "cache"
    archive = directory / "ml-latest-small.zip"
    zip_bytes(archive, files={**TINY_FILES, "ratings.csv": TAMPERED})
    with pytest.raises(ChecksumError, match="ratings.csv extracted from .* is not the verified file"):
        download._extract(archive, directory, TINY_SHA256)
    assert sorted(p.name for p in directory.iterdir()) == ["ml-latest-small.zip"]


# --- issue 11, item 2: nothing hangs, nothing floods the disk -------------------------------------------


def test_a_trickling_download_stops_at_the_deadline(cache_dir, serve, good_zip):
    server = serve(good_zip, "trickle 20")  # twenty bytes a second: every read gets something
    started = time.monotonic()
    with pytest.raises(DownloadError, match=r"too slow: [\d,]+ bytes of [\d,]+ arrived in 0\.5 seconds"):
        download_movielens(url=server.url, checksums=TINY_SHA256, progress=False, timeout=(1, 5), deadline=0.5)
    assert time.monotonic() - started < 2  # the server would go on for 5 s
    assert_empty(cache_dir)


def test_one_byte_a_second_is_bounded_by_the_deadline(cache_dir, serve, good_zip):
    # the read timeout is cut to the deadline, so no single wait outlasts it either
    server = serve(good_zip, "trickle 1")
    started = time.monotonic()
    with pytest.raises(DownloadError, match=r"no data for 0\.5 seconds"):
        download_movielens(url=server.url, checksums=TINY_SHA256, progress=False, timeout=(1, 60), deadline=0.5)
    assert time.monotonic() - started < 2
    assert_empty(cache_dir)


def test_a_silent_server_cannot_outlast_the_deadline(cache_dir, serve, good_zip):
    server = serve(good_zip, "stall")
    started = time.monotonic()
    with pytest.raises(DownloadError, match="stalled"):
        download_movielens(url=server.url, checksums=TINY_SHA256, progress=False, timeout=(1, 60), deadline=0.3)
    assert time.monotonic() - started < 1.5
    assert_empty(cache_dir)


@pytest.mark.parametrize(
    ("mode", "match"),
    [("ok", r"announces [\d,]+ bytes, more than the 1,000 allowed"), ("nolength", "passed 1,000 bytes")],
)
def test_a_body_larger_than_the_cap_is_stopped(cache_dir, serve, good_zip, mode, match):
    server = serve(good_zip + b"\0" * 100_000, mode)
    with pytest.raises(DownloadError, match=match):
        download_movielens(url=server.url, checksums=TINY_SHA256, progress=False, max_bytes=1_000)
    assert_empty(cache_dir)


@pytest.mark.parametrize("mode", ["nolength", "chunked"])
def test_a_body_without_content_length_is_accepted_under_the_cap(cache_dir, serve, good_zip, mode):
    server = serve(good_zip, mode)
    folder = download_movielens(url=server.url, checksums=TINY_SHA256, progress=False)
    assert (folder / "ratings.csv").read_bytes() == TINY_FILES["ratings.csv"]


def _bomb(tmp_path):
    """A 5 kB archive with a 1 MB entry of zeros (a small zip bomb)."""
    path = tmp_path / "usb" / "ml-latest-small.zip"
    zip_bytes(path, extra=[("ml-latest-small/zeros.bin", b"\0" * 1_000_000)])
    assert path.stat().st_size < 5_000
    return path


def test_download_refuses_an_archive_that_unpacks_to_too_much(tmp_path, cache_dir, serve):
    server = serve(_bomb(tmp_path).read_bytes())
    with pytest.raises(UnsafeArchiveError, match=r"unpack to more than 100,000 bytes .*'ml-latest-small/zeros\.bin'"):
        download_movielens(url=server.url, checksums=TINY_SHA256, progress=False, max_extracted_bytes=100_000)
    assert_empty(cache_dir)


def test_fetch_from_refuses_an_archive_that_unpacks_to_too_much(tmp_path, cache_dir, tiny_checksums, monkeypatch, capsys):
    monkeypatch.setattr(download, "MAX_EXTRACTED_BYTES", 100_000)
    assert download.main(["fetch", "--from", str(_bomb(tmp_path)), "--quiet"]) == 1
    assert "unpack to more than 100,000 bytes" in capsys.readouterr().err
    assert_empty(cache_dir)


def test_a_bomb_seeded_in_the_cache_is_refused_before_anything_is_written(tmp_path, cache_dir, closed_url):
    cache_dir.mkdir()
    (cache_dir / "ml-latest-small.zip").write_bytes(_bomb(tmp_path).read_bytes())
    with pytest.raises(UnsafeArchiveError, match="unpack to more than"):
        download_movielens(url=closed_url, checksums=TINY_SHA256, max_extracted_bytes=100_000)
    assert sorted(p.name for p in cache_dir.iterdir()) == ["ml-latest-small.zip"]


# --- issue 11, item 3: the extracted folder is checked on every load, and repaired ----------------------


def _damage(folder, how):
    ratings = folder / "ratings.csv"
    if how == "truncated":
        ratings.write_bytes(TINY_FILES["ratings.csv"][:-20])
    elif how == "missing":
        ratings.unlink()
    elif how == "changed, same size":
        ratings.write_bytes(TINY_FILES["ratings.csv"].replace(b"4.0", b"1.0"))
        os.utime(ratings, ns=(1, 1))
    elif how == "marker missing":
        (folder / ".verified.json").unlink()
        ratings.write_bytes(TAMPERED)
    else:
        raise AssertionError(how)


DAMAGES = ["truncated", "missing", "changed, same size", "marker missing"]


@pytest.mark.parametrize("how", DAMAGES)
def test_a_damaged_folder_is_rebuilt_from_the_verified_archive(seeded, closed_url, how):
    _damage(seeded, how)
    assert download_movielens(url=closed_url) == seeded
    assert (seeded / "ratings.csv").read_bytes() == TINY_FILES["ratings.csv"]
    assert sorted(p.name for p in seeded.parent.iterdir()) == ["ml-latest-small", "ml-latest-small.zip"]


@pytest.mark.parametrize("how", DAMAGES)
def test_fetch_repairs_a_damaged_folder(seeded, how, capsys):
    _damage(seeded, how)
    assert download.main(["fetch", "--quiet"]) == 0
    assert "4 ratings, 5 movies" in capsys.readouterr().out
    assert (seeded / "ratings.csv").read_bytes() == TINY_FILES["ratings.csv"]


def test_a_damaged_folder_without_archive_offline_says_how_to_seed(seeded, closed_url):
    (seeded.parent / "ml-latest-small.zip").unlink()
    _damage(seeded, "missing")
    with pytest.raises(DownloadError, match="(?s)could not connect.*fetch --from"):
        download_movielens(url=closed_url)


def test_the_marker_records_what_was_verified(seeded):
    marker = json.loads((seeded / ".verified.json").read_text())
    assert marker["format"] == 1
    assert sorted(marker["files"]) == sorted(TINY_SHA256)
    for name, entry in marker["files"].items():
        assert entry["sha256"] == TINY_SHA256[name]
        assert entry["size"] == len(TINY_FILES[name])


def test_the_check_on_load_hashes_nothing_when_the_marker_agrees(seeded, closed_url, monkeypatch):
    def no_hashing(path):
        raise AssertionError(f"hashed {path}")

    monkeypatch.setattr(download, "_hash_file", no_hashing)
    assert download_movielens(url=closed_url) == seeded


def test_an_intact_folder_without_marker_is_verified_once_and_kept(cache_dir, closed_url):
    # a cache extracted before the marker existed: no archive, no server, and it is still good
    folder = cache_dir / "ml-latest-small"
    folder.mkdir(parents=True)
    for name, content in TINY_FILES.items():
        (folder / name).write_bytes(content)
    assert download_movielens(url=closed_url, checksums=TINY_SHA256) == folder
    assert json.loads((folder / ".verified.json").read_text())["files"]["ratings.csv"]["sha256"] == (
        TINY_SHA256["ratings.csv"]
    )


def test_a_folder_verified_against_other_checksums_is_not_trusted(seeded, closed_url):
    with pytest.raises(ChecksumError, match="movies.csv"):
        download_movielens(url=closed_url, checksums=WRONG_SHA256)


# --- issue 11, item 7: the fetch command line never shows a traceback --------------------------------------


def _read_only(monkeypatch):
    # root ignores file modes, so a read-only folder is simulated where the OS would refuse
    def refuse(*args, dir=None, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(dir))

    monkeypatch.setattr(download.tempfile, "mkstemp", refuse)
    monkeypatch.setattr(download.tempfile, "mkdtemp", refuse)


@pytest.mark.parametrize(
    ("case", "match"),
    [
        ("cache is a file", r"The data folder .*/cache is a file, not a folder"),
        ("parent is a file", r"Cannot create the data folder .*/cache/sub: .*/cache is a file"),
        ("archive is a folder", r"ml-latest-small\.zip is a folder, not the archive"),
        ("read-only cache", r"Cannot write to the data folder .*/cache: it is read-only for you"),
    ],
)
@pytest.mark.parametrize("source", [None, "usb"])
def test_cli_cache_problems_are_one_line_without_traceback(
    tmp_path, cache_dir, good_zip, tiny_checksums, monkeypatch, capsys, case, match, source
):
    argv = ["fetch", "--quiet"]
    if source:
        (tmp_path / "usb").mkdir()
        (tmp_path / "usb" / "ml-latest-small.zip").write_bytes(good_zip)
        argv += ["--from", str(tmp_path / "usb" / "ml-latest-small.zip")]
    if case == "cache is a file":
        cache_dir.write_text("oops")
    elif case == "parent is a file":
        cache_dir.write_text("oops")
        monkeypatch.setenv("CFCOURSE_DATA_DIR", str(cache_dir / "sub"))
    elif case == "archive is a folder":
        (cache_dir / "ml-latest-small.zip").mkdir(parents=True)
    else:
        cache_dir.mkdir()
        _read_only(monkeypatch)
    assert download.main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert re.search(match, err), err


def test_loading_from_a_cache_that_is_a_file_raises_cache_error(cache_dir):
    # what a notebook sees (cfcourse.notebook.check_setup reports any MovieLensError)
    cache_dir.write_text("oops")
    with pytest.raises(CacheError, match="is a file, not a folder"):
        load_ratings()


def test_cli_fetch_from_a_folder_says_so(tmp_path, cache_dir, capsys):
    assert download.main(["fetch", "--from", str(tmp_path)]) == 1
    assert f"{tmp_path} is a folder: pass the path of the file ml-latest-small.zip" in capsys.readouterr().err


def test_fetch_cleans_scratch_left_by_a_kill_but_not_a_live_fetchs(cache_dir, good_zip, tiny_checksums):
    cache_dir.mkdir()
    (cache_dir / "ml-latest-small.zip").write_bytes(good_zip)
    stale_extract = cache_dir / ".ml-latest-small-k1ll3d.extract"
    (stale_extract / "ml-latest-small").mkdir(parents=True)
    (stale_extract / ".lock").touch()
    (stale_extract / "ml-latest-small" / "ratings.csv").write_bytes(b"x" * 1000)
    stale_part = cache_dir / ".ml-latest-small-k1ll3d.part"
    stale_part.write_bytes(b"half a download")
    live_part = cache_dir / ".ml-latest-small-4l1v3.part"
    live_part.write_bytes(b"a download going on")
    for path in (stale_extract, stale_part, live_part):
        os.utime(path, (time.time() - 60, time.time() - 60))
    with open(live_part, "rb") as live:
        fcntl.flock(live, fcntl.LOCK_EX)  # as the live fetch in another process holds it
        assert download.main(["fetch", "--quiet"]) == 0
    assert sorted(p.name for p in cache_dir.iterdir()) == [
        ".ml-latest-small-4l1v3.part", "ml-latest-small", "ml-latest-small.zip",
    ]


def test_scratch_younger_than_a_moment_is_left_alone(cache_dir):
    cache_dir.mkdir()
    (cache_dir / ".ml-latest-small-n3w.extract").mkdir()  # its lock may not be taken yet
    assert download.clean_stale_scratch() == []


def test_a_stall_mid_body_is_called_a_stall(cache_dir, serve, good_zip):
    server = serve(good_zip, "stall")
    with pytest.raises(DownloadError, match=r"the transfer stalled: no data for 0\.2 seconds after [\d,]+ bytes"):
        download_movielens(url=server.url, checksums=TINY_SHA256, progress=False, timeout=(1, 0.2))
    assert_empty(cache_dir)


def test_a_redirect_loop_is_called_a_redirect_loop(cache_dir, serve, good_zip):
    server = serve(good_zip, "loop")
    with pytest.raises(DownloadError, match=r"redirected too many times \(a redirect loop\)"):
        download_movielens(url=server.url, checksums=TINY_SHA256, progress=False)
    assert_empty(cache_dir)
