# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""openai_run and openai_thread_run under faults (issue #7), as a playbook runs them, on a scripted server and a fake
clock: what the reliability_faults integration target checks against the local server, at unit speed.

Each test scripts the server's answers in order and asserts what was sent: never two creates where one may have
been applied, waits as long as the server said, and a failure that is a sentence.
"""

from __future__ import annotations

import json

import pytest

from ansible_collections.llmops.assistants.plugins.module_utils._idempotency import IDEMPOTENCY_METADATA_KEY
from ansible_collections.llmops.assistants.plugins.module_utils._run_engine import POLL_FIRST
from ansible_collections.llmops.assistants.plugins.modules import openai_run, openai_thread_run
from ansible_collections.llmops.assistants.tests.unit.plugins.fakes import (
    connection_reset,
    make_response,
    page,
    read_timeout,
    run_object,
    server_error,
    sse,
)

RUN_TASK = {"thread_id": "thread_1", "assistant_id": "asst_1"}
MESSAGE = {"id": "msg_1", "object": "thread.message", "role": "assistant", "run_id": "run_1", "thread_id": "thread_1",
           "content": [{"type": "text", "text": {"value": "Paris", "annotations": []}}]}


def rate_limited(retry_after_ms=None, retry_after=None):
    headers = {}
    if retry_after_ms is not None:
        headers["retry-after-ms"] = str(retry_after_ms)
    if retry_after is not None:
        headers["retry-after"] = str(retry_after)
    return (429, {"error": {"message": "Rate limit reached.", "type": "requests", "code": "rate_limit_exceeded"}}, headers)


class Applied:
    """A create the server applies and then drops the connection on: remembers the body, as the server would."""

    def __init__(self):
        self.body = None

    def drop(self, request):
        self.body = json.loads(request.body)
        raise connection_reset()

    def run_with_key(self, status="completed"):
        def respond(_request):
            return make_response(200, page(run_object(status, metadata=self.body["metadata"])))
        return respond


def posts(server):
    return [request for request in server.sent if request.method == "POST"]


# ---- rate limits ---------------------------------------------------------------------------------

def test_a_429_storm_on_the_streamed_create_waits_as_told_and_sends_it_again(run_module, server, clock):
    server.add((200, page()), rate_limited(retry_after_ms=100), rate_limited(retry_after_ms=100), rate_limited(retry_after=2),
               sse(("thread.run.created", run_object("queued")), ("thread.run.completed", run_object("completed"))),
               (200, page(MESSAGE)))
    code, result, _out = run_module(openai_run, **RUN_TASK)
    assert code == 0, result
    assert len(posts(server)) == 4
    assert clock.sleeps == [pytest.approx(0.1), pytest.approx(0.1), pytest.approx(2.0)]
    assert result["run"]["status"] == "completed"


def test_a_429_storm_while_polling_waits_as_told(run_module, server, clock):
    server.add((200, page()), (200, run_object("queued")), rate_limited(retry_after_ms=300), rate_limited(retry_after_ms=300),
               (200, run_object("completed")), (200, page(MESSAGE)))
    code, result, _out = run_module(openai_run, stream=False, **RUN_TASK)
    assert code == 0, result
    assert clock.sleeps == [pytest.approx(POLL_FIRST), pytest.approx(0.3), pytest.approx(0.3)]  # first poll, then as told


def test_a_429_storm_that_outlasts_max_retries_fails_with_a_sentence_and_makes_no_run(run_module, server, clock):
    server.add((200, page()), *[rate_limited(retry_after_ms=50)] * 3)
    code, result, _out = run_module(openai_run, max_retries=2, **RUN_TASK)
    assert code == 1
    assert result["msg"].startswith("POST /threads/thread_1/runs failed (HTTP 429, requests/rate_limit_exceeded)")
    assert result["msg"].endswith("(gave up after 3 attempts; max_retries is 2)")
    assert len(posts(server)) == 3


# ---- server errors and resets on creates ---------------------------------------------------------

@pytest.mark.parametrize("stream", [True, False], ids=["streamed", "polled"])
@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_5xx_on_the_create_is_looked_up_then_sent_again_once(run_module, server, status, stream):
    done = run_object("completed")
    answer = sse(("thread.run.completed", done)) if stream else (200, done)
    server.add((200, page()), server_error(status), (200, page()), answer, (200, page(MESSAGE)))
    code, result, _out = run_module(openai_run, stream=stream, **RUN_TASK)
    assert code == 0, result
    assert len(posts(server)) == 2
    assert server.sent[2].method == "GET" and server.sent[2].url.split("?")[0].endswith("/threads/thread_1/runs")
    first, second = (json.loads(request.body) for request in posts(server))
    assert first["metadata"][IDEMPOTENCY_METADATA_KEY] == second["metadata"][IDEMPOTENCY_METADATA_KEY]


@pytest.mark.parametrize("stream", [True, False], ids=["streamed", "polled"])
def test_a_create_dropped_after_the_server_applied_it_is_found_not_sent_again(run_module, server, stream):
    applied = Applied()
    server.add((200, page()), applied.drop, applied.run_with_key(), (200, page(MESSAGE)))
    code, result, _out = run_module(openai_run, stream=stream, **RUN_TASK)
    assert code == 0, result
    assert len(posts(server)) == 1
    assert result["changed"] is True and result["output_text"] == "Paris"


@pytest.mark.parametrize("failure", [connection_reset(), server_error(502), (200, "<html>not json</html>")],
                         ids=["dropped", "502", "not-json"])
def test_a_thread_and_run_create_that_may_have_applied_fails_and_is_never_sent_again(run_module, server, failure):
    server.add(failure)
    code, result, _out = run_module(openai_thread_run, assistant_id="asst_1", thread={"messages": [{"role": "user", "content": "hi"}]})
    assert code == 1
    assert "it cannot be looked up, so it was not sent again" in result["msg"]
    assert [request.method for request in server.sent] == ["POST"]


def test_a_tool_output_submit_dropped_after_it_applied_is_found_by_the_run_status(run_module, server):
    calling = run_object("requires_action", required_action={
        "type": "submit_tool_outputs",
        "submit_tool_outputs": {"tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}})
    server.add((200, calling), connection_reset(), (200, run_object("queued")), (200, run_object("completed")), (200, page(MESSAGE)))
    code, result, _out = run_module(openai_run, run_id="run_1", thread_id="thread_1", stream=False,
                                    tool_outputs=[{"tool_call_id": "call_1", "output": "sunny"}])
    assert code == 0, result
    assert [request.url.rsplit("/", 1)[-1] for request in posts(server)] == ["submit_tool_outputs"]
    assert result["run"]["status"] == "completed"


def test_a_cancel_dropped_after_it_applied_is_found_by_the_run_status(run_module, server):
    server.add((200, run_object("in_progress")), connection_reset(), (200, run_object("cancelling")), (200, run_object("cancelled")))
    code, result, _out = run_module(openai_run, run_id="run_1", thread_id="thread_1", state="absent")
    assert code == 0, result
    assert len(posts(server)) == 1
    assert result["changed"] is True and result["run"]["status"] == "cancelled"


# ---- slow answers ---------------------------------------------------------------------------------

def test_a_run_create_that_timed_out_is_not_sent_again_even_if_not_found_yet(run_module, server):
    server.add((200, page()), read_timeout("/v1/threads/thread_1/runs"), (200, page()))
    code, result, _out = run_module(openai_run, request_timeout=1, **RUN_TASK)
    assert code == 1
    assert len(posts(server)) == 1
    assert "the server may still apply it, so it was not sent again" in result["msg"]
    assert "run the task again" in result["msg"]
