# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The unit-test harness of the plugins: the one seam between the code and the wire, and one way to run a module.

The seam: make_client builds a Client, and run_module has every module build its Client and RunEngine
(the names _module uses), with a session mounted on the `server` fixture and the `clock` fixture's time.
`server` is a ScriptedAdapter unless a test file overrides it (with a FakeApi, say); a file whose tasks need
other options or other secrets overrides `task_defaults` or `secrets`. The fakes themselves are in fakes.py.
"""

from __future__ import annotations

import functools
import json
import typing as t

import pytest

from ansible_collections.llmops.assistants.plugins.module_utils import _module
from ansible_collections.llmops.assistants.plugins.module_utils._client import Client
from ansible_collections.llmops.assistants.plugins.module_utils._run_engine import RunEngine
from ansible_collections.llmops.assistants.tests.unit.plugins.fakes import API_BASE, API_KEY, FakeClock, ScriptedAdapter, module_args, session_for


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


@pytest.fixture
def task_defaults() -> dict[str, t.Any]:
    """The options every task run_module runs gets, under the test's own."""
    return {"api_key": API_KEY, "api_base": API_BASE}


@pytest.fixture
def secrets() -> tuple[str, ...]:
    """What no module output may ever contain."""
    return (API_KEY,)


class Ran(t.NamedTuple):
    code: int
    result: dict[str, t.Any]
    out: str


@pytest.fixture
def run_module(monkeypatch, capsys, server, clock, task_defaults, secrets):
    """run_module(module or module class, check=False, diff=False, **options) -> Ran(exit code, result, raw stdout).

    Runs the module as Ansible would (its main(), or the class's execute()), with the play's check and diff
    flags; HTTP goes to `server`, time to `clock`. Every run checks that no secret and no traceback shows.
    """
    monkeypatch.setattr(_module, "Client", functools.partial(Client, session=session_for(server), sleep=clock.sleep, clock=clock))
    monkeypatch.setattr(_module, "RunEngine", functools.partial(RunEngine, clock=clock, sleep=clock.sleep))

    def runner(module: t.Any, check: bool = False, diff: bool = False, **options: t.Any) -> Ran:
        args = {**task_defaults, "_ansible_check_mode": check, "_ansible_diff": diff, **options}
        entry = module.execute if isinstance(module, type) else module.main
        with module_args(args), pytest.raises(SystemExit) as exited:
            entry()
        out = capsys.readouterr().out
        for secret in secrets:
            assert secret not in out
        result = json.loads(out)
        if exited.value.code:
            assert "Traceback" not in result["msg"]
        return Ran(exited.value.code, result, out)

    return runner
