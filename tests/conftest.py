"""Shared test set-up: plots render headless, torch runs on one thread, and
`cache_dir` gives a test a data cache of its own."""

import matplotlib
import pytest
import torch

matplotlib.use("Agg")


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    """An empty data cache for this test only: CFCOURSE_DATA_DIR points at it."""
    directory = tmp_path / "cache"
    monkeypatch.setenv("CFCOURSE_DATA_DIR", str(directory))
    return directory


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Torch on one thread in every test: the same sums in the same order, and no
    oversubscription when pytest-xdist runs a worker per core."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
