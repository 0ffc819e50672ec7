"""Notebook set-up, and the check that a machine is ready for the course.

Every notebook's first code cell calls :func:`setup`. Nothing here runs on
import, and nothing is imported at the top but the standard library: the
set-up check (:func:`check_setup`, ``./course check``) must run, and say what
is missing, on a machine where numpy, pandas or torch are not installed.

Run ``python -m cfcourse.notebook`` (what ``./course check`` does) to check a
machine from the command line, without Jupyter.
"""

from __future__ import annotations

import importlib
import platform
import random
import sys
import time
from collections.abc import Callable

FIGSIZE = (7.0, 4.0)
"""Default figure size in inches, the same for every notebook."""

PYTHON_VERSIONS = ((3, 11), (3, 13))
"""Oldest and newest Python the course supports (as ``./course`` and ``requires-python``)."""

PACKAGES = ("numpy", "pandas", "matplotlib", "tqdm", "platformdirs", "requests", "jupyterlab", "ipykernel")
"""Distributions the course needs besides torch (``pyproject.toml``'s dependencies and ``course`` extra)."""

SMOKE_SECONDS = 2.0
"""What the training smoke test takes on an ordinary laptop, at most (it fails at ten times that)."""

INSTALL_FIX = "run ./course lab (it installs everything), or see docs/setup.md"


def setup(seed: int = 0, *, threads: int = 1) -> None:
    """Seed every generator and fix printing and figure defaults.

    Parameters
    ----------
    seed : int
        Seed for ``random``, NumPy's legacy global generator and torch.
    threads : int
        Threads torch may use. One thread keeps sums in the same order, so
        results are the same from run to run.

    Notes
    -----
    Stored notebook outputs are compared on every test run, so printing is
    rounded to three decimals and figures have a fixed size and resolution.
    """
    import matplotlib as mpl
    import numpy as np
    import pandas as pd
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)
    np.set_printoptions(precision=3, suppress=True, linewidth=100)
    torch.set_printoptions(precision=3, sci_mode=False, linewidth=100)
    pd.set_option("display.precision", 3)
    pd.set_option("display.max_columns", 20)
    pd.set_option("display.width", 100)
    mpl.rcParams.update({"figure.figsize": FIGSIZE, "figure.dpi": 80, "savefig.dpi": 80})


class _Report:
    """Collects one line per item: ``ok`` or ``NO``, then the fix under each ``NO``."""

    def __init__(self, out: Callable[[str], None]) -> None:
        self.out = out
        self.failed: list[str] = []
        self._last_fix = ""

    def ok(self, text: str) -> None:
        self.out(f" ok  {text}")

    def no(self, item: str, text: str, fix: str) -> None:
        self.failed.append(item)
        self.out(f" NO  {text}")
        if fix == self._last_fix:
            self.out("     fix: as above")
            return
        self._last_fix = fix
        for number, line in enumerate(fix.splitlines()):
            self.out(f"     {'fix:' if number == 0 else '    '} {line}")


def _version(distribution: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def _check_python(report: _Report) -> None:
    (low, high), now = PYTHON_VERSIONS, sys.version_info[:2]
    version = f"{now[0]}.{now[1]}"
    if low <= now <= high:
        report.ok(f"Python {version}")
    else:
        report.no(
            "Python",
            f"Python {version}: the course needs Python {low[0]}.{low[1]} to {high[0]}.{high[1]}",
            "install Python 3.12 (python.org or your package manager), then run ./course lab,\n"
            "or PYTHON=/path/to/python3.12 ./course lab if it is installed already",
        )


def _in_colab() -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec("google.colab") is not None
    except ModuleNotFoundError:  # no "google" package at all
        return False


def _check_packages(report: _Report) -> None:
    colab = _in_colab()
    for name in PACKAGES:
        version = _version(name)
        if version is None and colab and name == "jupyterlab":
            report.ok("jupyterlab: not needed in Colab")
            continue
        if version is None:
            report.no(name, f"{name}: not installed", INSTALL_FIX)
            continue
        try:
            importlib.import_module(name)
        except Exception as error:  # a broken install: say what happened and carry on
            report.no(name, f"{name} {version}: installed but does not import ({type(error).__name__}: {error})",
                      "reinstall it: rm -rf .venv && ./course lab")
        else:
            report.ok(f"{name} {version}")


def _check_torch(report: _Report) -> bool:
    version = _version("torch")
    if version is None:
        report.no("torch", "torch: not installed",
                  "run ./course lab: it installs the CPU build of torch (about 200 MB, no CUDA);\n"
                  "by hand: pip install torch --index-url https://download.pytorch.org/whl/cpu")
        return False
    try:
        import torch
    except Exception as error:  # e.g. a wheel for another platform, a missing system library
        report.no("torch", f"torch {version}: installed but does not import ({type(error).__name__}: {error})",
                  "reinstall it: rm -rf .venv && ./course lab")
        return False
    if "+cu" in version or "+rocm" in version or getattr(torch.version, "cuda", None):
        report.ok(f"torch {version.split('+')[0]} (a GPU build: it works, but the course needs only the "
                  "CPU build, a tenth of the download)")
    else:
        report.ok(f"torch {version.split('+')[0]} (CPU build)")
    return True


def _check_data(report: _Report) -> None:
    try:
        from . import data
        from .columns import USER
    except Exception as error:  # pandas or platformdirs missing: already reported above
        report.no("data", f"MovieLens: cannot be checked without the packages above ({error})", INSTALL_FIX)
        return
    folder = data.data_dir()
    present = (folder / data.MOVIELENS_ARCHIVE).is_file() or (folder / "ml-latest-small").is_dir()
    if not present:  # the check never downloads: it says what to do
        report.no("data", f"MovieLens ml-latest-small: not in the cache folder {folder}",
                  "run ./course fetch (downloads 1 MB once), or ./course fetch --from ml-latest-small.zip\n"
                  "with an archive you were given")
        return
    try:
        ratings = data.load_ratings()
        movies = data.load_movies()
    except data.MovieLensError as error:
        report.no("data", f"MovieLens ml-latest-small: {str(error).splitlines()[0]}",
                  "run ./course fetch to download a fresh copy (the damaged one is reported above)")
        return
    report.ok(
        f"MovieLens ml-latest-small: {len(ratings):,} ratings by {ratings[USER].nunique():,} users "
        f"on {len(movies):,} movies (checksums verified)"
    )


def _check_training(report: _Report, show_time: bool) -> None:
    try:
        from .factorization import MatrixFactorization
        from .toy import make_toy_world

        import torch

        world = make_toy_world(60, 40, density=0.5, noise=0.3, seed=0)
        threads = torch.get_num_threads()
        torch.set_num_threads(1)  # as setup() does; a busy laptop's threads only wait for each other
        start = time.perf_counter()
        model = MatrixFactorization(n_factors=3, epochs=10, lr=0.05, batch_size=128, weight_decay=0.0,
                                    bias_weight_decay=0.0, random_state=0)
        model.fit(world.ratings)
        seconds = time.perf_counter() - start
        torch.set_num_threads(threads)
        rmse = model.history_.train_rmse
    except Exception as error:  # the whole point is to report it, not to crash
        report.no("training", f"training smoke test failed: {type(error).__name__}: {error}",
                  "rm -rf .venv && ./course lab; if it persists, send this output to your instructor")
        return
    if not rmse[-1] < 0.7 * rmse[0]:
        report.no("training", f"training smoke test: RMSE went from {rmse[0]:.2f} to {rmse[-1]:.2f}, "
                  "it should fall", "send this output to your instructor")
    elif show_time and seconds > 10 * SMOKE_SECONDS:
        report.no("training", f"training smoke test: took {seconds:.0f} s (an ordinary laptop: under "
                  f"{SMOKE_SECONDS:.0f} s)", "close other programs and run the check again; on a very slow "
                  "machine use Colab\n(the Colab link at the top of each notebook)")
    else:
        took = f" in {seconds:.1f} s" if show_time else ""
        report.ok(f"training smoke test: toy-world RMSE {rmse[0]:.2f} -> {rmse[-1]:.2f}{took}")


def check_setup(*, training: bool = True, show_time: bool = False, out: Callable[[str], None] = print) -> bool:
    """Print, item by item, whether this machine has what the course needs.

    Items: the Python version, each package, torch (and whether it is the
    CPU build), the MovieLens data in the cache, and a training smoke test
    (about two seconds on a laptop, most of it torch warming up). Every failed item is followed by
    what to do about it. Nothing is installed or downloaded.

    Parameters
    ----------
    training : bool, default True
        Run the training smoke test (needs torch).
    show_time : bool, default False
        Print the seconds the smoke test took, and fail it beyond ten times
        ``SMOKE_SECONDS`` (``./course check``). Off in notebooks, whose stored
        outputs must not vary with the machine's load.
    out : callable, default print
        Where each line goes.

    Returns
    -------
    bool
        True when every item passed. Never raises: with a package missing
        it reports ``NO`` for it and goes on.

    Introduced in notebooks/00_index.ipynb; ``./course check`` runs it from a shell.
    """
    report = _Report(out)
    _check_python(report)
    _check_packages(report)
    has_torch = _check_torch(report)
    _check_data(report)
    if training and has_torch and "numpy" not in report.failed and "pandas" not in report.failed:
        _check_training(report, show_time)
    elif training:
        report.no("training", "training smoke test: skipped, it needs the packages marked NO above",
                  INSTALL_FIX)
    if report.failed:
        out(f"{len(report.failed)} problem(s): {', '.join(report.failed)}. Fix them as shown, then run the "
            "check again (./course check).")
        return False
    out("All set.")
    return True


def main(argv: list[str] | None = None) -> int:
    """``python -m cfcourse.notebook``: the set-up check; exit status 0 when all is set."""
    import argparse

    parser = argparse.ArgumentParser(prog="./course check", description=check_setup.__doc__.splitlines()[0])
    parser.add_argument("--no-training", action="store_true", help="skip the training smoke test")
    args = parser.parse_args(argv)
    print(f"cfcourse set-up check: Python {platform.python_version()} on {platform.system()} "
          f"{platform.machine()} ({sys.executable})")
    return 0 if check_setup(training=not args.no_training, show_time=True) else 1


if __name__ == "__main__":
    sys.exit(main())
