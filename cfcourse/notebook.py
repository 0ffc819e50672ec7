"""Notebook set-up: the same deterministic starting point in every notebook.

Every notebook's first code cell calls :func:`setup`. Nothing here runs on
import; calling it is an explicit choice of the notebook.
"""

from __future__ import annotations

import random

import matplotlib as mpl
import numpy as np
import pandas as pd
import torch

FIGSIZE = (7.0, 4.0)
"""Default figure size in inches, the same for every notebook."""


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


def check_setup() -> bool:
    """Print what the course needs and whether this machine has it.

    Introduced in notebooks/00_index.ipynb. Returns True when everything is
    in place; never raises, so the index notebook always runs to the end.
    """
    import sys

    import matplotlib

    from . import data
    from .columns import USER

    ok = True
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    rows = [("Python", python, python == "3.11")]
    rows += [(m.__name__, m.__version__.split("+")[0], True) for m in (np, pd, matplotlib, torch)]
    for name, version, good in rows:
        print(f"{'ok' if good else 'NO':>3}  {name} {version}")
        ok &= good
    try:
        ratings = data.load_ratings()
        movies = data.load_movies()
    except data.MovieLensError as error:
        print(f" NO  MovieLens ml-latest-small: {error}")
        return False
    print(
        f" ok  MovieLens ml-latest-small: {len(ratings):,} ratings by "
        f"{ratings[USER].nunique():,} users on {len(movies):,} movies (checksums verified)"
    )
    print("All set." if ok else "Something is missing: see README.md, 'Quick start'.")
    return ok
