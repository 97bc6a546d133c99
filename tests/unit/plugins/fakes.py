# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The fakes of the unit tests: a scripted transport, a fake API with cursor paging, a fake clock, module args.

Nothing here opens a socket or sleeps. The client talks to a real requests.Session whose
http:// and https:// prefixes are mounted on ScriptedAdapter (or FakeApi), so headers, URL preparation
and redirect handling are requests' own; only the wire is replaced. The fixtures that wire these into
the client and the modules are in conftest.py next to this file.
"""

from __future__ import annotations

import contextlib
import json
import os
import io
import typing as t
from unittest import mock
from urllib.parse import parse_qs, parse_qsl, urlsplit

import requests
import urllib3
from urllib3 import exceptions as u3

API_BASE = "https://api.example.test/v1"
API_KEY = "sk-test-4f1c9e0b7d2a48c6a1e3"
# Where FakeApi answers; its paths are read under this base path.
FAKE_API_BASE = "http://assistants.test/v1"


def make_response(
    status: int = 200,
    body: t.Any = None,
    headers: dict[str, str] | None = None,
    reason: str | None = None,
    request: requests.PreparedRequest | None = None,
) -> requests.Response:
    """A real requests.Response: a dict/list body is sent as JSON, str/bytes as they are."""
    response = requests.Response()
    response.status_code = status
    response.reason = reason if reason is not None else {200: "OK", 404: "Not Found"}.get(status, "")
    if isinstance(body, (dict, list)):
        response._content = json.dumps(body).encode()
        response.headers["Content-Type"] = "application/json"
    elif isinstance(body, str):
        response._content = body.encode("utf-8")
    else:
        response._content = body or b""
    response.encoding = "utf-8"
    response.headers.update(headers or {})
    if request is not None:
        response.request = request
        response.url = request.url
    return response


def _pool() -> urllib3.HTTPSConnectionPool:
    return urllib3.HTTPSConnectionPool("api.example.test", 443)  # no socket until a request is made


def _conn() -> urllib3.connection.HTTPSConnection:
    return urllib3.connection.HTTPSConnection("api.example.test", 443)  # idem


# What requests' HTTPAdapter raises for each wire failure, built the same way (see adapters.py).
def connection_refused(url: str = "/v1/threads") -> requests.exceptions.ConnectionError:
    reason = u3.NewConnectionError(_conn(), "Failed to establish a new connection: [Errno 111] Connection refused")
    return requests.exceptions.ConnectionError(u3.MaxRetryError(_pool(), url, reason))


def name_not_resolved(url: str = "/v1/threads") -> requests.exceptions.ConnectionError:
    import socket  # pylint: disable=import-outside-toplevel

    reason = u3.NameResolutionError("api.example.test", _conn(), socket.gaierror(-2, "Name or service not known"))
    return requests.exceptions.ConnectionError(u3.MaxRetryError(_pool(), url, reason))


def connect_timeout(url: str = "/v1/threads") -> requests.exceptions.ConnectTimeout:
    reason = u3.ConnectTimeoutError(_conn(), "Connection to api.example.test timed out. (connect timeout=60)")
    return requests.exceptions.ConnectTimeout(u3.MaxRetryError(_pool(), url, reason))


def connection_reset() -> requests.exceptions.ConnectionError:
    return requests.exceptions.ConnectionError(
        u3.ProtocolError("Connection aborted.", ConnectionResetError(104, "Connection reset by peer"))
    )


def read_timeout(url: str = "/v1/threads") -> requests.exceptions.ReadTimeout:
    return requests.exceptions.ReadTimeout(u3.ReadTimeoutError(_pool(), url, "Read timed out. (read timeout=60)"))


def tls_failure(url: str = "/v1/threads") -> requests.exceptions.SSLError:
    reason = u3.SSLError(
        "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate in certificate chain"
    )
    return requests.exceptions.SSLError(u3.MaxRetryError(_pool(), url, reason))


def plain_http_answer(url: str = "/v1/threads", openssl: str = "[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)"):
    """An https:// request to a server that speaks plain HTTP there: OpenSSL cannot read its answer as TLS."""
    reason = u3.SSLError(openssl)
    return requests.exceptions.SSLError(u3.MaxRetryError(_pool(), url, reason))


class ScriptedAdapter(requests.adapters.BaseAdapter):
    """Answers each request with the next scripted step and records what was sent.

    A step is a Response factory (callable taking the PreparedRequest), an exception to raise,
    or a (status, body[, headers]) tuple. Running out of steps fails the test loudly.
    """

    def __init__(self, steps: t.Iterable[t.Any] = ()) -> None:
        super().__init__()
        self.steps = list(steps)
        self.sent: list[requests.PreparedRequest] = []
        self.kwargs: list[dict[str, t.Any]] = []

    def add(self, *steps: t.Any) -> ScriptedAdapter:
        self.steps.extend(steps)
        return self

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):  # noqa: D102
        self.sent.append(request)
        self.kwargs.append({"timeout": timeout, "verify": verify, "cert": cert})
        if not self.steps:
            raise AssertionError(f"unexpected request #{len(self.sent)}: {request.method} {request.url}")
        step = self.steps.pop(0)
        if isinstance(step, BaseException):
            if isinstance(step, requests.exceptions.RequestException) and step.request is None:
                step.request = request
            raise step
        if isinstance(step, tuple):
            return make_response(*step, request=request)
        response = step(request)
        response.request = request
        response.url = request.url
        return response

    def close(self) -> None:
        pass

    @property
    def methods(self) -> list[str]:
        return [request.method for request in self.sent]

    def query(self, index: int) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.sent[index].url).query))


class FakeApi(requests.adapters.BaseAdapter):
    """Threads with runs, steps and messages, listed with the API's cursor semantics.

    A list is sorted by creation, reversed for order=desc; `after` gives the items following the cursor,
    `before` the `limit` items immediately preceding it (still sorted in order); has_more says whether
    more exist in the direction of travel.
    """

    def __init__(self, *, azure_style: bool = False) -> None:
        super().__init__()
        self.threads: dict[str, list[dict[str, t.Any]]] = {}
        self.steps: dict[str, list[dict[str, t.Any]]] = {}
        self.messages: dict[str, list[dict[str, t.Any]]] = {}
        self.azure_style = azure_style
        self.requests: list[tuple[str, str, dict[str, str]]] = []

    def add_runs(self, thread_id: str, statuses: t.Sequence[str]) -> list[dict[str, t.Any]]:
        runs = self.threads.setdefault(thread_id, [])
        for status in statuses:
            number = len(runs)
            runs.append({"id": f"run_{number:04d}", "object": "thread.run", "created_at": 1700000000 + number,
                         "thread_id": thread_id, "status": status})
        return runs

    def list_requests(self, suffix: str = "/runs") -> list[dict[str, str]]:
        return [query for method, path, query in self.requests if method == "GET" and path.endswith(suffix)]

    def send(self, request: requests.PreparedRequest, **kwargs: t.Any) -> requests.Response:
        url = urlsplit(request.url)
        query = {key: values[-1] for key, values in parse_qs(url.query).items()}
        path = url.path[len(urlsplit(FAKE_API_BASE).path):]
        self.requests.append((request.method, path, query))
        parts = path.strip("/").split("/")
        if parts[0] != "threads" or parts[1] not in self.threads:
            return self._respond(request, 404, {"error": {"message": f"No thread found with id '{parts[1]}'.",
                                                          "type": "invalid_request_error", "code": None, "param": None}})
        runs = self.threads[parts[1]]
        if len(parts) == 2:
            return self._respond(request, 200, {"id": parts[1], "object": "thread"})
        if parts[2] == "messages":
            items = [m for m in self.messages.get(parts[1], []) if m.get("run_id") == query.get("run_id")]
            return self._list(request, items, query)
        by_id = {run["id"]: run for run in runs}
        if len(parts) == 3:
            return self._list(request, runs, query)
        if parts[3] not in by_id:
            return self._respond(request, 404, {"error": {"message": f"No run found with id '{parts[3]}'.",
                                                          "type": "invalid_request_error", "code": None, "param": None}})
        if len(parts) == 4:
            return self._respond(request, 200, by_id[parts[3]], {"openai-poll-after-ms": "250"})
        return self._list(request, self.steps.get(parts[3], []), query)

    def _list(self, request: requests.PreparedRequest, items: list[dict[str, t.Any]], query: dict[str, str]) -> requests.Response:
        limit = int(query.get("limit", 20))
        assert 1 <= limit <= 100, f"limit {limit} out of the API's range"
        ordered = items if query.get("order", "desc") == "asc" else items[::-1]
        ids = [item["id"] for item in ordered]
        if "before" in query:
            end = ids.index(query["before"])
            start = max(0, end - limit)
            page, has_more = ordered[start:end], start > 0
        else:
            start = ids.index(query["after"]) + 1 if "after" in query else 0
            page, has_more = ordered[start:start + limit], start + limit < len(ordered)
        body: dict[str, t.Any] = {"data": page, "has_more": has_more}
        if not self.azure_style:
            body.update(object="list", first_id=page[0]["id"] if page else None, last_id=page[-1]["id"] if page else None)
        return self._respond(request, 200, body)

    @staticmethod
    def _respond(request: requests.PreparedRequest, status: int, body: t.Any, headers: dict[str, str] | None = None) -> requests.Response:
        response = requests.Response()
        response.status_code = status
        response._content = json.dumps(body).encode()
        response.headers.update({"Content-Type": "application/json", **(headers or {})})
        response.url = request.url
        response.request = request
        response.reason = "OK" if status == 200 else "Not Found"
        return response

    def close(self) -> None:
        pass


class FakeClock:
    """clock() and sleep() for the client: sleeping records the delay and moves the clock."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0, f"asked to sleep a negative time: {seconds}"
        self.sleeps.append(seconds)
        self.now += seconds


def session_for(adapter: requests.adapters.BaseAdapter) -> requests.Session:
    session = requests.Session()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


@contextlib.contextmanager
def module_args(args: dict[str, t.Any]) -> t.Iterator[None]:
    """Give AnsibleModule its arguments, on ansible-core 2.19 to 2.21 and on older cores alike.

    2.19 added ansible.module_utils.testing.patch_module_args (which also sets the serialization
    profile that 2.19+ needs); before that, tests patched basic._ANSIBLE_ARGS with JSON bytes.
    """
    try:
        from ansible.module_utils.testing import patch_module_args  # pylint: disable=import-outside-toplevel
    except ImportError:
        from ansible.module_utils import basic  # pylint: disable=import-outside-toplevel
        from ansible.module_utils.common.text.converters import to_bytes  # pylint: disable=import-outside-toplevel

        with mock.patch.object(basic, "_ANSIBLE_ARGS", to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args}))):
            yield
    else:
        with patch_module_args(args):
            yield


def requests_made(server: ScriptedAdapter) -> list[tuple[str, str]]:
    return [(request.method, urlsplit(request.url).path.removeprefix("/v1")) for request in server.sent]


def body_of(server: ScriptedAdapter, index: int) -> dict[str, t.Any]:
    return json.loads(server.sent[index].body)


def query_of(server: ScriptedAdapter, index: int) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(server.sent[index].url).query))


def use_netrc(tmp_path: t.Any, monkeypatch: t.Any, text: str) -> None:
    """Give requests a netrc file (as ~/.netrc would be), readable by its owner only, as netrc demands."""
    netrc = tmp_path / "netrc"
    netrc.write_text(text, encoding="utf-8")
    os.chmod(netrc, 0o600)
    monkeypatch.setenv("NETRC", str(netrc))


# ---- API objects and responses the module tests script ----

def run_object(status: str = "completed", run_id: str = "run_1", **fields: t.Any) -> dict[str, t.Any]:
    """A run as the API returns it, on thread_1 of asst_1."""
    run = {
        "id": run_id, "object": "thread.run", "thread_id": "thread_1", "assistant_id": "asst_1", "status": status,
        "created_at": 1700000000, "metadata": {}, "last_error": None, "required_action": None, "expires_at": None,
    }
    run.update(fields)
    return run


def page(*items: dict[str, t.Any], has_more: bool = False) -> dict[str, t.Any]:
    """One page of a list, as the API returns it."""
    return {"object": "list", "data": list(items), "first_id": items[0]["id"] if items else None,
            "last_id": items[-1]["id"] if items else None, "has_more": has_more}


def server_error(status: int) -> tuple[int, dict[str, t.Any]]:
    return (status, {"error": {"message": "The server had an error.", "type": "server_error", "code": None}})


def sse(*events: tuple[str, t.Any], cut: bool = False) -> t.Callable[[t.Any], requests.Response]:
    """A text/event-stream response from (event, data) pairs, read as it streams; cut leaves out the end."""
    body = "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events)
    if not cut:
        body += "event: done\ndata: [DONE]\n\n"

    def respond(_request: t.Any) -> requests.Response:
        response = requests.Response()
        response.status_code = 200
        response.headers["Content-Type"] = "text/event-stream"
        response.raw = io.BytesIO(body.encode())
        return response

    return respond


def warning_texts(result: dict[str, t.Any]) -> list[str]:
    """Warnings as text: ansible-core 2.19+ prints them as structured summaries."""
    return [item if isinstance(item, str) else item["event"]["msg"] for item in result.get("warnings", [])]
