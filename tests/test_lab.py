"""The course works the way a learner meets it: in a real JupyterLab server.

nbval runs each notebook in a kernel of its own; these tests go through the
server instead. One JupyterLab server on 127.0.0.1 (a module-scoped fixture, so
``--dist loadfile`` keeps the whole module on one worker) serves the repository.
For every notebook, a test opens it through the contents API, starts a
``python3`` kernel through the sessions API (the kernel's working directory is
the notebook's folder, as in the lab), runs every code cell over the kernel's
websocket with the Jupyter messaging protocol and requires every
``execute_reply`` to be ``ok``. One test checks that the lab's ``python3``
kernel is this environment's Python; the last opens the lab page itself in
headless Chromium and waits until the index notebook is rendered (skipped where
Chromium is not installed; ``.ci/run`` installs it).

Nothing here leaves 127.0.0.1: the server does not look for news or updates,
and Chromium resolves no host name.
"""

from __future__ import annotations

import base64
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
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests
import websocket

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
INDEX = "notebooks/00_index.ipynb"
INDEX_TITLE = "Collaborative filtering from first principles"
INDEX_FIRST_CODE = "from cfcourse.notebook import setup"

SERVER_START_TIMEOUT = 120  # seconds until /api/status answers
KERNEL_START_TIMEOUT = 120  # seconds until the kernel answers kernel_info
CELL_TIMEOUT = 300          # seconds per cell, as nbval's --nbval-cell-timeout
HTTP_TIMEOUT = 30           # seconds per REST call
BROWSER_TIMEOUT = 90        # seconds until the lab page shows the notebook
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


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
    closing: dict[str, threading.Thread] = dataclasses.field(default_factory=dict)  # path -> session being deleted

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


def _start_lab(workdir: Path, launcher: list[str] | None = None) -> Lab:
    """Start JupyterLab; ``launcher`` replaces the plain ``jupyter lab`` command line (root dir, root user)."""
    port, token = _free_port(), secrets.token_hex(24)
    log = workdir / f"server-{port}.log"
    env = dict(os.environ)
    # The user's own Jupyter config, runtime files and kernelspecs stay out of it;
    # the environment's (sys.prefix) ones are still found.
    for var, sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_RUNTIME_DIR", "runtime"), ("JUPYTER_DATA_DIR", "data")):
        env[var] = str(workdir / sub)
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    # The lab page neither asks about nor fetches Jupyter news (a toast over the notebook otherwise).
    settings = workdir / "config" / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    command = [
        *(launcher or [*_jupyter(), "lab", f"--ServerApp.root_dir={ROOT}", "--allow-root"]),  # CI runs as root
        "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        # nothing leaves 127.0.0.1
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        # The browser check only looks; a kernel started by the page (and killed with
        # it while still starting) once left the server's shutdown hanging.
        "--LabApp.notebook_starts_kernel=False",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    lab = Lab(f"http://127.0.0.1:{port}", token, log, process)
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
        for closing in server.closing.values():
            closing.join(timeout=HTTP_TIMEOUT)
        try:  # a clean shutdown: it answers once every kernel the server started is stopped
            requests.post(server.url + "/api/shutdown", headers={"Authorization": f"token {server.token}"}, timeout=10)
            server.process.wait(timeout=5)
        except (requests.RequestException, subprocess.TimeoutExpired):
            pass
        # The server process itself sometimes lingers after a clean shutdown (seen:
        # 20 s and more, past SIGTERM); whatever is left of it goes now.
        _stop(server.process, grace=2)


# --------------------------------------------------------------------- kernel


class KernelChannel:
    """The kernel's websocket on the server: send on shell, read shell and iopub replies."""

    def __init__(self, lab: Lab, kernel_id: str):
        self.session = uuid.uuid4().hex
        ws_url = lab.url.replace("http://", "ws://") + f"/api/kernels/{kernel_id}/channels?session_id={self.session}"
        self.ws = websocket.create_connection(
            ws_url, header=[f"Authorization: token {lab.token}"], timeout=HTTP_TIMEOUT,
        )

    def close(self) -> None:
        self.ws.close()

    def send(self, msg_type: str, content: dict, channel: str = "shell") -> str:
        msg_id = uuid.uuid4().hex
        self.ws.send(json.dumps({
            "header": {
                "msg_id": msg_id, "msg_type": msg_type, "session": self.session,
                "username": "test_lab", "version": "5.3", "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            },
            "parent_header": {}, "metadata": {}, "content": content, "channel": channel, "buffers": [],
        }))
        return msg_id

    def receive(self, timeout: float) -> dict:
        self.ws.settimeout(max(timeout, 0.01))
        frame = self.ws.recv()
        if isinstance(frame, bytes):  # a message with binary buffers: offsets, then the JSON message first
            n_buffers = int.from_bytes(frame[:4], "big")
            offsets = [int.from_bytes(frame[4 + 4 * i: 8 + 4 * i], "big") for i in range(n_buffers)]
            frame = frame[offsets[0]: offsets[1] if n_buffers > 1 else None]
        return json.loads(frame)

    def request(self, msg_type: str, content: dict, timeout: float) -> tuple[dict, list[dict]]:
        """Send one request; return its shell reply and its iopub messages once the kernel is idle again."""
        msg_id = self.send(msg_type, content)
        reply, iopub, idle = None, [], False
        deadline = time.monotonic() + timeout
        while reply is None or not idle:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no complete answer to {msg_type} within {timeout} s")
            try:
                msg = self.receive(remaining)
            except websocket.WebSocketTimeoutException:
                continue
            state = msg.get("content", {}).get("execution_state")
            if msg.get("channel") == "iopub" and state in ("dead", "restarting"):
                raise RuntimeError(f"the kernel is {state} (it crashed or ran out of memory)")
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if msg["channel"] == "shell":
                reply = msg
            elif msg["channel"] == "iopub":
                iopub.append(msg)
                idle = state == "idle"
        return reply, iopub

    def wait_ready(self, timeout: float) -> None:
        """kernel_info until the kernel answers (it may still be starting)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.request("kernel_info_request", {}, timeout=min(10, max(deadline - time.monotonic(), 0.1)))
                return
            except TimeoutError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the kernel did not answer kernel_info within {timeout} s") from None

    def execute(self, code: str, timeout: float) -> tuple[dict, list[dict]]:
        return self.request("execute_request", {
            "code": code, "silent": False, "store_history": True,
            "user_expressions": {}, "allow_stdin": False, "stop_on_error": True,
        }, timeout)


@pytest.fixture
def kernel_for(lab):
    """kernel_for("notebooks/X.ipynb") starts a session as the lab does; the session is deleted afterwards."""
    sessions, channels = {}, []

    def start(path: str) -> KernelChannel:
        # The server hands out the existing session for a path: wait until the
        # previous test's session for this path is gone, or we would get its dying kernel.
        if path in lab.closing:
            lab.closing.pop(path).join(timeout=HTTP_TIMEOUT)
        session = lab.request("POST", "/api/sessions", json={
            "path": path, "name": Path(path).name, "type": "notebook", "kernel": {"name": "python3"},
        }).json()
        sessions[path] = session["id"]
        channel = KernelChannel(lab, session["kernel"]["id"])
        channels.append(channel)
        channel.wait_ready(KERNEL_START_TIMEOUT)
        return channel

    yield start
    for channel in channels:
        channel.close()
    for path, session_id in sessions.items():
        # Deleting a session waits for its kernel to shut down (2-3 s); let that
        # overlap with the next test. The lab fixture waits for the rest at the end.
        closing = threading.Thread(target=lab.delete_session, args=(session_id,), daemon=True)
        closing.start()
        lab.closing[path] = closing


# --------------------------------------------------------------------- tests


def test_the_kernel_is_this_environments_python_in_the_notebooks_folder(lab, kernel_for):
    with lab.log_on_failure():
        kernel = kernel_for(INDEX)
        reply, iopub = kernel.execute("import os, sys; print(sys.prefix); print(os.getcwd())", timeout=60)
        assert reply["content"]["status"] == "ok", reply["content"]
        out = "".join(m["content"]["text"] for m in iopub if m["msg_type"] == "stream")
        prefix, cwd = out.splitlines()
        assert Path(prefix).resolve() == Path(sys.prefix).resolve(), "the lab's python3 kernel is not this environment"
        assert Path(cwd).resolve() == (ROOT / "notebooks").resolve(), "the kernel does not start in the notebook's folder"


@pytest.mark.parametrize("name", [p.name for p in NOTEBOOKS])
def test_notebook_runs_in_jupyterlab(lab, kernel_for, name):
    with lab.log_on_failure():
        path = f"notebooks/{name}"
        model = lab.request("GET", f"/api/contents/{path}", params={"type": "notebook", "content": 1}).json()
        assert model["type"] == "notebook" and model["format"] == "json"
        cells = [(i, c) for i, c in enumerate(model["content"]["cells"]) if c["cell_type"] == "code"]
        assert cells, f"{path} has no code cells"

        kernel = kernel_for(path)
        for index, cell in cells:
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            head = "\n".join(source.splitlines()[:3])
            try:
                reply, iopub = kernel.execute(source, timeout=CELL_TIMEOUT)
            except (TimeoutError, RuntimeError) as error:
                pytest.fail(f"{path}, cell {index}: {error}\n--- cell starts ---\n{head}", pytrace=False)
            content = reply["content"]
            if content["status"] == "ok" or "raises-exception" in cell.get("metadata", {}).get("tags", []):
                continue
            traceback = ANSI.sub("", "\n".join(content.get("traceback", [])))
            pytest.fail(
                f"{path}, cell {index}: execute_reply status {content['status']!r}: "
                f"{content.get('ename')}: {content.get('evalue')}\n--- cell starts ---\n{head}\n"
                f"--- traceback (end) ---\n{traceback[-2000:]}",
                pytrace=False,
            )


# ------------------------------------------------------------------- browser


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class DevTools:
    """The smallest Chrome DevTools protocol client: one page target, one call at a time."""

    def __init__(self, ws_url: str):
        # Chromium refuses DevTools websockets that send an Origin header
        # unless --remote-allow-origins is given; send none.
        self.ws = websocket.create_connection(ws_url, timeout=HTTP_TIMEOUT, suppress_origin=True)
        self.next_id = 0

    def call(self, method: str, **params) -> dict:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg["result"]

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    def close(self) -> None:
        self.ws.close()


# What a learner sees: the index notebook's panel, its H1 rendered from
# markdown, and the first code cell's text in the editor.
RENDERED = f"""
(() => {{
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
}})()
"""


def test_the_lab_page_renders_the_index_notebook_in_chromium(lab, tmp_path):
    chromium = _chromium()
    if chromium is None:
        pytest.skip("chromium is not installed: apt-get install chromium (Debian/Ubuntu) to run the browser check")
    profile = tmp_path / "chromium-profile"
    url = f"{lab.url}/lab/tree/{INDEX}?token={lab.token}"
    command = [
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--no-first-run", "--no-default-browser-check", "--disable-quic", "--disable-sync",
        "--disable-background-networking", "--disable-component-update", "--disable-default-apps",
        "--disable-domain-reliability", "--disable-breakpad", "--no-pings", "--mute-audio",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",  # no name resolves: nothing leaves 127.0.0.1
        "--window-size=1280,1000", f"--user-data-dir={profile}", "--remote-debugging-address=127.0.0.1",
        "--remote-debugging-port=0",  # chromium picks a port and writes it to DevToolsActivePort
        url,
    ]
    browser_log = tmp_path / "chromium.log"
    started = time.monotonic()
    with lab.log_on_failure(), browser_log.open("wb") as out:
        browser = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    devtools = None
    try:
        deadline = started + BROWSER_TIMEOUT

        def fail(why: str):
            log_text = browser_log.read_text(errors="replace")[-3000:]
            pytest.fail(f"{why}\n--- chromium log (end) ---\n{log_text}", pytrace=False)

        port_file = profile / "DevToolsActivePort"
        while not (port_file.exists() and port_file.read_text().strip()):
            if browser.poll() is not None:
                fail(f"chromium exited with code {browser.returncode}")
            if time.monotonic() > deadline:
                fail("chromium did not open its DevTools port")
            time.sleep(0.1)
        devtools_port = int(port_file.read_text().split()[0])
        pages = []
        while not pages:
            targets = requests.get(f"http://127.0.0.1:{devtools_port}/json/list", timeout=HTTP_TIMEOUT).json()
            pages = [t for t in targets if t.get("type") == "page" and t.get("url", "").startswith(lab.url)]
            if time.monotonic() > deadline:
                fail(f"no page target for the lab in {targets}")
            time.sleep(0.1)
        devtools = DevTools(pages[0]["webSocketDebuggerUrl"])

        found = None
        while found is None and time.monotonic() < deadline:
            found = devtools.evaluate(RENDERED)
            if found is None:
                time.sleep(0.25)
        shot = base64.b64decode(devtools.call("Page.captureScreenshot", format="png")["data"])
        (tmp_path / "lab.png").write_bytes(shot)
        if found is None:
            title = devtools.evaluate("document.title")
            body = devtools.evaluate("document.body ? document.body.innerText.slice(0, 1500) : ''")
            fail(f"the lab page did not show {INDEX} within {BROWSER_TIMEOUT} s (screenshot: {tmp_path / 'lab.png'})\n"
                 f"title: {title!r}\nvisible text: {body}")
        assert INDEX_TITLE in found["h1"]
        assert INDEX_FIRST_CODE in found["code"]
        assert Path(INDEX).name in found["tab"], f"the current tab is not the index notebook: {found['tab']}"
    finally:
        if devtools is not None:
            devtools.close()
        _stop(browser)


@pytest.mark.skipif(Path(sys.prefix).resolve() != (ROOT / ".venv").resolve(),
                    reason="./course lab uses .venv; these tests run from another environment")
def test_course_lab_serves_the_index_notebook(tmp_path):
    # The README's "./course lab", as a learner runs it (set-up is already done,
    # so it goes straight to JupyterLab), serving the repository with the index open.
    lab = _start_lab(tmp_path, launcher=["bash", str(ROOT / "course"), "lab"])
    try:
        with lab.log_on_failure():
            model = lab.request("GET", f"/api/contents/{INDEX}").json()
            assert model["name"] == "00_index.ipynb" and model["type"] == "notebook"
            assert INDEX_TITLE in json.dumps(model["content"])
            page = lab.request("GET", f"/lab/tree/{INDEX}")
            assert "JupyterLab" in page.text
    finally:
        _stop(lab.process, grace=5)
