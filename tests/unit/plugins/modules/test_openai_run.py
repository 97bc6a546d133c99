# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""openai_run and openai_thread_run as a playbook sees them: bad values fail with a message naming the
option and send nothing; the engine's waiting and create safety, on a scripted server and a fake clock."""

from __future__ import annotations

import json

import pytest

from ansible_collections.llmops.assistants.plugins.modules import openai_run, openai_thread_run
from ansible_collections.llmops.assistants.tests.unit.plugins.fakes import (
    connection_reset,
    page,
    run_object,
    sse,
    warning_texts,
)

FUNCTION = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}


MESSAGE = {"id": "msg_1", "object": "thread.message", "role": "assistant", "run_id": "run_1",
           "content": [{"type": "text", "text": {"value": "Paris", "annotations": []}}]}


RUN = {"thread_id": "thread_1", "assistant_id": "asst_1"}

BAD_RUN_VALUES = [
    ({"temperature": 2.5}, "temperature must be between 0 and 2; got 2.5"),
    ({"temperature": -0.1}, "temperature must be between 0 and 2"),
    ({"top_p": 1.5}, "top_p must be between 0 and 1"),
    ({"max_prompt_tokens": 255}, "max_prompt_tokens must be at least 256"),
    ({"max_completion_tokens": 100}, "max_completion_tokens must be at least 256"),
    ({"max_tokens": 100}, "max_completion_tokens must be at least 256"),
    ({"temperature": "warm"}, "temperature"),
    ({"metadata": {f"k{i}": "v" for i in range(16)}}, "metadata may hold at most 15 pairs"),
    ({"metadata": {"k" * 65: "v"}}, "metadata keys must be strings of 1 to 64 characters"),
    ({"metadata": {"note": "x" * 513}}, "metadata.note must be at most 512 characters"),
    ({"metadata": {"version": 1.0}}, "metadata.version must be a string"),
    ({"tools": [{"type": "code_interpreter"}] * 21}, "tools may hold at most 20 tools; got 21"),
    ({"tools": [{"type": "browser"}]}, "tools[0].type must be one of code_interpreter, file_search, function"),
    ({"tools": [{"type": "function", "function": {"name": "get weather"}}]}, "tools[0].function.name must match"),
    ({"tools": [{"type": "function", "function": {"name": "x" * 65}}]}, "tools[0].function.name must match"),
    ({"tools": [{"type": "function"}]}, "tools[0].function is required for a function tool"),
    ({"tools": [{"type": "function", "function": {"name": "f", "parameters": "{not json"}}]},
     "tools[0].function.parameters is a string but not valid JSON"),
    ({"tools": [{"type": "code_interpreter", "function": {"name": "f"}}]}, "tools[0].function is only allowed when type is function"),
    ({"truncation_strategy": {"type": "first_messages"}}, "truncation_strategy.type must be one of auto, last_messages"),
    ({"truncation_strategy": {"type": "last_messages", "last_messages": 0}}, "truncation_strategy.last_messages must be"),
    ({"tool_choice": "sometimes"}, "tool_choice must be one of none, auto, required"),
    ({"tool_choice": {"type": "function", "function": {"name": "bad name"}}}, "tool_choice.function.name must match"),
    ({"response_format": "yaml"}, "response_format must be auto, one of text, json_object, json_schema"),
    ({"response_format": {"type": "json_schema"}}, "response_format.json_schema is required for a json_schema response format"),
    ({"reasoning_effort": "extreme"}, "reasoning_effort"),
    ({"stream_for_tool": True}, "stream_for_tool: only false is allowed"),
    ({"wait_timeout": -1}, "wait_timeout must be between 0 and 86400"),
    ({"wait_timeout": 10, "completion_window": 10}, "wait_timeout|completion_window"),
    ({"poll_interval_max": 0}, "poll_interval_max must be between 0.05 and 60"),
    ({"on_active_run": "ignore"}, "on_active_run"),
    ({"idempotency_key": "k" * 513}, "idempotency_key must be 1 to 512 characters long"),
    ({"run_id": "run_1", "tool_outputs": [{"output": "x"}]}, "tool_outputs[0].tool_call_id is required"),
    ({"run_id": "run_1", "tool_outputs": [{"tool_call_id": "c", "output": 3}]}, "tool_outputs[0].output must be a string"),
    ({"run_id": "run_1", "tool_outputs": [{"tool_call_id": "c", "output": "a"}, {"tool_call_id": "c", "output": "b"}]},
     "tool_outputs answers tool_call_id c twice"),
    ({"run_id": "run_1", "tool_outputs": []}, "tool_outputs must list at least one"),
    ({"additional_messages": [{"role": "system", "content": "hi"}]}, "additional_messages[0].role must be one of user, assistant"),
    ({"additional_messages": [{"role": "user", "content": ""}]}, "additional_messages[0].content must be a non-empty string"),
    ({"thread_id": "thread_1/../../assistants"}, "thread_id must be an id"),
    ({"thread_id": "thread 1"}, "thread_id must be an id"),
    ({"thread_id": "thread_1?limit=1"}, "thread_id must be an id"),
    ({"thread_id": "thread_1#x"}, "thread_id must be an id"),
    ({"thread_id": "thréad"}, "thread_id must be an id"),
    ({"thread_id": ".."}, "thread_id must be an id"),
    ({"assistant_id": ""}, "assistant_id"),
    ({"run_id": "../runs"}, "run_id must be an id"),
    ({"api_base": "ftp://example.test/v1"}, "api_base must be an http:// or https:// URL"),
    ({"request_timeout": 0}, "request_timeout must be between 0.1 and 3600"),
    ({"max_retries": -1}, "max_retries must be between 0 and 20"),
]


@pytest.mark.parametrize("options, message", BAD_RUN_VALUES, ids=[m for _o, m in BAD_RUN_VALUES])
def test_openai_run_bad_value_fails_naming_the_option_and_sends_nothing(run_module, server, options, message):
    code, result, _out = run_module(openai_run, **{**RUN, **options})
    assert code == 1
    assert message in result["msg"]
    assert server.sent == []


def test_openai_run_needs_an_assistant_to_create_a_run(run_module, server):
    code, result, _out = run_module(openai_run, thread_id="thread_1")
    assert code == 1
    assert result["msg"] == "assistant_id is required to create a run (or give run_id to manage an existing run)."
    assert server.sent == []


def test_openai_run_without_an_api_key_fails_before_any_request(run_module, server):
    code, result, _out = run_module(openai_run, api_key=None, **RUN)
    assert code == 1
    assert "api_key is required" in result["msg"]
    assert server.sent == []


BAD_THREAD_RUN_VALUES = [
    ({"thread": {"messages": [{"role": "user", "content": "hi"}], "colour": "red"}},
     "thread (a thread) accepts messages, tool_resources and metadata; unknown: thread.colour."),
    ({"thread": {"messages": [{"role": "robot", "content": "hi"}]}}, "thread.messages[0].role must be one of user, assistant"),
    ({"thread": {"messages": [{"role": "user", "content": "hi", "attachments": [{"tools": []}]}]}},
     "thread.messages[0].attachments[0] must be a dict with a file_id"),
    ({"thread": {"metadata": {f"k{i}": "v" for i in range(16)}}}, "thread.metadata may hold at most 15 pairs"),
    ({"thread": {}, "existing_thread_id": "thread_1"}, "mutually exclusive"),
    ({"existing_thread_id": "thread_1", "tool_resources": {}}, "mutually exclusive"),
    ({"existing_thread_id": "thread/1"}, "existing_thread_id must be an id"),
    ({"state": "absent"}, "state is absent but any of the following are missing: thread_id, existing_thread_id"),
    ({"run_id": "run_1"}, "run_id"),
    ({"temperature": 9}, "temperature must be between 0 and 2"),
    ({"tools": [{"type": "retrieval"}] * 21}, "tools may hold at most 20 tools"),
]


@pytest.mark.parametrize("options, message", BAD_THREAD_RUN_VALUES, ids=[m for _o, m in BAD_THREAD_RUN_VALUES])
def test_openai_thread_run_bad_value_fails_naming_the_option_and_sends_nothing(run_module, server, options, message):
    code, result, _out = run_module(openai_thread_run, **{"assistant_id": "asst_1", **options})
    assert code == 1
    assert message in result["msg"]
    assert server.sent == []


def test_retrieval_tool_is_sent_as_file_search_with_a_deprecation_warning(run_module, server):
    server.add((200, page()), (200, run_object("completed")), (200, page(MESSAGE)))
    code, result, _out = run_module(openai_run, tools=[{"type": "retrieval"}], **RUN)
    assert code == 0, result
    assert json.loads(server.sent[1].body)["tools"] == [{"type": "file_search"}]
    assert any("retrieval" in warning and "file_search" in warning for warning in warning_texts(result))


def test_function_parameters_given_as_a_json_string_are_sent_as_an_object(run_module, server):
    server.add((200, page()), (200, run_object("completed")), (200, page(MESSAGE)))
    tool = {"type": "function", "function": {"name": "f", "parameters": '{"type": "object"}'}}
    code, _result, _out = run_module(openai_run, tools=[tool], tool_choice="none", **RUN)
    assert code == 0
    assert json.loads(server.sent[1].body)["tools"][0]["function"]["parameters"] == {"type": "object"}


def test_a_create_whose_response_was_lost_is_found_by_its_key_not_sent_twice(run_module, server):
    created = {}

    def lookup_finds_the_applied_run(request):
        from ansible_collections.llmops.assistants.tests.unit.plugins.fakes import make_response
        return make_response(200, page(run_object("completed", metadata=created["metadata"])))

    def apply_then_drop(request):
        created["metadata"] = json.loads(request.body)["metadata"]
        raise connection_reset()

    server.add((200, page()), apply_then_drop, lookup_finds_the_applied_run, (200, page(MESSAGE)))
    code, result, _out = run_module(openai_run, **RUN)
    assert code == 0, result
    assert server.methods.count("POST") == 1
    assert result["changed"] is True
    assert result["output_text"] == "Paris"


def test_waiting_backs_off_and_honours_openai_poll_after_ms(run_module, server, clock):
    server.add(
        (200, page()),
        (200, run_object("queued")),
        (200, run_object("in_progress")),
        (200, run_object("in_progress"), {"openai-poll-after-ms": "700"}),
        (200, run_object("in_progress")),
        (200, run_object("completed")),
        (200, page(MESSAGE)),
    )
    code, result, _out = run_module(openai_run, **RUN)
    assert code == 0, result
    assert clock.sleeps[:2] == [0.4, pytest.approx(0.6)]
    assert clock.sleeps[2] == pytest.approx(0.7)
    assert result["run"]["status"] == "completed"


def test_waiting_never_sleeps_past_the_deadline_and_fails_with_the_last_status(run_module, server, clock):
    server.add((200, page()), (200, run_object("queued")))
    server.add(*[(200, run_object("in_progress"))] * 20)
    code, result, _out = run_module(openai_run, wait_timeout=3, poll_interval_max=2, **RUN)
    assert code == 1
    assert result["msg"] == "Timed out after 3 seconds waiting for run run_1; its last status was in_progress."
    assert sum(clock.sleeps) == pytest.approx(3.0)
    assert result["run"]["status"] == "in_progress"


def test_an_unknown_status_fails_instead_of_waiting_forever(run_module, server):
    server.add((200, page()), (200, run_object("thinking")))
    code, result, _out = run_module(openai_run, **RUN)
    assert code == 1
    assert "has the status 'thinking', which this module does not know" in result["msg"]


def test_check_mode_sends_only_reads_and_reports_the_create(run_module, server):
    server.add((200, page()))
    code, result, _out = run_module(openai_run, _ansible_check_mode=True, **RUN)
    assert code == 0
    assert result["changed"] is True
    assert result["run"] is None
    assert server.methods == ["GET"]


def test_waiting_on_the_event_stream_needs_no_poll(run_module, server):
    server.add(
        (200, page()),
        sse(("thread.run.created", run_object("queued")), ("thread.run.in_progress", run_object("in_progress")),
            ("thread.message.delta", {"id": "msg_1", "delta": {}}), ("thread.run.completed", run_object("completed"))),
        (200, page(MESSAGE)),
    )
    code, result, _out = run_module(openai_run, **RUN)
    assert code == 0, result
    assert json.loads(server.sent[1].body)["stream"] is True
    assert server.sent[1].headers["Accept"] == "text/event-stream"
    assert [r.method for r in server.sent] == ["GET", "POST", "GET"]
    assert "/messages" in server.sent[2].url
    assert result["run"]["status"] == "completed"
    assert result["output_text"] == "Paris"


def test_a_stream_cut_in_the_middle_is_followed_by_polling_the_same_run(run_module, server):
    server.add(
        (200, page()),
        sse(("thread.run.created", run_object("queued")), cut=True),
        (200, run_object("in_progress")),
        (200, run_object("completed")),
        (200, page(MESSAGE)),
    )
    code, result, _out = run_module(openai_run, **RUN)
    assert code == 0, result
    assert server.methods.count("POST") == 1
    assert [r.url.rsplit("/", 1)[-1] for r in server.sent[2:4]] == ["run_1", "run_1"]
    assert result["run"]["status"] == "completed"


def test_a_server_that_answers_json_to_a_streamed_create_is_polled(run_module, server):
    server.add((200, page()), (200, run_object("queued")), (200, run_object("completed")), (200, page(MESSAGE)))
    code, result, _out = run_module(openai_run, **RUN)
    assert code == 0, result
    assert json.loads(server.sent[1].body)["stream"] is True
    assert server.sent[2].url.endswith("/runs/run_1")
    assert result["run"]["status"] == "completed"


def test_stream_false_and_wait_false_never_ask_for_a_stream(run_module, server):
    server.add((200, page()), (200, run_object("queued")), (200, run_object("completed")), (200, page(MESSAGE)))
    assert run_module(openai_run, stream=False, **RUN)[0] == 0
    server.add((200, page()), (200, run_object("queued")))
    assert run_module(openai_run, wait=False, **RUN)[0] == 0
    creates = [json.loads(r.body) for r in server.sent if r.method == "POST"]
    assert [body.get("stream") for body in creates] == [None, None]


def test_the_key_lookup_ignores_runs_of_other_threads_a_server_lists(run_module, server):
    from ansible_collections.llmops.assistants.plugins.module_utils._idempotency import idempotency_value

    key = idempotency_value("thread_1", {"assistant_id": "asst_1"})
    stranger = run_object("completed", run_id="run_other", thread_id="thread_2", metadata={"ansible_idempotency_key": key})
    server.add((200, page(stranger)), (200, run_object("queued")), (200, run_object("completed")), (200, page(MESSAGE)))
    code, result, _out = run_module(openai_run, **RUN)
    assert code == 0, result
    assert server.methods.count("POST") == 1
    assert result["changed"] is True


def test_flipped_to_absent_a_task_with_tool_outputs_cancels_the_run_and_submits_nothing(run_module, server):
    server.add((200, run_object("requires_action")), (200, run_object("cancelling")), (200, run_object("cancelled")))
    code, result, _out = run_module(openai_run, run_id="run_1", thread_id="thread_1", state="absent",
                                    tool_outputs=[{"tool_call_id": "call_1", "output": "sunny"}])
    assert code == 0, result
    assert result["changed"] is True and result["run"]["status"] == "cancelled"
    assert [request.url.rsplit("/", 1)[-1] for request in server.sent if request.method == "POST"] == ["cancel"]
