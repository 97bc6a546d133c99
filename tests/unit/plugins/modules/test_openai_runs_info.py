# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""openai_runs_info as a user runs it: options checked before any request, exact pages, check mode, and a
missing thread named in the failure. The paging logic itself is tested in test_api."""

from __future__ import annotations

import typing as t

import pytest

from ansible_collections.llmops.assistants.plugins.modules import openai_runs_info
from ansible_collections.llmops.assistants.tests.unit.plugins.fakes import FakeApi

THREAD = "thread_t1"


@pytest.fixture
def api() -> FakeApi:
    fake = FakeApi()
    # 30 runs, oldest first: every third failed.
    fake.add_runs(THREAD, ["failed" if n % 3 == 0 else "completed" for n in range(30)])
    return fake


@pytest.fixture
def server(api: FakeApi) -> FakeApi:
    """The fake API answers every request the module makes."""
    return api


def ids(result: dict[str, t.Any]) -> list[str]:
    return [run["id"] for run in result["runs"]]


def test_defaults_are_the_20_newest(api: FakeApi, run_module) -> None:
    result = run_module(openai_runs_info, thread_id=THREAD).result
    assert result["changed"] is False and result["thread_id"] == THREAD
    assert ids(result) == [f"run_{n:04d}" for n in range(29, 9, -1)]
    assert (result["first_id"], result["last_id"], result["has_more"]) == ("run_0029", "run_0010", True)


def test_next_page_continues_after_last_id(api: FakeApi, run_module) -> None:
    first = run_module(openai_runs_info, thread_id=THREAD, limit=5, order="asc").result
    second = run_module(openai_runs_info, thread_id=THREAD, limit=5, order="asc", after=first["last_id"]).result
    assert ids(first) + ids(second) == [f"run_{n:04d}" for n in range(10)]


def test_before_pages_backwards(api: FakeApi, run_module) -> None:
    result = run_module(openai_runs_info, thread_id=THREAD, limit=3, before="run_0010", order="asc").result
    assert ids(result) == ["run_0007", "run_0008", "run_0009"] and result["has_more"] is True


def test_status_accepts_one_status_or_a_list(api: FakeApi, run_module) -> None:
    one = run_module(openai_runs_info, thread_id=THREAD, status="failed", limit=4, order="asc").result
    assert ids(one) == ["run_0000", "run_0003", "run_0006", "run_0009"] and one["has_more"] is True
    both = run_module(openai_runs_info, thread_id=THREAD, status=["failed", "completed"], all_pages=True).result
    assert len(both["runs"]) == 30 and both["has_more"] is False


def test_all_pages_returns_every_run(api: FakeApi, run_module) -> None:
    result = run_module(openai_runs_info, thread_id=THREAD, all_pages=True, order="asc").result
    assert ids(result) == [f"run_{n:04d}" for n in range(30)] and result["has_more"] is False


def test_check_mode_lists_the_same(api: FakeApi, run_module) -> None:
    normal = run_module(openai_runs_info, thread_id=THREAD, status="failed").result
    checked = run_module(openai_runs_info, thread_id=THREAD, status="failed", _ansible_check_mode=True).result
    assert checked["changed"] is False
    assert {key: checked[key] for key in normal} == normal


def test_missing_thread_fails_naming_it(api: FakeApi, run_module) -> None:
    result = run_module(openai_runs_info, thread_id="thread_gone").result
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
def test_bad_options_fail_before_any_request(api: FakeApi, run_module, args: dict[str, t.Any], message: str) -> None:
    result = run_module(openai_runs_info, **args).result
    assert result["failed"] is True and message in result["msg"]
    assert api.requests == []


def test_limit_without_all_pages_false_is_fine(api: FakeApi, run_module) -> None:
    result = run_module(openai_runs_info, thread_id=THREAD, limit=2, all_pages=False).result
    assert len(result["runs"]) == 2
