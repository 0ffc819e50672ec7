"""Execute notebooks in place, so that what is committed is exactly what a learner sees.

Usage (through ./course, which sets up the pinned environment and the data first)::

    python tools/execute.py [NOTEBOOK ...] [--jobs N]

Each notebook first gets its generated cells brought up to date (``tools/nav.py``),
then runs top to bottom in a fresh ``python3`` kernel; its outputs are stored
after the tidying below (progress-bar redraws resolved, run-to-run metadata
dropped) and its run time is written to ``notebooks/timings.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nav import TIMINGS, load_outline, load_timings, render_notebook  # noqa: E402

KERNEL = "python3"
TIMEOUT = 600  # seconds per cell; a notebook should take under 60 s in all


def _resolve_carriage_returns(text: str) -> str:
    """What a terminal (and Jupyter) shows: on each line, only the text after its last \\r."""
    return "\n".join(line.rsplit("\r", 1)[-1] for line in text.split("\n"))


def tidy_streams(outputs: list) -> list:
    """Merge consecutive stream outputs of the same stream and resolve progress-bar redraws.

    A tqdm bar writes one stream output per redraw, each starting with \\r; stored
    as is, a notebook keeps every intermediate state. Jupyter shows only the last,
    so that is what is stored.
    """
    tidy = []
    for output in outputs:
        if output.output_type == "stream" and tidy and tidy[-1].output_type == "stream" and tidy[-1].name == output.name:
            tidy[-1].text += output.text
        else:
            tidy.append(output)
    for output in tidy:
        if output.output_type == "stream":
            output.text = _resolve_carriage_returns(output.text)
    return tidy


def clean_metadata(nb):
    """Drop what varies between runs and says nothing to a learner; tidy progress bars."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = tidy_streams(cell.outputs)
        cell.metadata.pop("execution", None)
        cell.metadata.pop("collapsed", None)
        cell.metadata.pop("scrolled", None)
    nb.metadata.pop("widgets", None)
    nb.metadata.pop("papermill", None)
    return nb


def execute_one(path: Path) -> float:
    """Execute one notebook top to bottom in place; return the seconds it took."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    steps = load_outline()
    step = next((s for s in steps if s.file == path.name), None)
    if step is not None:
        render_notebook(nb, step, steps)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    client = NotebookClient(
        nb,
        kernel_name=KERNEL,
        timeout=TIMEOUT,
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": KERNEL}
    nbformat.write(clean_metadata(nb), path)
    return seconds


def execute(paths: list[Path], jobs: int = 1) -> int:
    if not paths:
        paths = [s.path for s in load_outline() if s.written]
    os.environ.setdefault("PYTHONHASHSEED", "0")
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        for path, seconds in zip(paths, pool.map(execute_one, paths)):
            print(f"executed {path.name} in {seconds:.1f} s")
            timings = load_timings()  # re-read: other runs may have written meanwhile
            timings[path.name] = round(seconds, 1)
            TIMINGS.write_text(json.dumps(dict(sorted(timings.items())), indent=1) + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every written notebook")
    parser.add_argument("--jobs", "-j", type=int, default=1, help="notebooks run at once")
    args = parser.parse_args(argv)
    return execute([p.resolve() for p in args.notebooks], args.jobs)


if __name__ == "__main__":
    sys.exit(main())
