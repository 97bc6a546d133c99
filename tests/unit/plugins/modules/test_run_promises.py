# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The run modules' promises of issue #12 (part E), as a playbook sees them, on a scripted server and a fake clock:
the deadline holds while a stream is silent, a failure after a create still reports it, a blocker is not the
task's run, one idempotency rule, and the options a run on an existing thread takes."""

from __future__ import annotations

import io
import json
import types

import pytest
import requests

from ansible_collections.llmops.assistants.plugins.module_utils._idempotency import IDEMPOTENCY_METADATA_KEY, idempotency_value
from ansible_collections.llmops.assistants.plugins.modules import openai_run, openai_thread_run
from ansible_collections.llmops.assistants.tests.unit.plugins.fakes import page, run_object, server_error, sse, warning_texts

RUN_TASK = {"thread_id": "thread_1", "assistant_id": "asst_1"}
MESSAGE = {"id": "msg_1", "object": "thread.message", "role": "assistant", "run_id": "run_1", "thread_id": "thread_1",
           "content": [{"type": "text", "text": {"value": "Paris", "annotations": []}}]}


class FakeSocket:
    """The socket under a streamed response: remembers the timeouts it is given."""

    def __init__(self, timeout):
        self.timeout = timeout
        self.timeouts = []

    def gettimeout(self):
        return self.timeout

    def settimeout(self, value):
        self.timeouts.append(value)
        self.timeout = value


class SilentAfter(io.RawIOBase):
    """A connection that sends `body` and then nothing, as a server does while its run thinks: a read past the
    body lasts the socket's whole timeout (on the fake clock) and then times out."""

    def __init__(self, body, clock, request_timeout=60.0):
        super().__init__()
        self._body = io.BytesIO(body.encode())
        self._clock = clock
        self.connection = types.SimpleNamespace(sock=FakeSocket(request_timeout))

    def readable(self):
        return True

    def read(self, size=-1):
        chunk = self._body.read(size)
        if chunk:
            return chunk
        self._clock.now += self.connection.sock.timeout
        raise TimeoutError("timed out")


def silent_stream(clock, *events):
    """A streamed create that sends these events, then goes quiet; .raw is the connection (after the request)."""
    body = "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events)
    holder = {}

    def respond(_request):
        response = requests.Response()
        response.status_code = 200
        response.headers["Content-Type"] = "text/event-stream"
        response.raw = holder["raw"] = SilentAfter(body, clock)
        return response

    respond.holder = holder
    return respond


STARTED = (("thread.run.created", run_object("queued")), ("thread.run.in_progress", run_object("in_progress")))


# ---- item 1: the deadline holds while the stream is silent -----------------------------------------

def test_a_silent_stream_is_read_no_longer_than_wait_timeout_and_a_run_done_by_then_succeeds(run_module, server, clock):
    stream = silent_stream(clock, *STARTED)
    server.add((200, page()), stream, (200, run_object("completed")), (200, page(MESSAGE)))
    start = clock.now
    code, result, _out = run_module(openai_run, wait_timeout=5, **RUN_TASK)
    assert code == 0, result
    assert clock.now - start == pytest.approx(5.0)
    assert max(stream.holder["raw"].connection.sock.timeouts) <= 5.0
    assert result["changed"] is True
    assert result["run"]["status"] == "completed"
    assert result["output_text"] == "Paris"
    assert [r.method for r in server.sent].count("POST") == 1


def test_a_run_still_working_at_the_deadline_is_read_once_and_reported_as_it_is(run_module, server, clock):
    server.add((200, page()), silent_stream(clock, *STARTED), (200, run_object("in_progress")))
    start = clock.now
    code, result, _out = run_module(openai_run, wait_timeout=5, **RUN_TASK)
    assert code == 1
    assert result["msg"] == "Timed out after 5 seconds waiting for run run_1; its last status was in_progress."
    assert clock.now - start == pytest.approx(5.0)
    assert result["changed"] is True
    assert result["run"]["id"] == "run_1"
    assert result["thread_id"] == "thread_1"


def test_cancel_on_timeout_cancels_a_run_that_a_silent_stream_left_working(run_module, server, clock):
    server.add((200, page()), silent_stream(clock, *STARTED), (200, run_object("in_progress")), (200, run_object("cancelling")))
    code, result, _out = run_module(openai_run, wait_timeout=2, cancel_on_timeout=True, **RUN_TASK)
    assert code == 1
    assert "The run was cancelled (cancel_on_timeout); its status is now cancelling." in result["msg"]
    assert server.sent[-1].url.endswith("/runs/run_1/cancel")
    assert result["changed"] is True
    assert result["run"]["status"] == "cancelling"


def test_cancel_on_timeout_leaves_a_run_that_completed_by_the_deadline(run_module, server, clock):
    server.add((200, page()), silent_stream(clock, *STARTED), (200, run_object("completed")), (200, page(MESSAGE)))
    code, result, _out = run_module(openai_run, wait_timeout=2, cancel_on_timeout=True, **RUN_TASK)
    assert code == 0, result
    assert not any(r.url.endswith("/cancel") for r in server.sent)
    assert result["run"]["status"] == "completed"


# ---- item 3: a failure after a change keeps the change ---------------------------------------------

def test_reads_that_fail_after_a_streamed_create_still_report_the_run(run_module, server, clock):
    server.add((200, page()), silent_stream(clock, *STARTED), server_error(500), server_error(500))
    code, result, _out = run_module(openai_run, wait_timeout=5, max_retries=1, **RUN_TASK)
    assert code == 1
    assert "HTTP 500" in result["msg"]
    assert result["changed"] is True
    assert result["run"]["id"] == "run_1"
    assert result["thread_id"] == "thread_1"
    assert result["api_error"]["status"] == 500


def test_reads_that_fail_after_a_polled_create_still_report_the_run(run_module, server):
    server.add((200, page()), (200, run_object("queued")), server_error(500), server_error(500))
    code, result, _out = run_module(openai_run, stream=False, max_retries=1, **RUN_TASK)
    assert code == 1
    assert result["changed"] is True
    assert result["run"]["id"] == "run_1"
    assert result["thread_id"] == "thread_1"


def test_a_create_the_server_refused_changed_nothing(run_module, server):
    server.add((200, page()), (400, {"error": {"message": "Invalid 'model': no such model.", "type": "invalid_request_error"}}))
    code, result, _out = run_module(openai_run, stream=False, **RUN_TASK)
    assert code == 1
    assert "no such model" in result["msg"]
    assert result["changed"] is False and result.get("run") is None


def test_a_new_thread_and_run_whose_reads_fail_still_report_both(run_module, server, clock):
    events = (("thread.created", {"id": "thread_9", "object": "thread"}),
              ("thread.run.created", run_object("queued", thread_id="thread_9")))
    server.add(sse(*events, cut=True), server_error(500), server_error(500))
    code, result, _out = run_module(
        openai_thread_run, assistant_id="asst_1", thread={"messages": [{"role": "user", "content": "Hi"}]}, max_retries=1,
    )
    assert code == 1
    assert result["changed"] is True
    assert result["thread_id"] == "thread_9"
    assert result["run"]["id"] == "run_1"


# ---- item 6: waiting for a blocker creates nothing --------------------------------------------------

def test_on_active_run_wait_that_times_out_changed_nothing_and_names_the_blocker(run_module, server):
    blocker = run_object("in_progress", run_id="run_0")
    server.add((200, page(blocker)), *[(200, blocker)] * 30)
    code, result, _out = run_module(openai_run, on_active_run="wait", wait_timeout=3, **RUN_TASK)
    assert code == 1
    assert result["msg"].startswith("Timed out after 3 seconds waiting for the active run run_0 to finish")
    assert result["changed"] is False
    assert result["active_run"]["id"] == "run_0"
    assert result["run"] is None
    assert "POST" not in [r.method for r in server.sent]


def test_on_active_run_wait_fails_at_once_on_a_blocker_waiting_for_tool_outputs(run_module, server, clock):
    blocker = run_object("requires_action", run_id="run_0",
                         required_action={"type": "submit_tool_outputs", "submit_tool_outputs": {"tool_calls": []}})
    server.add((200, page(blocker)))
    code, result, _out = run_module(openai_run, on_active_run="wait", wait_timeout=60, **RUN_TASK)
    assert code == 1
    assert "active run run_0 in requires_action" in result["msg"]
    assert "Answer it with tool_outputs" in result["msg"] and "on_active_run to cancel" in result["msg"]
    assert clock.sleeps == []
    assert result["changed"] is False
    assert result["active_run"]["id"] == "run_0"


# ---- items 8 and 11: one idempotency rule ------------------------------------------------------------

def test_a_run_found_by_a_given_key_is_given_the_tasks_metadata_pairs(run_module, server):
    found = run_object("completed", metadata={IDEMPOTENCY_METADATA_KEY: "nightly"})
    updated = run_object("completed", metadata={IDEMPOTENCY_METADATA_KEY: "nightly", "team": "docs"})
    server.add((200, page(found)), (200, updated), (200, page(MESSAGE)))
    code, result, _out = run_module(openai_run, idempotency_key="nightly", metadata={"team": "docs"}, **RUN_TASK)
    assert code == 0, result
    assert result["changed"] is True
    assert server.sent[1].url.endswith("/runs/run_1")
    assert json.loads(server.sent[1].body) == {"metadata": {IDEMPOTENCY_METADATA_KEY: "nightly", "team": "docs"}}
    assert not warning_texts(result)


def test_a_derived_key_covers_the_metadata_so_other_pairs_ask_for_another_run(run_module, server):
    key = idempotency_value("thread_1", {"assistant_id": "asst_1", "metadata": {"team": "docs"}})
    other = run_object("completed", run_id="run_0", metadata={IDEMPOTENCY_METADATA_KEY: key, "team": "docs"})
    server.add((200, page(other)), (200, run_object("queued")))
    code, result, _out = run_module(openai_run, metadata={"team": "ops"}, wait=False, **RUN_TASK)
    assert code == 0, result
    assert result["changed"] is True
    assert json.loads(server.sent[1].body)["metadata"]["team"] == "ops"
    assert json.loads(server.sent[1].body)["metadata"][IDEMPOTENCY_METADATA_KEY] != key


def test_a_run_found_by_a_given_key_with_other_settings_is_returned_with_a_warning_naming_them(run_module, server):
    found = run_object("completed", temperature=1.0, model="gpt-4o", metadata={IDEMPOTENCY_METADATA_KEY: "nightly"})
    server.add((200, page(found)), (200, page(MESSAGE)))
    code, result, _out = run_module(openai_run, idempotency_key="nightly", temperature=0.2, model="gpt-4o", **RUN_TASK)
    assert code == 0, result
    assert result["changed"] is False
    assert [w for w in warning_texts(result) if "run_1 was found by idempotency_key 'nightly'" in w] == [
        "Run run_1 was found by idempotency_key 'nightly' but was made with other settings than this task asks for "
        "(temperature: the run has 1.0, the task asks for 0.2). It is returned as it is, since a run's settings cannot "
        "change. To start a new run with these settings, give idempotency_key a new value."
    ]


def test_a_run_found_by_a_given_key_with_the_same_settings_gives_no_warning(run_module, server):
    found = run_object(
        "completed", temperature=0.699999988, instructions="Be brief.", truncation_strategy={"type": "auto", "last_messages": None},
        tools=[{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}, "strict": False}}],
        metadata={IDEMPOTENCY_METADATA_KEY: "nightly"},
    )
    server.add((200, page(found)), (200, page(MESSAGE)))
    code, result, _out = run_module(
        openai_run, idempotency_key="nightly", temperature=0.7, instructions="Be brief.", truncation_strategy={"type": "auto"},
        tools=[{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}], **RUN_TASK,
    )
    assert code == 0, result
    assert not [w for w in warning_texts(result) if "idempotency_key" in w]


def test_a_cancelled_run_found_by_its_key_says_so_and_how_to_start_another(run_module, server):
    key = idempotency_value("thread_1", {"assistant_id": "asst_1"})
    server.add((200, page(run_object("cancelled", metadata={IDEMPOTENCY_METADATA_KEY: key}))))
    code, result, _out = run_module(openai_run, **RUN_TASK)
    assert code == 1
    assert result["msg"] == (
        f"Run run_1 cancelled. This run was not started by this task: it was found by its idempotency key '{key}' "
        f"(metadata {IDEMPOTENCY_METADATA_KEY}), so the same task finds it again. To start a new run, give "
        "idempotency_key a new value."
    )
    assert result["changed"] is False


def test_a_run_this_task_created_that_failed_does_not_claim_it_was_found(run_module, server):
    failed = run_object("failed", last_error={"code": "server_error", "message": "boom"})
    server.add((200, page()), (200, run_object("queued")), (200, failed))
    code, result, _out = run_module(openai_run, stream=False, **RUN_TASK)
    assert code == 1
    assert result["msg"] == "Run run_1 failed: server_error: boom"
    assert result["changed"] is True


# ---- item 10 (module half): a server without POST /threads/runs --------------------------------------

def test_a_server_without_create_thread_and_run_fails_saying_so_and_what_to_use(run_module, server):
    server.add((404, {"detail": "thread runs not found"}))
    code, result, _out = run_module(openai_thread_run, assistant_id="asst_1", thread={"messages": [{"role": "user", "content": "Hi"}]})
    assert code == 1
    assert result["msg"].startswith("The server has no create-thread-and-run endpoint: POST /threads/runs answered 404")
    assert "llmops.assistants.openai_thread" in result["msg"] and "existing_thread_id" in result["msg"]
    assert result["changed"] is False
    assert len(server.sent) == 1


# ---- item 15: a run on an existing thread takes openai_run's options ----------------------------------

def test_openai_thread_run_on_an_existing_thread_sends_the_create_run_options(run_module, server):
    server.add((200, page()), (200, run_object("queued")))
    code, result, _out = run_module(
        openai_thread_run, existing_thread_id="thread_1", assistant_id="asst_1", wait=False,
        additional_instructions="Answer in French.", reasoning_effort="low",
        additional_messages=[{"role": "user", "content": "And Spain?"}],
    )
    assert code == 0, result
    body = json.loads(server.sent[1].body)
    assert body["additional_instructions"] == "Answer in French."
    assert body["reasoning_effort"] == "low"
    assert body["additional_messages"] == [{"role": "user", "content": "And Spain?"}]


@pytest.mark.parametrize("option, value", [
    ("additional_instructions", "x"), ("reasoning_effort", "low"), ("additional_messages", [{"role": "user", "content": "x"}]),
])
def test_openai_thread_run_refuses_create_run_options_for_a_new_thread(run_module, server, option, value):
    code, result, _out = run_module(openai_thread_run, assistant_id="asst_1", thread={}, **{option: value})
    assert code == 1
    assert result["msg"].startswith(f"{option} can only be used on an existing thread (existing_thread_id or thread_id)")
    assert server.sent == []


# ---- item 16: completion_window means waiting ---------------------------------------------------------

@pytest.mark.parametrize("module, task", [
    (openai_run, RUN_TASK), (openai_thread_run, {"existing_thread_id": "thread_1", "assistant_id": "asst_1"}),
])
def test_completion_window_with_wait_false_is_refused_as_with_wait_timeout(run_module, server, module, task):
    code, result, _out = run_module(module, completion_window=30, wait=False, **task)
    assert code == 1
    assert result["msg"].startswith("parameters are mutually exclusive: completion_window|wait=false")
    assert server.sent == []
    code, result, _out = run_module(module, completion_window=30, wait_timeout=30, **task)
    assert code == 1
    assert "mutually exclusive: wait_timeout|completion_window" in result["msg"]
