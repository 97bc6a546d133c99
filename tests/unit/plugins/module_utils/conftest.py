# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Shared fakes for the module_utils tests: a scripted server, a fake clock, and module args.

Nothing here opens a socket or sleeps. The client talks to a real requests.Session whose
http:// and https:// prefixes are mounted on ScriptedAdapter, so headers, URL preparation and
redirect handling are requests' own; only the wire is replaced.
"""

from __future__ import annotations

import contextlib
import json
import typing as t
from unittest import mock

import pytest
import requests
import urllib3
from urllib3 import exceptions as u3

from ansible_collections.llmops.assistants.plugins.module_utils._client import Client

API_BASE = "https://api.example.test/v1"
API_KEY = "sk-test-4f1c9e0b7d2a48c6a1e3"


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
        from urllib.parse import parse_qsl, urlsplit  # pylint: disable=import-outside-toplevel

        return dict(parse_qsl(urlsplit(self.sent[index].url).query))


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


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch, tmp_path):
    """requests reads the environment (CA bundle, proxies, ~/.netrc); keep the host's out of the tests."""
    for name in (
        "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY",
        "http_proxy", "https_proxy", "all_proxy", "OPENAI_API_KEY", "OPENAI_BASE_URL",
        "OPENAI_ORG_ID", "OPENAI_PROJECT_ID",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-such-netrc"))


@pytest.fixture
def server() -> ScriptedAdapter:
    return ScriptedAdapter()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_client(server, clock):
    """make_client(**kwargs) -> a Client on the scripted server, with the fake clock and sleep."""

    def factory(**kwargs: t.Any) -> Client:
        kwargs.setdefault("api_key", API_KEY)
        kwargs.setdefault("api_base", API_BASE)
        kwargs.setdefault("session", session_for(server))
        kwargs.setdefault("sleep", clock.sleep)
        kwargs.setdefault("clock", clock)
        return Client(**kwargs)

    return factory


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
