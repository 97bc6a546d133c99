# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""openai_run_info as a user runs it: options checked before any request, the run with all its steps, the
answer, check mode, and a missing thread or run named in the failure."""

from __future__ import annotations

import json
import typing as t

import pytest

from ansible_collections.llmops.assistants.plugins.modules import openai_run_info
from ansible_collections.llmops.assistants.tests.unit.plugins.fakes import FakeApi

THREAD = "thread_t1"


@pytest.fixture
def api() -> FakeApi:
    fake = FakeApi()
    fake.add_runs(THREAD, ["completed"])
    fake.steps["run_0000"] = [
        {"id": f"step_{n:03d}", "object": "thread.run.step", "type": "message_creation", "status": "completed",
         "step_details": {"type": "message_creation", "message_creation": {"message_id": f"msg_{n:03d}"}}}
        for n in range(45)
    ]
    fake.messages[THREAD] = [
        {"id": "msg_user", "role": "user", "run_id": None, "content": [{"type": "text", "text": {"value": "hi"}}]},
        {"id": "msg_000", "role": "assistant", "run_id": "run_0000",
         "content": [{"type": "text", "text": {"value": "Hello!", "annotations": []}}]},
    ]
    return fake


@pytest.fixture
def server(api: FakeApi) -> FakeApi:
    """The fake API answers every request the module makes."""
    return api


def test_returns_the_run_with_every_step(api: FakeApi, run_module) -> None:
    result = run_module(openai_run_info, thread_id=THREAD, run_id="run_0000").result
    assert result["changed"] is False and "failed" not in result
    assert result["thread_id"] == THREAD
    assert result["run"]["id"] == "run_0000" and result["run"]["status"] == "completed"
    assert [step["id"] for step in result["run"]["steps"]] == [f"step_{n:03d}" for n in range(45)]
    assert json.loads(result["run"]["steps"][0]["details"]) == {"type": "message_creation", "message_creation": {"message_id": "msg_000"}}
    assert "messages" not in result and "output_text" not in result


def test_include_steps_false_reads_only_the_run(api: FakeApi, run_module) -> None:
    result = run_module(openai_run_info, thread_id=THREAD, run_id="run_0000", include_steps=False).result
    assert "steps" not in result["run"]
    assert [request[1] for request in api.requests] == [f"/threads/{THREAD}/runs/run_0000"]


def test_include_messages_adds_the_answer(api: FakeApi, run_module) -> None:
    result = run_module(openai_run_info, thread_id=THREAD, run_id="run_0000", include_messages=True).result
    assert [message["id"] for message in result["messages"]] == ["msg_000"]
    assert result["output_text"] == "Hello!"


def test_check_mode_reads_the_same(api: FakeApi, run_module) -> None:
    normal = run_module(openai_run_info, thread_id=THREAD, run_id="run_0000", include_messages=True).result
    checked = run_module(openai_run_info, thread_id=THREAD, run_id="run_0000", include_messages=True, _ansible_check_mode=True).result
    assert checked["changed"] is False
    assert checked["run"] == normal["run"] and checked["output_text"] == normal["output_text"]


def test_missing_run_fails_naming_run_and_thread(api: FakeApi, run_module) -> None:
    result = run_module(openai_run_info, thread_id=THREAD, run_id="run_gone").result
    assert result["failed"] is True
    assert result["msg"].startswith(f"Run run_gone was not found on thread {THREAD}")
    assert result["api_error"]["status"] == 404 and "exception" not in result


def test_missing_thread_fails_naming_the_thread(api: FakeApi, run_module) -> None:
    result = run_module(openai_run_info, thread_id="thread_gone", run_id="run_0000").result
    assert result["failed"] is True
    assert result["msg"].startswith("Thread thread_gone was not found")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"run_id": "run_0000"}, "missing required arguments: thread_id"),
        ({"thread_id": THREAD}, "missing required arguments: run_id"),
        ({"thread_id": "../assistants", "run_id": "run_0000"}, "thread_id must be an id made of letters"),
        ({"thread_id": THREAD, "run_id": "run_1?limit=1"}, "run_id must be an id made of letters"),
    ],
)
def test_bad_options_fail_before_any_request(api: FakeApi, run_module, args: dict[str, t.Any], message: str) -> None:
    result = run_module(openai_run_info, **args).result
    assert result["failed"] is True and message in result["msg"]
    assert api.requests == []
