"""Get MovieLens ml-latest-small onto the disk, once, verified; and the ``fetch`` command line.

The archive is downloaded on first use into a per-user cache and verified
file by file against known sha256 checksums. A machine without internet is
seeded by hand: copy ``ml-latest-small.zip`` into the cache folder, or run
``python -m cfcourse.data fetch --from /path/to/ml-latest-small.zip``.

What this module promises:

- Nothing unverified is ever loaded. Entry names are normalised before they
  are checked (``ml-latest-small/./ratings.csv`` *is* ``ratings.csv``), two
  entries that would land on the same file are refused, and the bytes are
  hashed as they are written, so what is verified is what was extracted.
- The extracted folder carries a small marker, ``.verified.json``, written
  last: size, modification time and sha256 of every verified file. Each load
  compares sizes and times with it (a few ``stat`` calls); on any doubt the
  files are hashed again, and a damaged folder is rebuilt from the verified
  archive.
- Nothing hangs and nothing floods the disk: the download has an overall
  deadline and a size cap, and an archive that would unpack to more than a cap
  is refused before anything is written.
- Nothing half-done is left behind: downloads go to a temporary file and
  extraction to a temporary folder, each renamed into place once verified;
  scratch left by a killed process is cleaned up by the next one.

Introduced in notebooks/01_ratings_table.ipynb.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import hashlib
import json
import os
import re
import shutil
import stat
import sys
import tempfile
import time
import zipfile
import zlib
from pathlib import Path, PureWindowsPath

import platformdirs
import requests
import urllib3
from tqdm import tqdm

try:  # advisory locks tell a live scratch file from one a killed process left behind
    import fcntl
except ImportError:  # pragma: no cover - Windows: fall back to the age of the scratch
    fcntl = None

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

MARKER = ".verified.json"
"""The marker inside the extracted folder: what was verified (written last)."""

MAX_ARCHIVE_BYTES = 64 * 2**20
"""Largest download accepted (ml-latest-small.zip is 0.98 MB)."""

MAX_EXTRACTED_BYTES = 64 * 2**20
"""Largest total an archive may unpack to (ml-latest-small unpacks to 3.3 MB)."""

DOWNLOAD_DEADLINE = 300.0
"""Seconds a download may take in all (ml-latest-small needs about 1 s at 1 MB/s)."""

_CHUNK = 1 << 16
_SCRATCH = re.compile(rf"^\.{re.escape(MOVIELENS_FOLDER)}-.*\.(part|extract|damaged)$")
_STALE_AFTER = 2.0  # seconds: a scratch file younger than this may not be locked yet
_STALE_AFTER_UNLOCKED = 24 * 3600.0  # without advisory locks, only the age tells


class MovieLensError(RuntimeError):
    """Getting or reading the MovieLens data failed; the message says how to fix it."""


class DownloadError(MovieLensError):
    """The archive could not be downloaded (offline, refused, timeout, stall, HTTP error, too slow or too big)."""


class CorruptArchiveError(MovieLensError):
    """The archive is not a readable zip, or a file it must hold is missing."""


class UnsafeArchiveError(CorruptArchiveError):
    """The archive holds an entry that would be written outside the folder, twice, or too large."""


class ChecksumError(MovieLensError):
    """A file in the archive (or extracted from it) does not have the expected sha256."""


class CacheError(MovieLensError):
    """The cache folder cannot be used (it is a file, under a file, read-only, full...)."""


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


# --- the cache folder ---------------------------------------------------------------------------

_ELSEWHERE = "or point CFCOURSE_DATA_DIR (or --data-dir) at another folder"


def _prepare(directory: Path) -> None:
    """Create the cache folder, or say in one line why it cannot be used."""
    if directory.exists() and not directory.is_dir():
        raise CacheError(f"The data folder {directory} is a file, not a folder: remove it, {_ELSEWHERE}.")
    for parent in directory.parents:
        if parent.exists():
            if not parent.is_dir():
                raise CacheError(
                    f"Cannot create the data folder {directory}: {parent} is a file, not a folder; "
                    f"remove it, {_ELSEWHERE}."
                )
            break
    with _cache_errors(directory):
        directory.mkdir(parents=True, exist_ok=True)


@contextlib.contextmanager
def _cache_errors(directory: Path):
    """Turn an OSError while writing the cache into one line naming the folder and the fix."""
    try:
        yield
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            problem, fix = "it is read-only for you", f"make it writable, {_ELSEWHERE}"
        elif exc.errno == errno.ENOSPC:
            problem, fix = "the disk is full", f"free some space, {_ELSEWHERE}"
        else:
            problem, fix = exc.strerror or type(exc).__name__, f"fix or remove it, {_ELSEWHERE}"
        where = f" ({exc.filename})" if exc.filename else ""
        raise CacheError(f"Cannot write to the data folder {directory}: {problem}{where}; {fix}.") from exc


def _lock(fd: int) -> bool:
    """Take an exclusive advisory lock on ``fd`` without waiting; False if another process holds it."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _scratch_file(directory: Path) -> tuple[int, Path]:
    """A new locked temporary file in ``directory``: (fd, path)."""
    fd, name = tempfile.mkstemp(prefix=f".{MOVIELENS_FOLDER}-", suffix=".part", dir=directory)
    if fcntl is not None:
        _lock(fd)
    return fd, Path(name)


def _is_stale(path: Path) -> bool:
    """Whether ``path`` is scratch that no live process is writing (it was left by a kill)."""
    try:
        age = time.time() - path.lstat().st_mtime
    except FileNotFoundError:
        return False
    if path.suffix == ".damaged":  # nobody writes these: they are only being deleted
        return True
    if fcntl is None:
        return age > _STALE_AFTER_UNLOCKED
    if age < _STALE_AFTER:
        return False
    lock = path / ".lock" if path.is_dir() else path
    try:
        fd = os.open(lock, os.O_RDONLY)
    except FileNotFoundError:  # killed between creating the folder and its lock
        return True
    try:
        return _lock(fd)  # a live writer holds its lock; a killed one released it
    finally:
        os.close(fd)


def clean_stale_scratch(data_dir: str | os.PathLike | None = None) -> list[Path]:
    """Remove the temporary files and folders a killed fetch left in the cache.

    A live fetch (in another process) holds a lock on its scratch, which is
    therefore left alone.

    Parameters
    ----------
    data_dir : str or PathLike, optional
        The cache folder; default :func:`data_dir`.

    Returns
    -------
    list of Path
        What was removed.
    """
    directory = _resolve_dir(data_dir)
    removed = []
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
        for path in sorted(directory.iterdir()):
            if _SCRATCH.match(path.name) and _is_stale(path):
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
                removed.append(path)
    return removed


# --- checking an archive -------------------------------------------------------------------------


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


def _normalised(name: str) -> str:
    """The path an entry name really extracts to: ``a/./b``, ``a//b`` and ``a\\b`` are all ``a/b``."""
    return "/".join(part for part in re.split(r"[/\\]", name) if part not in ("", "."))


def _entries(zf: zipfile.ZipFile, what: str, advice: str, max_extracted_bytes: int) -> dict[str, zipfile.ZipInfo]:
    """Check every entry of ``zf``; return the files by normalised name.

    Refuses unsafe entries, two entries that would be written to the same file
    (also on a case-insensitive disk), and archives that would unpack to more
    than ``max_extracted_bytes``.
    """
    What = what[0].upper() + what[1:]
    files: dict[str, zipfile.ZipInfo] = {}
    seen: dict[str, tuple[str, str]] = {}  # casefolded name -> (entry name, normalised name)
    total = 0
    for info in zf.infolist():
        reason = _unsafe_reason(info)
        if reason is not None:
            raise UnsafeArchiveError(
                f"{What} holds the entry {info.filename!r}, which {reason}; refusing to extract it.\n{advice}"
            )
        name = _normalised(info.filename)
        if info.is_dir() or not name:
            continue
        key = name.casefold()
        if key in seen:
            raise UnsafeArchiveError(
                f"{What} holds two entries that would be written to the same file {seen[key][1]} "
                f"(names compared as the disk does): {seen[key][0]!r} and {info.filename!r}. One "
                f"could replace the other after it was checked, so the archive is refused.\n{advice}"
            )
        seen[key] = (info.filename, name)
        files[name] = info
        total += info.file_size
        if total > max_extracted_bytes:
            raise UnsafeArchiveError(
                f"{What} would unpack to more than {max_extracted_bytes:,} bytes ({info.filename!r} "
                f"alone claims {info.file_size:,}); ml-latest-small unpacks to about 3.3 MB, so this "
                f"is not it.\n{advice}"
            )
    return files


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _count_lines(path: Path) -> int:
    """Lines of a text file (a last line without a newline counts too)."""
    newlines, last = 0, b"\n"
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            newlines, last = newlines + block.count(b"\n"), block[-1:]
    return newlines + (last != b"\n")


def _verify_archive(
    archive: Path,
    checksums: dict[str, str],
    advice: str,
    what: str | None = None,
    max_extracted_bytes: int = MAX_EXTRACTED_BYTES,
) -> None:
    """Raise unless ``archive`` is a safe zip holding every file of ``checksums`` intact.

    ``what`` names the archive in messages (default "the archive <path>").
    """
    what = what or f"the archive {archive}"
    What = what[0].upper() + what[1:]
    try:
        with zipfile.ZipFile(archive) as zf:
            files = _entries(zf, what, advice, max_extracted_bytes)
            for name, expected in checksums.items():
                member = f"{MOVIELENS_FOLDER}/{name}"
                if member not in files:
                    raise CorruptArchiveError(
                        f"{What} has no {member}; it is incomplete or not "
                        f"MovieLens ml-latest-small.\n{advice}"
                    )
                digest = hashlib.sha256()
                with zf.open(files[member]) as stream:
                    for block in iter(lambda: stream.read(_CHUNK), b""):
                        digest.update(block)
                actual = digest.hexdigest()
                if actual != expected:
                    raise ChecksumError(
                        f"{name} in {what} has sha256 {actual[:12]}... but "
                        f"{expected[:12]}... was expected: the archive is damaged or a "
                        f"different version.\n{advice}"
                    )
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise CorruptArchiveError(f"{What} is not a readable zip file ({exc}).\n{advice}") from exc
    except IsADirectoryError as exc:
        raise CorruptArchiveError(f"{What} is a folder, not a zip file.\n{advice}") from exc
    except OSError as exc:
        raise CorruptArchiveError(f"{What} cannot be read ({exc.strerror}).\n{advice}") from exc


# --- the extracted folder and its marker ---------------------------------------------------------


def _write_marker(folder: Path, verified: dict[str, str]) -> None:
    """Record size, time and sha256 of each verified file; atomically, last."""
    files = {}
    for name, sha256 in sorted(verified.items()):
        st = (folder / name).stat()
        files[name] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha256}
    fd, tmp = tempfile.mkstemp(prefix=".verified-", suffix=".tmp", dir=folder)
    try:
        os.fchmod(fd, 0o644)  # as readable as the data files (mkstemp makes it private)
        with os.fdopen(fd, "w") as out:
            json.dump({"format": 1, "files": files}, out, indent=1)
        os.replace(tmp, folder / MARKER)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_marker(folder: Path) -> dict | None:
    try:
        with open(folder / MARKER) as f:
            marker = json.load(f)
        return marker["files"] if marker.get("format") == 1 else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _marker_agrees(folder: Path, checksums: dict[str, str]) -> bool:
    """The cheap check on every load: the marker vouches for these checksums, and no file changed since."""
    files = _read_marker(folder)
    if not files or any(files.get(name, {}).get("sha256") != expected for name, expected in checksums.items()):
        return False
    for name in checksums:
        try:
            st = (folder / name).stat()
        except OSError:
            return False
        if (st.st_size, st.st_mtime_ns) != (files[name].get("size"), files[name].get("mtime_ns")):
            return False
    return True


def _folder_problem(folder: Path, checksums: dict[str, str]) -> str | None:
    """None if ``folder`` holds the verified files, else what is wrong with it.

    Cheap when the marker agrees (a few ``stat`` calls); otherwise the files are
    hashed, and when they are all intact the marker is written again.
    """
    if _marker_agrees(folder, checksums):
        return None
    if not folder.is_dir():
        return "missing" if not folder.exists() else f"{folder} is not a folder"
    verified = {}
    for name, expected in checksums.items():
        path = folder / name
        if not path.is_file():
            return f"{name} is missing"
        sha256 = _hash_file(path)
        if sha256 != expected:
            return f"{name} is damaged (sha256 {sha256[:12]}... instead of {expected[:12]}...)"
        verified[name] = sha256
    # Intact, but the marker was missing or out of date (e.g. the folder was copied): renew it.
    # A read-only cache (a shared class folder) cannot take it; its files are then hashed on each load.
    with contextlib.suppress(OSError):
        _write_marker(folder, verified)
    return None


def _discard(folder: Path) -> None:
    """Move a damaged extracted folder out of the way, then delete it."""
    trash = folder.with_name(f".{MOVIELENS_FOLDER}-{os.getpid()}-{time.monotonic_ns()}.damaged")
    try:
        os.rename(folder, trash)
    except FileNotFoundError:  # another process moved it already
        return
    if trash.is_dir() and not trash.is_symlink():
        shutil.rmtree(trash, ignore_errors=True)
    else:
        trash.unlink(missing_ok=True)


def _replace_folder(archive: Path, directory: Path, checksums: dict[str, str], max_extracted_bytes: int) -> Path:
    """Extract the verified ``archive`` unless an intact folder is there (another process may
    have just extracted it); a damaged folder is discarded first."""
    folder = directory / MOVIELENS_FOLDER
    if _folder_problem(folder, checksums) is None:
        return folder
    if folder.exists() or folder.is_symlink():
        _discard(folder)
    return _extract(archive, directory, checksums, max_extracted_bytes)


def _extract(
    archive: Path,
    directory: Path,
    checksums: dict[str, str] | None = None,
    max_extracted_bytes: int = MAX_EXTRACTED_BYTES,
) -> Path:
    """Extract into a temporary folder in ``directory``, verify what was written, rename it into place."""
    checksums = MOVIELENS_SHA256 if checksums is None else checksums
    target = directory / MOVIELENS_FOLDER
    advice = f"Delete the archive {archive} and fetch it again."
    scratch = Path(tempfile.mkdtemp(prefix=f".{MOVIELENS_FOLDER}-", suffix=".extract", dir=directory))
    lock = os.open(scratch / ".lock", os.O_CREAT | os.O_WRONLY, 0o600)
    try:
        if fcntl is not None:
            _lock(lock)
        root = scratch.resolve()
        verified: dict[str, str] = {}
        written = 0
        with zipfile.ZipFile(archive) as zf:
            for name, info in _entries(zf, f"the archive {archive}", advice, max_extracted_bytes).items():
                dest = (scratch / name).resolve()
                if not dest.is_relative_to(root) or dest == root / ".lock":
                    raise UnsafeArchiveError(
                        f"The archive {archive} holds the entry {info.filename!r}, which would be "
                        f"written outside {scratch}; refusing to extract it. {advice}"
                    )
                dest.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                with zf.open(info) as src, open(dest, "xb") as dst:
                    for block in iter(lambda: src.read(_CHUNK), b""):
                        written += len(block)
                        if written > max_extracted_bytes:
                            raise UnsafeArchiveError(
                                f"The archive {archive} unpacks to more than {max_extracted_bytes:,} "
                                f"bytes; refusing to extract it. {advice}"
                            )
                        digest.update(block)
                        dst.write(block)
                verified[name] = digest.hexdigest()
        extracted = scratch / MOVIELENS_FOLDER
        if not extracted.is_dir():
            raise CorruptArchiveError(f"The archive {archive} has no folder {MOVIELENS_FOLDER}/. {advice}")
        # Verify what was extracted, not what the archive claimed.
        ours = {}
        for name, expected in checksums.items():
            got = verified.get(f"{MOVIELENS_FOLDER}/{name}")
            if got != expected:
                raise ChecksumError(
                    f"{name} extracted from {archive} is {'missing' if got is None else 'not the verified file'} "
                    f"(expected sha256 {expected[:12]}...). {advice}"
                )
            ours[name] = got
        _write_marker(extracted, ours)  # last: the folder is complete and verified
        try:
            os.rename(extracted, target)
        except OSError:
            if _folder_problem(target, checksums) is not None:  # not "another process got there first"
                raise
    finally:
        os.close(lock)
        shutil.rmtree(scratch, ignore_errors=True)
    return target


# --- downloading -----------------------------------------------------------------------------------


def _download(
    url: str,
    archive: Path,
    checksums: dict[str, str],
    progress: bool,
    timeout,
    deadline: float,
    max_bytes: int,
    max_extracted_bytes: int,
) -> None:
    """Download ``url`` to a temporary file next to ``archive``, verify it, rename it into place."""
    directory = archive.parent
    advice = _seed_advice(directory)
    connect, read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
    read = min(read, deadline)  # one silent read cannot outlast the deadline either
    started = time.monotonic()
    with _cache_errors(directory):
        fd, part = _scratch_file(directory)
    try:
        written, total_check = 0, None
        with os.fdopen(fd, "wb") as out:
            try:
                with requests.get(url, stream=True, timeout=(connect, read)) as response:
                    response.raise_for_status()
                    length = response.headers.get("Content-Length", "")
                    total = int(length) if length.isdigit() else None
                    if total is not None and total > max_bytes:
                        raise DownloadError(
                            f"The server at {url} announces {total:,} bytes, more than the {max_bytes:,} "
                            f"allowed: {MOVIELENS_ARCHIVE} is about 1 MB, so this is not it. Nothing was "
                            f"downloaded.\n{advice}"
                        )
                    if response.headers.get("Content-Encoding", "identity") == "identity":
                        total_check = total  # else decoded bytes differ from the announced length
                    with tqdm(
                        total=total, unit="B", unit_scale=True, unit_divisor=1024,
                        desc=MOVIELENS_ARCHIVE, disable=not progress,
                    ) as bar:
                        # read1 returns what has arrived, so the deadline is checked as bytes trickle in
                        while chunk := response.raw.read1(_CHUNK, decode_content=True):
                            written += len(chunk)
                            if written > max_bytes:
                                raise DownloadError(
                                    f"The download from {url} passed {max_bytes:,} bytes and was stopped: "
                                    f"{MOVIELENS_ARCHIVE} is about 1 MB, so this is not it. Nothing was "
                                    f"kept.\n{advice}"
                                )
                            out.write(chunk)
                            bar.update(len(chunk))
                            if time.monotonic() - started > deadline:
                                raise DownloadError(
                                    f"The download from {url} is too slow: {written:,} bytes"
                                    f"{f' of {total:,}' if total else ''} arrived in {deadline:g} seconds "
                                    f"(the deadline). Nothing was kept; try again on a faster "
                                    f"connection.\n{advice}"
                                )
            except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
                raise DownloadError(
                    f"Could not download MovieLens from {url}: {_describe(exc, (connect, read), written)}.\n"
                    + advice
                ) from exc
        if total_check is not None and written != total_check:
            raise DownloadError(
                f"The download from {url} was cut off: {written:,} of {total_check:,} bytes "
                f"arrived. Nothing was kept; try again.\n{advice}"
            )
        _verify_archive(
            part, checksums,
            advice=f"It was not kept. Try again later; if it keeps failing, get the archive another way.\n{advice}",
            what=f"the file downloaded from {url}",
            max_extracted_bytes=max_extracted_bytes,
        )
        with _cache_errors(directory):
            os.replace(part, archive)
    except BaseException:  # including KeyboardInterrupt: never leave a half-written file
        part.unlink(missing_ok=True)
        raise


def _describe(exc: Exception, timeout: tuple[float, float], written: int) -> str:
    """Name what went wrong with a transfer, in words."""
    if isinstance(exc, requests.ConnectionError) and exc.args and isinstance(exc.args[0], Exception):
        inner = exc.args[0]  # requests wraps errors raised while reading the body
        if isinstance(inner, urllib3.exceptions.ReadTimeoutError | urllib3.exceptions.ProtocolError):
            exc = inner
    if isinstance(exc, requests.TooManyRedirects):
        return "the server redirected too many times (a redirect loop)"
    if isinstance(exc, urllib3.exceptions.ReadTimeoutError):
        return f"the transfer stalled: no data for {timeout[1]:g} seconds after {written:,} bytes"
    if isinstance(exc, requests.Timeout):
        return f"no answer in time (timeout (connect, read) = {timeout} seconds)"
    if isinstance(exc, requests.HTTPError):
        return f"the server answered HTTP {exc.response.status_code} {exc.response.reason}"
    if isinstance(exc, urllib3.exceptions.ProtocolError):
        return f"the transfer broke off after {written:,} bytes"
    if isinstance(exc, requests.ConnectionError):
        return "could not connect (offline, connection refused, or no DNS)"
    return f"the transfer broke off after {written:,} bytes ({type(exc).__name__})"


def download_movielens(
    data_dir: str | os.PathLike | None = None,
    *,
    url: str = MOVIELENS_URL,
    checksums: dict[str, str] | None = None,
    progress: bool = True,
    timeout: float | tuple[float, float] = (10, 60),
    deadline: float | None = None,
    max_bytes: int | None = None,
    max_extracted_bytes: int | None = None,
) -> Path:
    """Make sure MovieLens ml-latest-small is extracted and intact in the cache; return its folder.

    In order: an extracted folder whose marker agrees with its files is
    returned at once (a few ``stat`` calls); else an archive
    ``ml-latest-small.zip`` already in the cache (e.g. copied there by hand on
    a machine without internet) is verified and extracted; else the archive is
    downloaded from ``url``, verified and extracted. A damaged extracted folder
    (a file truncated, changed or missing) is rebuilt the same way.

    Parameters
    ----------
    data_dir : str or PathLike, optional
        The cache folder; default :func:`data_dir` (``$CFCOURSE_DATA_DIR`` or
        the per-user cache). Created if missing.
    url : str, default MOVIELENS_URL
        Where to download the archive from.
    checksums : dict of str to str, optional
        sha256 (hex) of each file ``ml-latest-small/<name>`` the archive must
        hold; default :data:`MOVIELENS_SHA256`.
    progress : bool, default True
        Show a tqdm progress bar while downloading.
    timeout : float or tuple of (float, float), default (10, 60)
        ``requests`` timeouts in seconds: (connect, read), the read timeout
        for each wait for more bytes.
    deadline : float, optional
        Seconds the whole download may take; default :data:`DOWNLOAD_DEADLINE` (300).
    max_bytes : int, optional
        Largest download accepted; default :data:`MAX_ARCHIVE_BYTES` (64 MiB).
    max_extracted_bytes : int, optional
        Largest total the archive may unpack to; default :data:`MAX_EXTRACTED_BYTES` (64 MiB).

    Returns
    -------
    Path
        ``<data_dir>/ml-latest-small``, holding ratings.csv, movies.csv, links.csv, tags.csv.

    Raises
    ------
    DownloadError
        Offline, connection refused, timeout, a stalled or cut-off transfer, a
        redirect loop, an HTTP error, past the deadline or the size cap; the
        message says how to seed the cache by hand.
    CorruptArchiveError, ChecksumError
        The archive is not a zip, misses a file, holds an unsafe or duplicate
        entry, unpacks to too much, or a file has the wrong sha256. A
        downloaded file that fails is never kept; a file you placed in the
        cache is left alone and the message says to delete it.
    CacheError
        The cache folder cannot be used (a file, under a file, read-only).

    Introduced in notebooks/01_ratings_table.ipynb.
    """
    directory = _resolve_dir(data_dir)
    checksums = MOVIELENS_SHA256 if checksums is None else checksums
    folder = directory / MOVIELENS_FOLDER
    if _folder_problem(folder, checksums) is None:
        return folder
    max_extracted_bytes = MAX_EXTRACTED_BYTES if max_extracted_bytes is None else max_extracted_bytes
    _prepare(directory)
    with _cache_errors(directory):
        clean_stale_scratch(directory)
    archive = directory / MOVIELENS_ARCHIVE
    if archive.exists() and not archive.is_file():
        raise CacheError(f"{archive} is a folder, not the archive: remove it and fetch again.")
    if archive.is_file():
        _verify_archive(
            archive, checksums,
            advice=f"Delete the archive at {archive} and fetch it again "
            "(python -m cfcourse.data fetch), or replace it with a good copy.",
            max_extracted_bytes=max_extracted_bytes,
        )
    else:
        _download(
            url, archive, checksums, progress, timeout,
            deadline=DOWNLOAD_DEADLINE if deadline is None else deadline,
            max_bytes=MAX_ARCHIVE_BYTES if max_bytes is None else max_bytes,
            max_extracted_bytes=max_extracted_bytes,
        )
    with _cache_errors(directory):
        return _replace_folder(archive, directory, checksums, max_extracted_bytes)


def import_archive(
    path: str | os.PathLike,
    data_dir: str | os.PathLike | None = None,
    *,
    checksums: dict[str, str] | None = None,
    max_extracted_bytes: int | None = None,
) -> Path:
    """Verify an ml-latest-small.zip from anywhere, copy it into the cache, extract it.

    This is how a machine without internet gets the data (also
    ``python -m cfcourse.data fetch --from FILE``). A damaged extracted folder
    already in the cache is rebuilt from it.

    Parameters
    ----------
    path : str or PathLike
        An ``ml-latest-small.zip`` (e.g. on a USB stick). It is never modified.
    data_dir : str or PathLike, optional
        The cache folder; default :func:`data_dir`.
    checksums : dict of str to str, optional
        sha256 (hex) of each file ``ml-latest-small/<name>`` the archive must
        hold; default :data:`MOVIELENS_SHA256`.
    max_extracted_bytes : int, optional
        Largest total the archive may unpack to; default :data:`MAX_EXTRACTED_BYTES` (64 MiB).

    Returns
    -------
    Path
        ``<data_dir>/ml-latest-small``.

    Introduced in notebooks/01_ratings_table.ipynb.
    """
    checksums = MOVIELENS_SHA256 if checksums is None else checksums
    max_extracted_bytes = MAX_EXTRACTED_BYTES if max_extracted_bytes is None else max_extracted_bytes
    source = Path(path).expanduser()
    if source.is_dir():
        raise MovieLensError(f"{source} is a folder: pass the path of the file {MOVIELENS_ARCHIVE} itself.")
    if not source.is_file():
        raise MovieLensError(f"There is no file at {source}: pass the path of a copy of {MOVIELENS_ARCHIVE}.")
    _verify_archive(
        source, checksums,
        advice=f"{source} is not a good copy of {MOVIELENS_ARCHIVE}: get a fresh copy and import it again.",
        max_extracted_bytes=max_extracted_bytes,
    )
    directory = _resolve_dir(data_dir)
    _prepare(directory)
    archive = directory / MOVIELENS_ARCHIVE
    with _cache_errors(directory):
        clean_stale_scratch(directory)
        if archive.exists() and not archive.is_file():
            raise CacheError(f"{archive} is a folder, not the archive: remove it and import again.")
        if not (archive.exists() and archive.samefile(source)):
            fd, part = _scratch_file(directory)
            try:
                with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
                    shutil.copyfileobj(src, out, _CHUNK)
                os.replace(part, archive)
            except BaseException:
                part.unlink(missing_ok=True)
                raise
        return _replace_folder(archive, directory, checksums, max_extracted_bytes)


# --- the command line ------------------------------------------------------------------------------


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
        problem = _folder_problem(folder, MOVIELENS_SHA256) if folder.is_dir() else "missing"
        if problem is None:
            print(f"MovieLens: {folder}")
        elif problem != "missing":
            print(f"MovieLens: {folder}, but {problem}; run python -m cfcourse.data fetch to repair it")
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
        with _cache_errors(directory):
            clean_stale_scratch(directory)
    except MovieLensError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    # the files are verified, so their lines are their rows (plus the header)
    n_ratings, n_movies = (_count_lines(folder / name) - 1 for name in ("ratings.csv", "movies.csv"))
    print(f"MovieLens ml-latest-small is in {folder}: {n_ratings:,} ratings, {n_movies:,} movies.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
