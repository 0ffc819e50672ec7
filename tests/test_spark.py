"""cfcourse.spark: clear errors without Java or pyspark (the session itself runs in notebook 13)."""

import shutil

import pytest

import cfcourse.spark
from cfcourse.spark import SparkUnavailableError, local_session, spark_available


def test_no_java_says_how_to_install(monkeypatch):
    pytest.importorskip("pyspark")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert spark_available() is False
    with pytest.raises(SparkUnavailableError, match="openjdk-17-jre-headless"):
        local_session()


def test_no_pyspark_says_how_to_install(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name.startswith("pyspark"):
            raise ImportError("No module named 'pyspark'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    assert spark_available() is False
    with pytest.raises(SparkUnavailableError, match=r"\.\[spark\]"):
        local_session()
    assert issubclass(SparkUnavailableError, ImportError)
    assert "pip install" in cfcourse.spark.INSTALL_HINT
