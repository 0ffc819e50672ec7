"""The course works the way a learner meets it: in a real JupyterLab server, in a real browser.

nbval already runs every notebook in a kernel of its own; these tests check what
it cannot: the server. One JupyterLab server on 127.0.0.1 (a module-scoped
fixture, so ``--dist loadfile`` keeps the module on one worker) serves the
repository. One test starts a ``python3`` kernel through the sessions API, as the
lab does, and asks it (with ``jupyter_client``) which Python it is and where it
runs. The last starts the README's ``./course lab`` and opens the lab page in
headless Chromium, driven by playwright: the index notebook must render, and
JupyterLab's "Jupyter news?" pop-up must not appear (skipped where Chromium is not
installed; ``.ci/run`` installs it). The last opens notebook 12 (up to its rating
panel, copied to a folder of its own) in a lab that starts its kernel, runs it from
the Run menu, and rates movies with clicks and the keyboard: "your list" must follow
(in CI a missing Chromium fails it rather than skipping it).

Nothing here leaves 127.0.0.1: the server does not look for news or updates, and
the browser refuses (and the test reports) every request to another host.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
INDEX = "notebooks/00_index.ipynb"
INDEX_TITLE = "Collaborative filtering from first principles"
INDEX_FIRST_CODE = "from cfcourse.notebook import setup"

SERVER_START_TIMEOUT = 120  # seconds until /api/status answers
KERNEL_START_TIMEOUT = 120  # seconds until the kernel answers kernel_info
HTTP_TIMEOUT = 30           # seconds per REST call
BROWSER_TIMEOUT = 90        # seconds until the lab page shows the notebook
NEWS_WAIT = 5               # seconds to watch for a pop-up after the notebook shows


# --------------------------------------------------------------------- server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _jupyter() -> list[str]:
    """The jupyter next to this interpreter, so the server (and its python3 kernel) is this environment's."""
    script = Path(sys.executable).with_name("jupyter")
    return [str(script)] if script.exists() else [sys.executable, "-m", "jupyter"]


def _stop(process: subprocess.Popen, grace: float = 10) -> None:
    """Stop a process started in its own session, with everything it started (kernels, renderers)."""
    if process.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


@dataclasses.dataclass
class Lab:
    """A running JupyterLab server: its base URL, token and log."""

    url: str
    token: str
    log: Path
    process: subprocess.Popen
    runtime: Path | None = None  # the server's runtime directory: kernel connection files

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"token {self.token}"}
        response = requests.request(method, self.url + path, headers=headers, timeout=HTTP_TIMEOUT, **kwargs)
        if not response.ok:
            pytest.fail(f"{method} {path} answered {response.status_code}: {response.text[:500]}", pytrace=False)
        return response

    def delete_session(self, session_id: str) -> None:
        """Delete a session and so shut its kernel down; best effort (the server's shutdown stops it anyway)."""
        for _ in range(3):  # a kernel in the middle of a restart answers 500 for a moment
            try:
                response = requests.delete(f"{self.url}/api/sessions/{session_id}",
                                           headers={"Authorization": f"token {self.token}"}, timeout=HTTP_TIMEOUT)
                if response.ok or response.status_code == 404:
                    return
            except requests.RequestException:
                pass
            time.sleep(1)

    @contextlib.contextmanager
    def log_on_failure(self):
        """A failing test prints the server's log (pytest shows it under "Captured stderr call")."""
        try:
            yield
        except BaseException:
            print(self.log_tail(), file=sys.stderr)
            raise

    def log_tail(self, chars: int = 6000) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return f"--- JupyterLab server log ({self.log}), last {chars} characters ---\n{text[-chars:]}"


def _start_lab(workdir: Path, launcher: list[str] | None = None, *, root: Path = ROOT, starts_kernel: bool = False) -> Lab:
    """Start JupyterLab; ``launcher`` replaces the plain ``jupyter lab`` command line (root dir, root user).

    ``root`` is the folder it serves; ``starts_kernel`` lets an opened notebook start its kernel (for a
    test that runs cells in the page).
    """
    port, token = _free_port(), secrets.token_hex(24)
    log = workdir / f"server-{port}.log"
    env = dict(os.environ)
    # The user's own Jupyter config, runtime files and kernelspecs stay out of it;
    # the environment's (sys.prefix) ones are still found.
    for var, sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_RUNTIME_DIR", "runtime"), ("JUPYTER_DATA_DIR", "data")):
        env[var] = str(workdir / sub)
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    command = [
        *(launcher or [*_jupyter(), "lab", f"--ServerApp.root_dir={root}", "--allow-root"]),  # CI runs as root
        "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        # nothing leaves 127.0.0.1
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        # The browser check only looks; a kernel started by the page (and killed with
        # it while still starting) once left the server's shutdown hanging.
        f"--LabApp.notebook_starts_kernel={starts_kernel}",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    lab = Lab(f"http://127.0.0.1:{port}", token, log, process, runtime=workdir / "runtime")
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with code {process.returncode} before answering\n{lab.log_tail()}")
        try:
            status = requests.get(lab.url + "/api/status", headers={"Authorization": f"token {token}"}, timeout=5)
            if status.status_code == 200:
                return lab
        except requests.ConnectionError:
            pass
        except requests.Timeout:
            pass
        time.sleep(0.25)
    _stop(process)
    raise RuntimeError(f"JupyterLab did not answer /api/status within {SERVER_START_TIMEOUT} s\n{lab.log_tail()}")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """One JupyterLab server for the module, always stopped at the end."""
    workdir = tmp_path_factory.mktemp("lab")
    for attempt in range(3):  # the free port may be taken between choosing it and binding it
        try:
            server = _start_lab(workdir)
            break
        except RuntimeError as error:
            if attempt == 2 or "is already in use" not in str(error):  # the server's words for a taken port
                pytest.fail(str(error), pytrace=False)
    try:
        yield server
    finally:
        try:  # a clean shutdown: it answers once every kernel the server started is stopped
            requests.post(server.url + "/api/shutdown", headers={"Authorization": f"token {server.token}"}, timeout=10)
            server.process.wait(timeout=5)
        except (requests.RequestException, subprocess.TimeoutExpired):
            pass
        # The server process itself sometimes lingers after a clean shutdown (seen:
        # 20 s and more, past SIGTERM); whatever is left of it goes now.
        _stop(server.process, grace=2)


# --------------------------------------------------------------------- tests


def test_the_kernel_is_this_environments_python_in_the_notebooks_folder(lab):
    from jupyter_client import BlockingKernelClient

    with lab.log_on_failure():
        session = lab.request("POST", "/api/sessions", json={
            "path": INDEX, "name": Path(INDEX).name, "type": "notebook", "kernel": {"name": "python3"},
        }).json()
        client = BlockingKernelClient(connection_file=str(lab.runtime / f"kernel-{session['kernel']['id']}.json"))
        client.load_connection_file()
        client.start_channels()
        try:
            # No wait_for_ready: it asks the heartbeat channel, which a client
            # that did not start the kernel sees beating only later. The request
            # waits in its zmq queue until the kernel is up.
            out = []
            reply = client.execute_interactive(
                "import os, sys; print(sys.prefix); print(os.getcwd())", timeout=KERNEL_START_TIMEOUT,
                output_hook=lambda msg: out.append(msg["content"]["text"]) if msg["msg_type"] == "stream" else None,
            )
        finally:
            client.stop_channels()
            lab.delete_session(session["id"])
        assert reply["content"]["status"] == "ok", reply["content"]
        prefix, cwd = "".join(out).splitlines()
        assert Path(prefix).resolve() == Path(sys.prefix).resolve(), "the lab's python3 kernel is not this environment"
        assert Path(cwd).resolve() == (ROOT / "notebooks").resolve(), "the kernel does not start in the notebook's folder"


# What a learner sees: the index notebook's panel, its H1 rendered from
# markdown, and the first code cell's text in the editor.
RENDERED = f"""
() => {{
  const panel = [...document.querySelectorAll('.jp-NotebookPanel')]
    .find(p => !p.classList.contains('lm-mod-hidden'));
  if (!panel) return null;
  const h1 = [...panel.querySelectorAll('.jp-MarkdownCell .jp-RenderedMarkdown h1')]
    .map(h => h.textContent).find(t => t.includes({json.dumps(INDEX_TITLE)}));
  const code = [...panel.querySelectorAll('.jp-CodeCell .jp-InputArea-editor .cm-content')]
    .map(e => e.textContent).find(t => t.includes({json.dumps(INDEX_FIRST_CODE)}));
  const tab = [...document.querySelectorAll('.lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel')]
    .map(t => t.textContent);
  return h1 && code ? {{h1, code, tab}} : null;
}}
"""
TOASTS = "() => [...document.querySelectorAll('.Toastify__toast')].map(t => t.textContent)"


@pytest.mark.skipif(Path(sys.prefix).resolve() != (ROOT / ".venv").resolve(),
                    reason="./course lab uses .venv; these tests run from another environment")
def test_course_lab_shows_the_index_notebook_in_chromium(tmp_path):
    # The README's "./course lab", as a learner runs it (set-up is already done,
    # so it goes straight to JupyterLab), serving the repository with the index open.
    lab = _start_lab(tmp_path, launcher=["bash", str(ROOT / "course"), "lab"])
    try:
        with lab.log_on_failure():
            model = lab.request("GET", f"/api/contents/{INDEX}").json()
            assert model["name"] == "00_index.ipynb" and model["type"] == "notebook"
            assert INDEX_TITLE in json.dumps(model["content"])
            chromium = shutil.which("chromium") or shutil.which("chromium-browser")
            if chromium is None:
                pytest.skip("chromium is not installed: apt-get install chromium (Debian/Ubuntu) to run the browser check")
            _look_at_the_lab(lab, chromium, tmp_path)
    finally:
        _stop(lab.process, grace=5)


def _local_page(browser, outside: list, width: int):
    """A page that may only reach 127.0.0.1: any other request is refused and recorded in ``outside``."""

    def only_local(route):
        if urlparse(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page = browser.new_page(viewport={"width": width, "height": 1000})
    page.route("**/*", only_local)
    return page


def _look_at_the_lab(lab: Lab, chromium: str, tmp_path: Path) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    outside = []

    with sync_playwright() as p:
        # The system Chromium: playwright's own browser download cannot work offline.
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            page = _local_page(browser, outside, 1280)
            page.goto(f"{lab.url}/lab/tree/{INDEX}?token={lab.token}", timeout=BROWSER_TIMEOUT * 1000)
            try:
                found = page.wait_for_function(RENDERED, timeout=BROWSER_TIMEOUT * 1000).json_value()
            except PlaywrightTimeout:
                page.screenshot(path=str(tmp_path / "lab.png"))
                pytest.fail(f"the lab page did not show {INDEX} within {BROWSER_TIMEOUT} s "
                            f"(screenshot: {tmp_path / 'lab.png'})\ntitle: {page.title()!r}\n"
                            f"visible text: {page.inner_text('body')[:1500]}", pytrace=False)
            page.wait_for_timeout(NEWS_WAIT * 1000)  # the news question comes once the lab is restored
            toasts = page.evaluate(TOASTS)
            page.screenshot(path=str(tmp_path / "lab.png"))
        finally:
            browser.close()
    assert INDEX_TITLE in found["h1"]
    assert INDEX_FIRST_CODE in found["code"]
    assert Path(INDEX).name in found["tab"], f"the current tab is not the index notebook: {found['tab']}"
    assert not toasts, f"the lab shows pop-ups over the notebook: {toasts}"
    assert not outside, f"the lab page tried to load from outside 127.0.0.1: {outside}"



# --------------------------------------------------------------------- notebook 12's rating panel

RATE_NOTEBOOK = "notebooks/12_your_recommendations.ipynb"
RATE_TAG = "rate-panel"          # the cell that shows the panel
LIVE_TAG = "live-panel"          # the cell that shows it again with both models attached
PANEL_TIMEOUT = 180              # seconds from "Run All Cells" until the panel shows with recommendations
CLICK_TIMEOUT = 60               # seconds for the kernel to answer one click
# the panel is shown twice (section 1, then with the models attached): read the last view, the one in sight
# (JupyterLab leaves cells out of sight unrendered, and their innerText empty)
YOUR_LIST = "() => { const e = [...document.querySelectorAll('.cf-your-list')].pop(); return e ? e.innerText : null; }"
RECOMMENDED = "() => { const e = [...document.querySelectorAll('.cf-recommendations')].pop(); return e ? e.innerText : null; }"


def _chromium_or_skip() -> str:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        if os.environ.get("CI"):  # .ci/run installs it: a CI run without it must not pass quietly
            pytest.fail("chromium is not installed in CI: .ci/run should have installed it with apt-get", pytrace=False)
        pytest.skip("chromium is not installed: apt-get install chromium (Debian/Ubuntu) to run the browser check")
    return chromium


def _rate_notebook_copy(folder: Path) -> Path:
    """Notebook 12 up to its live panel (models trained as in the notebook), outputs cleared, in a folder of its own."""
    import nbformat

    nb = nbformat.read(ROOT / RATE_NOTEBOOK, as_version=4)
    last = next(i for i, c in enumerate(nb.cells) if LIVE_TAG in c.metadata.get("tags", []))
    assert any(RATE_TAG in c.metadata.get("tags", []) for c in nb.cells[:last])
    nb.cells = nb.cells[: last + 1]
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    path = folder / RATE_NOTEBOOK
    path.parent.mkdir(parents=True)
    nbformat.write(nb, path)
    return path


def _listed(recommended: str) -> list[str]:
    """The titles of the rating model's list, then the ranking model's, in the text of ``your_recommendations``."""
    return [m.group(1) for m in re.finditer(r"^ +\d+\. (.+)  \(\d\.\d stars\)$", recommended, flags=re.M)]


@pytest.mark.skipif(Path(sys.prefix).resolve() != (ROOT / ".venv").resolve(),
                    reason="the lab's kernel must be the course's .venv; these tests run from another environment")
def test_rating_movies_in_the_panel_changes_the_list(tmp_path):
    # A learner opens notebook 12 in JupyterLab, runs it (both models train in the page's kernel), and
    # rates movies with the mouse and the keyboard in the panel shown with the models attached; "your
    # list" and the recommendations under it are redrawn by the kernel after every click.
    from cfcourse.rate import star_label

    chromium = _chromium_or_skip()
    served = tmp_path / "served"
    _rate_notebook_copy(served)
    lab = _start_lab(tmp_path, root=served, starts_kernel=True)
    try:
        with lab.log_on_failure():
            seen = _rate_in_the_browser(lab, chromium, tmp_path)
    finally:
        _stop(lab.process, grace=5)
    first, after_click, after_search, after_clear, after_top = seen["lists"]
    assert first.startswith("Your list (8 rated):") and "Pulp Fiction" not in first and "Titanic" in first
    assert after_click.startswith("Your list (9 rated):") and "★★★★★ 5      Pulp Fiction" in after_click
    assert after_search.startswith("Your list (10 rated):") and "★★★★½ 4.5    Toy Story" in after_search
    assert after_clear.startswith("Your list (9 rated):") and "Titanic" not in after_clear
    assert seen["results"][0] == "Toy Story", seen["results"]
    # the recommendations follow: ten movies each time, never one just rated, and a new list after each click
    recs = seen["recommended"]
    assert [r.splitlines()[0] for r in recs] == [
        f"Your recommendations from your {k} ratings (redrawn after every click)" for k in (8, 9, 10, 9, 10)]
    listed = [_listed(r) for r in recs]
    assert all(len(titles) == 10 for titles in listed), listed
    assert all(a != b for a, b in zip(recs, recs[1:]))  # every click redrew the list
    assert "Pulp Fiction" not in listed[1] and "Toy Story" not in listed[2] and "Titanic" not in listed[0]
    top = seen["top"]  # the rating model's first movie, then rated 1 star through the search box
    assert top == listed[3][0] and top not in listed[4] and listed[4][:5] != listed[3][:5]
    assert f"{top}  (" not in recs[4] and f"{star_label(1.0):<12} {top}" in after_top
    assert recs[0].count("because you rated") + recs[0].count("mostly its movie bias") == 5
    assert not seen["outside"], f"the lab page tried to load from outside 127.0.0.1: {seen['outside']}"
    print(f"browser check: panel with recommendations shown {seen['panel_s']:.1f} s after Run All; four changes "
          f"seen in {seen['clicks_s']:.1f} s; whole test {seen['total_s']:.1f} s")


def _rate_in_the_browser(lab: Lab, chromium: str, tmp_path: Path) -> dict:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    outside, lists, recommended = [], [], []
    start = time.monotonic()

    def both_redrawn(page, listed: str, rated: int, timeout: float = CLICK_TIMEOUT) -> None:
        """Wait for "your list" to start with ``listed`` and the recommendations to be for ``rated`` ratings."""
        page.wait_for_function(
            f"""() => {{ const t = ({YOUR_LIST})(), r = ({RECOMMENDED})();
                         return t && t.startsWith({json.dumps(listed)})
                             && r && r.startsWith({json.dumps(f"Your recommendations from your {rated} ratings")}); }}""",
            timeout=timeout * 1000)
        lists.append(page.evaluate(YOUR_LIST))
        recommended.append(page.evaluate(RECOMMENDED))

    def search_and_rate(panel, query: str, stars: str, listed: str, rated: int) -> list[str]:
        """Type ``query`` into the search box, wait for its results, click ``stars`` on the result titled
        ``query`` (else the first) until both lists are redrawn; the titles found."""
        panel.locator(".cf-search input").fill("")
        panel.locator(".cf-search input").click()
        page.keyboard.type(query)
        # results follow each key; wait for those of the whole query
        page.wait_for_function("""(q) => {
            const panels = document.querySelectorAll('.cf-rate-panel');
            const t = [...panels[panels.length - 1].querySelectorAll('.cf-results .cf-rate-row .widget-html-content')]
                .map(e => e.innerText.trim());
            return t.length > 0 && t.every(x => x.toLowerCase().includes(q));
        }""", arg=query.lower(), timeout=CLICK_TIMEOUT * 1000)
        found = [t.strip() for t in panel.locator(".cf-results .cf-rate-row .widget-html-content").all_inner_texts()]
        # the results of a shorter prefix can pass that check and then be replaced by the last key's:
        # a click on a replaced row is lost, so click again (a second click on the same star changes nothing)
        deadline = time.monotonic() + CLICK_TIMEOUT
        while True:
            row = found.index(query) if query in found else 0
            panel.locator(".cf-results .cf-rate-row").nth(row).get_by_role("button", name=stars, exact=True).click()
            try:
                both_redrawn(page, listed, rated, timeout=5)
                return found
            except PlaywrightTimeout:
                if time.monotonic() > deadline:
                    raise
                found = [t.strip() for t in panel.locator(".cf-results .cf-rate-row .widget-html-content").all_inner_texts()]

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            page = _local_page(browser, outside, 1400)
            try:
                page.goto(f"{lab.url}/lab/tree/{RATE_NOTEBOOK}?token={lab.token}", timeout=BROWSER_TIMEOUT * 1000)
                page.locator(".jp-NotebookPanel .jp-Notebook").first.wait_for(timeout=BROWSER_TIMEOUT * 1000)
                # the notebook's own kernel, started by the page, must be up before anything runs
                page.get_by_text("Python 3 (ipykernel) | Idle").first.wait_for(timeout=BROWSER_TIMEOUT * 1000)
                # Run > Run All Cells, with the mouse
                page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
                page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
                clicked = time.monotonic()
                # the panel is shown twice (section 1, then with the models attached); both are one panel
                both_redrawn(page, "Your list (8 rated):", 8, timeout=PANEL_TIMEOUT)
                panel_s = time.monotonic() - clicked
                panel = page.locator(".cf-rate-panel").last  # the learner clicks in the live one
                panel.scroll_into_view_if_needed()
                # a click on the 5 of a shortlisted movie
                panel.locator(".cf-shortlist .cf-rate-row").filter(has_text="Pulp Fiction").get_by_role(
                    "button", name="5", exact=True).click()
                both_redrawn(page, "Your list (9 rated):", 9)
                # type a title into the search box, then rate the first result
                results = search_and_rate(panel, "toy story", "4½", "Your list (10 rated):", 10)
                # "–" takes a rating back
                panel.locator(".cf-shortlist .cf-rate-row").filter(has_text="Titanic").get_by_role(
                    "button", name="–", exact=True).click()
                both_redrawn(page, "Your list (9 rated):", 9)
                # the rating model's first recommendation, found and rated 1 star: it must leave the list
                top = _listed(recommended[-1])[0]
                search_and_rate(panel, top, "1", "Your list (10 rated):", 10)
                clicks_s = time.monotonic() - clicked - panel_s
                page.screenshot(path=str(tmp_path / "rate.png"), full_page=True)
            except PlaywrightTimeout:
                page.screenshot(path=str(tmp_path / "rate.png"), full_page=True)
                pytest.fail(f"the rating panel did not respond as expected (screenshot: {tmp_path / 'rate.png'}); "
                            f"lists seen so far: {lists}\nrecommendations: {recommended}\n"
                            f"visible text: {page.inner_text('body')[-2000:]}", pytrace=False)
        finally:
            browser.close()
    return {"lists": lists, "recommended": recommended, "results": results, "top": top, "outside": outside,
            "panel_s": panel_s, "clicks_s": clicks_s, "total_s": time.monotonic() - start}
