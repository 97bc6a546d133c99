# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for the local Assistants server's tests: an in-process server and a small HTTP client."""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests

REPO_ROOT = Path(__file__).resolve().parents[3]
TOOLS_DIR = REPO_ROOT / "tools"
if str(TOOLS_DIR) not in sys.path:
    sys.path.insert(0, str(TOOLS_DIR))
# ansible-test runs pytest in importlib mode, which puts no test directory on sys.path: this one goes there so the
# test modules can share constants and helpers (`from conftest import ...`, `from test_assistants_server_schema import ...`).
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from assistants_server import start_server  # noqa: E402  pylint: disable=wrong-import-position

LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:(\d+)/v1)\n")
HEADERS = {"Authorization": "Bearer test-key", "OpenAI-Beta": "assistants=v2"}
TERMINAL = {"completed", "failed", "cancelled", "expired", "incomplete"}


class Api:
    """requests against one server, with the headers the hosted API wants."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.url = f"{base}/v1"
        self.session = requests.Session()
        self.session.trust_env = False  # loopback only: never route through a proxy from the environment
        self.session.headers.update(HEADERS)

    def request(self, method: str, path: str, body: Any = None, *, params: dict[str, Any] | None = None,
                headers: dict[str, str] | None = None) -> requests.Response:
        return self.session.request(method, self.url + path, json=body, params=params, headers=headers, timeout=10)

    def ok(self, method: str, path: str, body: Any = None, **kwargs: Any) -> dict[str, Any]:
        response = self.request(method, path, body, **kwargs)
        assert response.status_code == 200, f"{method} {path} -> {response.status_code} {response.text}"
        return response.json()

    def post(self, path: str, body: Any = None, **kwargs: Any) -> dict[str, Any]:
        return self.ok("POST", path, {} if body is None else body, **kwargs)

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        return self.ok("GET", path, params=params or None)

    def control(self, method: str, name: str, body: Any = None) -> dict[str, Any]:
        response = self.session.request(method, f"{self.base}/__control/{name}", json=body, timeout=10)
        assert response.status_code == 200, f"{method} /__control/{name} -> {response.status_code} {response.text}"
        return response.json()

    def advance(self, seconds: float) -> None:
        self.control("POST", "clock", {"advance_seconds": seconds})

    # ---- shortcuts ----

    def assistant(self, **fields: Any) -> dict[str, Any]:
        return self.post("/assistants", {"model": "gpt-4o", **fields})

    def thread(self, text: str | None = "hello", **fields: Any) -> dict[str, Any]:
        body = dict(fields)
        if text is not None:
            body.setdefault("messages", [{"role": "user", "content": text}])
        return self.post("/threads", body)

    def run(self, thread_id: str, assistant_id: str, **fields: Any) -> dict[str, Any]:
        return self.post(f"/threads/{thread_id}/runs", {"assistant_id": assistant_id, **fields})

    def get_run(self, run: dict[str, Any]) -> dict[str, Any]:
        return self.get(f"/threads/{run['thread_id']}/runs/{run['id']}")

    def wait(self, run: dict[str, Any], statuses: set[str] | str, timeout: float = 5.0) -> dict[str, Any]:
        """Poll until the run reaches one of `statuses`; fail (not hang) after `timeout` seconds."""
        wanted = {statuses} if isinstance(statuses, str) else set(statuses)
        deadline = time.monotonic() + timeout
        while True:
            current = self.get_run(run)
            if current["status"] in wanted:
                return current
            assert time.monotonic() < deadline, f"run {run['id']} still {current['status']} after {timeout}s, wanted {sorted(wanted)}"
            time.sleep(0.01)


@pytest.fixture(name="launch")
def fixture_launch():
    """Start `python3 tools/assistants_server --port 0 ...` as users do; returns (process, url). Leftovers are killed after the test."""
    processes = []

    def start(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
        process = subprocess.Popen(  # pylint: disable=consider-using-with
            [sys.executable, "tools/assistants_server", "--host", "127.0.0.1", "--port", "0", *args],
            cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})
        processes.append(process)
        ready = select.select([process.stdout], [], [], 15)[0]
        assert ready, f"no listening line within 15 s; stderr: {process.stderr.read() if process.poll() is not None else '(still running)'}"
        line = process.stdout.readline()
        match = LISTENING.fullmatch(line)
        assert match, f"unexpected first line {line!r}"
        return process, match.group(1)

    try:
        yield start
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
            process.communicate(timeout=10)


SERVER_DEFAULTS: dict[str, Any] = {"run_seconds": 0.05, "cancel_seconds": 0.05, "poll_after_ms": 10}


@pytest.fixture(scope="module")
def server_options() -> dict[str, Any]:
    """Override in a test module to start its server with other options."""
    return {}


@pytest.fixture(scope="module")
def server(server_options: dict[str, Any]) -> Iterator[Any]:  # pylint: disable=redefined-outer-name
    handle = start_server(**{**SERVER_DEFAULTS, **server_options})
    try:
        yield handle
    finally:
        handle.stop()


def _emptied(base: str) -> Iterator[Api]:
    client = Api(base)
    client.control("POST", "reset")
    try:
        yield client
    finally:
        client.session.close()


@pytest.fixture
def api(server: Any) -> Iterator[Api]:  # pylint: disable=redefined-outer-name
    """A client for the module's server, emptied (store, rules, log, clock) before each test."""
    yield from _emptied(server.base)


@pytest.fixture(scope="session")
def server_factory() -> Any:
    """start_server with the test defaults, for module-scoped fixtures that need a server of their own."""
    return lambda **options: start_server(**{**SERVER_DEFAULTS, **options})


@pytest.fixture(scope="session")
def client_factory() -> Any:
    """Api(base): a client for a server started by a fixture."""
    return Api


def _servers(defaults: dict[str, Any]) -> Iterator[Any]:
    """make(**options) -> (handle, Api): servers started with `defaults` plus options, each stopped after the test."""
    handles = []

    def make(**options: Any) -> tuple[Any, Api]:
        handle = start_server(**{**defaults, **options})
        handles.append(handle)
        return handle, Api(handle.base)

    try:
        yield make
    finally:
        for handle in handles:
            handle.stop()


@pytest.fixture
def make_server() -> Iterator[Any]:
    """Start extra servers with given options (e.g. api_key); each is stopped after the test."""
    yield from _servers(SERVER_DEFAULTS)


# ---- --backend chat: the bridge in front of a scripted upstream stand-in (tools/assistants_server/standin.py) ----

UPSTREAM_KEY = "sk-upstream-0123456789abcdef"
CHAT_DEFAULTS: dict[str, Any] = {"backend": "chat", "upstream_key": UPSTREAM_KEY, "upstream_backoff": 0.01, "upstream_timeout": 2.0,
                                 "cancel_seconds": 0.05, "poll_after_ms": 10, "grace_seconds": 1.0, "control": True}


@pytest.fixture(scope="module")
def standin() -> Iterator[Any]:
    """A stand-in upstream demanding UPSTREAM_KEY; emptied (script and log) before each test by `bridge`."""
    from assistants_server.standin import start_standin  # pylint: disable=import-outside-toplevel

    handle = start_standin(key=UPSTREAM_KEY)
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture(scope="module")
def bridge_options() -> dict[str, Any]:
    """Override in a test module to start its bridge with other options."""
    return {}


@pytest.fixture(scope="module")
def bridge_server(standin: Any, bridge_options: dict[str, Any]) -> Iterator[Any]:  # pylint: disable=redefined-outer-name
    handle = start_server(**{**CHAT_DEFAULTS, "upstream": standin.url, **bridge_options})
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def bridge(bridge_server: Any, standin: Any) -> Iterator[Api]:  # pylint: disable=redefined-outer-name
    """A client for the module's bridge; bridge and stand-in emptied before each test."""
    standin.server.reset()
    yield from _emptied(bridge_server.base)


@pytest.fixture
def make_bridge(standin: Any) -> Iterator[Any]:  # pylint: disable=redefined-outer-name
    """Start bridges with given options in front of the stand-in; each is stopped after the test."""
    standin.server.reset()
    yield from _servers({**CHAT_DEFAULTS, "upstream": standin.url})


@pytest.fixture
def bridge_factory() -> Iterator[Any]:
    """make(**standin_options) -> (stand-in, Api): a stand-in of the test's own and a bridge in front of it."""
    from assistants_server.standin import start_standin  # pylint: disable=import-outside-toplevel

    started: list[Any] = []

    def make(**standin_options: Any) -> tuple[Any, Api]:
        upstream = start_standin(key=UPSTREAM_KEY, **standin_options)
        started.append(upstream)
        handle = start_server(**{**CHAT_DEFAULTS, "upstream": upstream.url, "upstream_keep_alive": "yes"})
        started.append(handle)
        return upstream, Api(handle.base)

    try:
        yield make
    finally:
        for item in reversed(started):
            item.stop()
