"""Shared test set-up: plots render headless, and nothing reads the user's real cache."""

import matplotlib
import pytest

matplotlib.use("Agg")


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    """An empty data cache for this test only: CFCOURSE_DATA_DIR points at it."""
    directory = tmp_path / "cache"
    monkeypatch.setenv("CFCOURSE_DATA_DIR", str(directory))
    return directory
