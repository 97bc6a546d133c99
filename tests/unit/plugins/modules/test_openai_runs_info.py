# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""openai_runs_info as a user runs it: options checked before any request, exact pages, check mode, and a
missing thread named in the failure. The paging logic itself is tested in test_run_lookup."""

from __future__ import annotations

import json
import typing as t

import pytest
import requests

from ansible_collections.llmops.assistants.plugins.modules import openai_runs_info
from ansible_collections.llmops.assistants.tests.unit.plugins.module_utils.conftest import module_args as patch_module_args
from ansible_collections.llmops.assistants.tests.unit.plugins.module_utils.test_api import BASE, THREAD, FakeApi


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> FakeApi:
    """Every Session the module makes talks to the fake API instead of the network."""
    fake = FakeApi()
    real_session = requests.Session

    def session() -> requests.Session:
        made = real_session()
        made.mount(BASE, fake)
        return made

    monkeypatch.setattr(requests, "Session", session)
    # 30 runs, oldest first: every third failed.
    fake.add_runs(THREAD, ["failed" if n % 3 == 0 else "completed" for n in range(30)])
    return fake


def run_module(capsys: pytest.CaptureFixture[str], **args: t.Any) -> dict[str, t.Any]:
    args = {"api_base": BASE, "api_key": "sk-test", "max_retries": 0, **args}
    with patch_module_args(args), pytest.raises(SystemExit):
        openai_runs_info.main()
    return json.loads(capsys.readouterr().out)


def ids(result: dict[str, t.Any]) -> list[str]:
    return [run["id"] for run in result["runs"]]


def test_defaults_are_the_20_newest(api: FakeApi, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_module(capsys, thread_id=THREAD)
    assert result["changed"] is False and result["thread_id"] == THREAD
    assert ids(result) == [f"run_{n:04d}" for n in range(29, 9, -1)]
    assert (result["first_id"], result["last_id"], result["has_more"]) == ("run_0029", "run_0010", True)


def test_next_page_continues_after_last_id(api: FakeApi, capsys: pytest.CaptureFixture[str]) -> None:
    first = run_module(capsys, thread_id=THREAD, limit=5, order="asc")
    second = run_module(capsys, thread_id=THREAD, limit=5, order="asc", after=first["last_id"])
    assert ids(first) + ids(second) == [f"run_{n:04d}" for n in range(10)]


def test_before_pages_backwards(api: FakeApi, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_module(capsys, thread_id=THREAD, limit=3, before="run_0010", order="asc")
    assert ids(result) == ["run_0007", "run_0008", "run_0009"] and result["has_more"] is True


def test_status_accepts_one_status_or_a_list(api: FakeApi, capsys: pytest.CaptureFixture[str]) -> None:
    one = run_module(capsys, thread_id=THREAD, status="failed", limit=4, order="asc")
    assert ids(one) == ["run_0000", "run_0003", "run_0006", "run_0009"] and one["has_more"] is True
    both = run_module(capsys, thread_id=THREAD, status=["failed", "completed"], all_pages=True)
    assert len(both["runs"]) == 30 and both["has_more"] is False


def test_all_pages_returns_every_run(api: FakeApi, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_module(capsys, thread_id=THREAD, all_pages=True, order="asc")
    assert ids(result) == [f"run_{n:04d}" for n in range(30)] and result["has_more"] is False


def test_check_mode_lists_the_same(api: FakeApi, capsys: pytest.CaptureFixture[str]) -> None:
    normal = run_module(capsys, thread_id=THREAD, status="failed")
    checked = run_module(capsys, thread_id=THREAD, status="failed", _ansible_check_mode=True)
    assert checked["changed"] is False
    assert {key: checked[key] for key in normal} == normal


def test_missing_thread_fails_naming_it(api: FakeApi, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_module(capsys, thread_id="thread_gone")
    assert result["failed"] is True and result["msg"].startswith("Thread thread_gone was not found")
    assert result["api_error"]["status"] == 404


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({}, "missing required arguments: thread_id"),
        ({"thread_id": THREAD, "limit": 0}, "limit must be at least 1; got 0."),
        ({"thread_id": THREAD, "limit": -5}, "limit must be at least 1; got -5."),
        ({"thread_id": THREAD, "limit": 5, "all_pages": True}, "limit cannot be combined with all_pages=true"),
        ({"thread_id": THREAD, "after": "run_a", "before": "run_b"}, "parameters are mutually exclusive: after|before"),
        ({"thread_id": THREAD, "order": "newest"}, "value of order must be one of: asc, desc"),
        ({"thread_id": THREAD, "after": "run_a&limit=1"}, "after must be an id made of letters"),
        ({"thread_id": THREAD, "before": "../x"}, "before must be an id made of letters"),
        (
            {"thread_id": THREAD, "status": ["completed", "done"]},
            "value of status must be one or more of: queued, in_progress, requires_action, cancelling, cancelled, "
            "failed, completed, incomplete, expired. Got no match for: done",
        ),
    ],
)
def test_bad_options_fail_before_any_request(api: FakeApi, capsys: pytest.CaptureFixture[str], args: dict[str, t.Any], message: str) -> None:
    result = run_module(capsys, **args)
    assert result["failed"] is True and message in result["msg"]
    assert api.requests == []


def test_limit_without_all_pages_false_is_fine(api: FakeApi, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_module(capsys, thread_id=THREAD, limit=2, all_pages=False)
    assert len(result["runs"]) == 2
