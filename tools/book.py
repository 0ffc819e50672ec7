"""Build the course website: every notebook of the path, from its stored outputs.

Usage (through ./course, which sets up the pinned environment first)::

    python tools/book.py [--out DIR]

Stages a Jupyter Book in ``build/book/src``: the written notebooks of
``notebooks/outline.toml`` in path order (the table of contents), each without
its generated navigation and Colab cells (the site has its own previous / next
links and Colab / Binder launch buttons), ``book/_config.yml`` plus the
repository URL from ``pyproject.toml``, and MathJax from the
``jupyter-server-mathjax`` package so that formulas render with no internet.
Nothing is executed. The site is written to ``build/book/html`` (or ``--out``);
open its ``index.html`` in a browser. A build that fails leaves the previous
site in place.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nav import COLAB_TAG, NAV_TAG, ROOT, load_outline, repository_url  # noqa: E402

CONFIG = ROOT / "book" / "_config.yml"
BUILD = ROOT / "build" / "book"
MATHJAX_PARTS = ("MathJax.js", "config", "extensions", "fonts", "jax", "LICENSE")  # not its 60 translations


def toc(files: list[str]) -> dict:
    """The path as a Jupyter Book table of contents: the index first, then every step."""
    stems = [Path(f).stem for f in files]
    return {"format": "jb-book", "root": stems[0], "chapters": [{"file": s} for s in stems[1:]]}


# A link to a heading in another notebook: JupyterLab's anchor keeps the heading's case
# (``00_index.ipynb#Notation``), MyST's slug is lower case (``#notation``).
HEADING_LINK = re.compile(r"(\.ipynb#)([A-Za-z0-9_-]+)\)")


def site_notebook(path: Path):
    """A notebook as the site shows it: its stored outputs, without the generated navigation and Colab cells,
    and with links to headings spelled as the site's anchors."""
    nb = nbformat.read(path, as_version=4)
    nb.cells = [c for c in nb.cells if not {NAV_TAG, COLAB_TAG} & set(c.metadata.get("tags", []))]
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = HEADING_LINK.sub(lambda m: f"{m.group(1)}{m.group(2).lower()})", cell.source)
    return nb


def mathjax_dir() -> Path:
    try:
        import jupyter_server_mathjax
    except ImportError:
        raise SystemExit(
            "jupyter-server-mathjax is not installed: it serves MathJax from the site itself. "
            "Run ./course book (it installs the book extra), or pip install -c constraints.txt -e '.[book]'."
        ) from None
    return Path(jupyter_server_mathjax.__file__).parent / "static"


def stage(src: Path) -> list[str]:
    """Write the book's sources into ``src``; return the notebook files, in path order."""
    steps = [s for s in load_outline() if s.written]
    if not steps:
        raise SystemExit("notebooks/outline.toml lists no written notebook: nothing to build.")
    if src.exists():
        shutil.rmtree(src)
    src.mkdir(parents=True)
    for step in steps:
        nbformat.write(site_notebook(step.path), src / step.file)
    config = yaml.safe_load(CONFIG.read_text())
    config["repository"]["url"] = repository_url()
    (src / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    files = [s.file for s in steps]
    (src / "_toc.yml").write_text(yaml.safe_dump(toc(files), sort_keys=False))
    mathjax = mathjax_dir()
    for part in MATHJAX_PARTS:
        source, target = mathjax / part, src / "_extra" / "mathjax" / part
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return files


def build(out: Path) -> Path:
    """Stage and build the site into ``out``; return the path of its index page."""
    src = BUILD / "src"
    stage(src)
    work = BUILD / "work"
    if work.exists():
        shutil.rmtree(work)
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    command = [str(jupyter_book), "build", str(src), "--path-output", str(work), "--builder", "html", "--warningiserror",
               "--quiet"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"jupyter-book failed (exit {result.returncode}); the previous site is left as it was:\n"
                         f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    html = work / "_build" / "html"
    # Replace the old site only now, in one move, so a failed build leaves it whole.
    if out.exists():
        shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    html.rename(out)
    shutil.rmtree(work)
    (out / ".buildinfo").unlink(missing_ok=True)
    return out / "index.html"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=BUILD / "html", help="where the site goes (default: build/book/html)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    index = build(args.out.resolve())
    size = sum(p.stat().st_size for p in index.parent.rglob("*") if p.is_file())
    print(f"built the course website in {time.perf_counter() - start:.0f} s ({size / 1e6:.1f} MB): {index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
