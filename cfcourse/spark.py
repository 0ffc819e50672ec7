"""A quiet local Spark session for notebooks/13_scaling_up_and_out.ipynb.

Spark is optional: ``pip install -c constraints.txt -e ".[spark]"`` (pyspark,
about 320 MB) plus a Java runtime 17 or newer (Debian/Ubuntu:
``sudo apt-get install openjdk-17-jre-headless``). ``./course test`` installs
the extra. Nothing here imports pyspark until ``local_session`` is called.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path

__all__ = ["SparkUnavailableError", "local_session", "spark_available"]

INSTALL_HINT = (
    'pip install -c constraints.txt -e ".[spark]" in the course folder (or: pip install pyspark), '
    "and a Java runtime 17+ (Debian/Ubuntu: sudo apt-get install openjdk-17-jre-headless)"
)

_LOG4J = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %p %c{1}: %m%n
"""


class SparkUnavailableError(ImportError):
    """pyspark or a Java runtime is missing."""


def spark_available() -> bool:
    """True when pyspark imports and a ``java`` command is on the PATH."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False
    return shutil.which("java") is not None


def local_session(cores: int = 2, shuffle_partitions: int = 4, app_name: str = "cfcourse"):
    """Start (or reuse) a Spark session on this machine; its logs go to a file, not the notebook.

    The JVM's log (errors only) and its Python workers' messages go to
    ``cfcourse-spark.log`` in the temporary folder (``tempfile.gettempdir()``).

    Parameters
    ----------
    cores : int, default 2
        Worker threads (``local[cores]``): Spark's master URL for one machine.
    shuffle_partitions : int, default 4
        ``spark.sql.shuffle.partitions`` (Spark's default, 200, is for clusters
        and makes small jobs slow).
    app_name : str, default "cfcourse"

    Returns
    -------
    pyspark.sql.SparkSession

    Raises
    ------
    SparkUnavailableError
        Without pyspark or Java, saying how to install them.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as error:
        raise SparkUnavailableError(f"pyspark is not installed: {INSTALL_HINT}.") from error
    java = shutil.which("java")
    if java is None:
        raise SparkUnavailableError(f"no Java runtime (java) on the PATH: {INSTALL_HINT}.")
    version = subprocess.run([java, "-version"], capture_output=True, text=True).stderr.split("\n")[0]
    log_path = Path(tempfile.gettempdir()) / "cfcourse-spark.log"
    config = log_path.with_suffix(".properties")
    config.write_text(_LOG4J)
    java_options = f"-Dlog4j2.configurationFile=file:{config}"
    # Spark's JVM (and its Python workers) write their logs to the stderr they inherit; hand them
    # a log file instead, so a notebook shows results rather than start-up chatter.
    # pyspark's start-up also imports its own test utilities, which warn (FutureWarning) that
    # pandas >= 3 is not fully supported by pyspark's pandas API; this notebook does not use that
    # API, so the start-up's warnings are written to the same log file rather than shown.
    saved_stderr = os.dup(2)
    try:
        with open(log_path, "ab") as log:
            os.dup2(log.fileno(), 2)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            spark = (
                SparkSession.builder.master(f"local[{int(cores)}]")
                .appName(app_name)
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", str(int(shuffle_partitions)))
                .config("spark.driver.extraJavaOptions", java_options)
                .config("spark.driver.memory", "2g")
                .config("spark.ui.showConsoleProgress", "false")
                .getOrCreate()
            )
        with open(log_path, "a") as log:
            for w in caught:
                log.write(f"{w.category.__name__} at start-up: {w.message} ({w.filename}:{w.lineno})\n")
    except Exception as error:  # the JVM failed to start: say which Java was found and where its log is
        raise SparkUnavailableError(
            f"Spark could not start with {java} ({version}): {error}. Its log: {log_path}. {INSTALL_HINT}."
        ) from error
    finally:
        os.dup2(saved_stderr, 2)
        os.close(saved_stderr)
    spark.sparkContext.setLogLevel("ERROR")
    return spark
