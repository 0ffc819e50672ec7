"""The course website, built as ``./course book`` builds it and read in a real browser.

The module builds the site once from the stored notebooks (``tools/book.py``,
about a minute on 2 cores), serves it on 127.0.0.1 and opens pages in headless
Chromium through playwright. Every request that leaves 127.0.0.1 is refused and
recorded, so the checks also prove that the site renders with no internet:
MathJax, fonts and figures all come from the site itself. Skipped only where
Chromium is not installed (``.ci/run`` installs it).
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import shutil
import sys
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PAGE = "04_masked_loss.html"  # prose with formulas, and stored figures
TIMEOUT_MS = 60_000

spec = importlib.util.spec_from_file_location("course_book", ROOT / "tools" / "book.py")
book = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = book
spec.loader.exec_module(book)
STEPS = [s for s in book.load_outline() if s.written]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The built site, served on 127.0.0.1; yields its base URL."""
    out = tmp_path_factory.mktemp("site") / "html"
    index = book.build(out)
    assert index.exists()
    handler = functools.partial(_QuietHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", out
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium; .ci/run does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # The system Chromium: playwright's own browser download cannot work offline.
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, site):
    """A page that may load only from 127.0.0.1; what it tried elsewhere is in ``page.outside``."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.outside = []

    def only_local(route):
        if urlparse(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            page.outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)
    yield page
    context.close()


def test_the_table_of_contents_is_the_path():
    toc = book.toc([s.file for s in STEPS])
    assert toc["root"] == STEPS[0].path.stem
    assert [c["file"] for c in toc["chapters"]] == [s.path.stem for s in STEPS[1:]]


def test_site_notebooks_drop_only_the_generated_cells():
    nb = book.site_notebook(STEPS[1].path)
    import nbformat

    stored = nbformat.read(STEPS[1].path, as_version=4)
    generated = [c for c in stored.cells if {"navigation", "colab-setup"} & set(c.metadata.get("tags", []))]
    assert len(generated) == 3  # navigation at the top and the bottom, the Colab set-up
    assert len(nb.cells) == len(stored.cells) - 3
    assert all(c.outputs == s.outputs for c, s in zip(
        [c for c in nb.cells if c.cell_type == "code"],
        [c for c in stored.cells if c.cell_type == "code" and c not in generated]))


def test_a_page_renders_its_formulas_and_figures_offline(page, site, tmp_path):
    url, out = site
    page.goto(f"{url}/{PAGE}")
    # MathJax typesets every formula; raw TeX such as \(W_u\) would be left otherwise.
    page.wait_for_function(
        "() => window.MathJax && MathJax.Hub && MathJax.Hub.queue.pending === 0 && MathJax.Hub.queue.running === 0"
        " && document.querySelector('.MathJax')",
        timeout=TIMEOUT_MS,
    )
    page.wait_for_load_state("load")
    page.screenshot(path=str(tmp_path / "page.png"))
    page.locator("div.math.notranslate").first.screenshot(path=str(tmp_path / "formula.png"))
    page.locator(".cell_output img").first.screenshot(path=str(tmp_path / "figure.png"))
    math = page.evaluate("""() => [...document.querySelectorAll('.math.notranslate')].map(m => ({
        rendered: !!m.querySelector('.MathJax, .MathJax_Display'),
        width: (m.querySelector('.MathJax, .MathJax_Display') || m).getBoundingClientRect().width,
        error: !!m.querySelector('.MathJax_Error, [style*="color: red"]'),
    }))""")
    assert len(math) >= 5, f"expected formulas on {PAGE}, found {len(math)}"
    assert all(m["rendered"] and m["width"] > 0 for m in math), f"unrendered formulas: {math}"
    assert not any(m["error"] for m in math), "MathJax reported a TeX error"
    figures = page.evaluate("""() => [...document.querySelectorAll('.cell_output img')].map(i => ({
        src: i.getAttribute('src'), loaded: i.complete && i.naturalWidth > 0, width: i.naturalWidth}))""")
    assert figures, f"no stored figure on {PAGE}"
    assert all(f["loaded"] and f["width"] > 300 for f in figures), figures
    assert page.outside == [], f"the page tried to load from outside 127.0.0.1: {page.outside}"


def test_every_page_has_the_path_previous_next_and_launch_buttons(page, site):
    url, out = site
    for i, step in enumerate(STEPS):
        html = "index.html" if i == 0 else f"{step.path.stem}.html"
        page.goto(f"{url}/{html}")
        assert page.locator("h1").first.inner_text().strip(), f"{html} has no title"
        toc = page.eval_on_selector_all("nav.bd-links a.reference", "links => links.map(a => a.innerText.trim())")
        assert toc[1:] == [s.label for s in STEPS[1:]], f"sidebar of {html}: {toc}"  # after the home link
        prev_next = page.eval_on_selector_all(".prev-next-area a", "links => links.map(a => a.getAttribute('href'))")
        want = ([f"{STEPS[i - 1].path.stem}.html"] if i > 0 else []) + (
            [f"{STEPS[i + 1].path.stem}.html"] if i + 1 < len(STEPS) else [])
        got = [Path(h).name for h in prev_next]
        assert got == want, f"previous / next of {html}: {got}"
        launch = page.eval_on_selector_all(".dropdown-launch-buttons a", "links => links.map(a => a.href)")
        assert any(h.startswith("https://colab.research.google.com/") and h.endswith(f"notebooks/{step.file}")
                   for h in launch), launch
        assert any(h.startswith("https://mybinder.org/") and f"notebooks/{step.file}" in h for h in launch), launch
    assert page.outside == [], f"pages tried to load from outside 127.0.0.1: {page.outside}"


def test_the_config_builds_offline_without_executing():
    config = yaml.safe_load(book.CONFIG.read_text())
    assert config["execute"]["execute_notebooks"] == "off"
    assert "://" not in config["sphinx"]["config"]["mathjax_path"], "MathJax must come from the site itself"
