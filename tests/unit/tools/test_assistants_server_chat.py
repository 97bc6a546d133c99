# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""--backend chat: runs answered by an OpenAI-compatible upstream (the scripted stand-in in tools/assistants_server/standin.py)."""

from __future__ import annotations

import json
import socket
import time
from typing import Any

import pytest

from conftest import TERMINAL, UPSTREAM_KEY

WEATHER = {"type": "function", "function": {"name": "get_weather", "description": "Weather of a city.", "strict": True,
                                            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}


def _texts(api, thread_id: str) -> list[str]:
    return [m["content"][0]["text"]["value"] for m in api.get(f"/threads/{thread_id}/messages", order="asc")["data"]]


def _sent(standin) -> list[dict[str, Any]]:
    return [entry["body"] for entry in standin.server.received()]


def _events(response) -> list[tuple[str, Any]]:
    found = []
    for block in response.text.strip().split("\n\n"):
        name, _nl, data = block.partition("\n")
        data = data.removeprefix("data: ")
        found.append((name.removeprefix("event: "), None if data == "[DONE]" else json.loads(data)))
    return found


# ---- a text answer -----------------------------------------------------------------------------

def test_a_text_answer_becomes_the_assistants_message_with_the_upstreams_usage(bridge, standin) -> None:
    standin.server.add({"text": ["Bonjour", " tout", " le monde"], "usage": {"prompt_tokens": 11, "completion_tokens": 3, "total_tokens": 14}})
    assistant = bridge.assistant(instructions="Answer in French.")
    thread = bridge.thread("Say hello")
    run = bridge.wait(bridge.run(thread["id"], assistant["id"], additional_instructions="Be brief."), TERMINAL)
    assert run["status"] == "completed" and run["usage"] == {"prompt_tokens": 11, "completion_tokens": 3, "total_tokens": 14}
    assert run["started_at"] is not None and run["completed_at"] is not None and run["last_error"] is None
    messages = bridge.get(f"/threads/{thread['id']}/messages", run_id=run["id"])["data"]
    assert len(messages) == 1
    message = messages[0]
    assert message["content"][0]["text"]["value"] == "Bonjour tout le monde"
    assert (message["role"], message["status"], message["run_id"], message["assistant_id"]) == ("assistant", "completed", run["id"], assistant["id"])
    steps = bridge.get(f"/threads/{thread['id']}/runs/{run['id']}/steps")["data"]
    assert [(s["type"], s["status"]) for s in steps] == [("message_creation", "completed")]
    assert steps[0]["step_details"]["message_creation"]["message_id"] == message["id"]
    assert steps[0]["usage"] == run["usage"]
    request = _sent(standin)[0]
    assert request["messages"] == [{"role": "system", "content": "Answer in French.\nBe brief."}, {"role": "user", "content": "Say hello"}]
    assert request["model"] == "gpt-4o" and request["stream"] is True and request["stream_options"] == {"include_usage": True}


def test_the_request_carries_the_runs_settings_and_the_threads_history_in_order(bridge, standin) -> None:
    assistant = bridge.assistant(instructions="Assistant's.", tools=[WEATHER])
    thread = bridge.thread("first")
    bridge.post(f"/threads/{thread['id']}/messages", {"role": "assistant", "content": "an earlier answer"})
    run = bridge.run(thread["id"], assistant["id"], instructions="Run's own.", temperature=0.2, top_p=0.5, max_completion_tokens=300,
                     tool_choice={"type": "function", "function": {"name": "get_weather"}}, parallel_tool_calls=False,
                     response_format={"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}},
                     additional_messages=[{"role": "user", "content": [{"type": "text", "text": "look"},
                                                                       {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}]}])
    bridge.wait(run, TERMINAL | {"requires_action"})
    request = _sent(standin)[0]
    assert request["messages"] == [
        {"role": "system", "content": "Run's own."},
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "an earlier answer"},
        {"role": "user", "content": [{"type": "text", "text": "look"},
                                     {"type": "image_url", "image_url": {"url": "https://example.com/a.png", "detail": "auto"}}]},
    ]
    assert request["tools"] == [WEATHER]
    assert request["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}
    assert (request["parallel_tool_calls"], request["temperature"], request["top_p"], request["max_completion_tokens"]) == (False, 0.2, 0.5, 300)
    assert request["response_format"]["type"] == "json_schema"


def test_truncation_last_messages_sends_only_the_latest_messages(bridge, standin) -> None:
    assistant = bridge.assistant()
    thread = bridge.post("/threads", {"messages": [{"role": "user", "content": text} for text in ("one", "two", "three")]})
    bridge.wait(bridge.run(thread["id"], assistant["id"], truncation_strategy={"type": "last_messages", "last_messages": 2}), TERMINAL)
    assert [m["content"] for m in _sent(standin)[0]["messages"]] == ["two", "three"]


def test_model_map_and_default_model_rename_the_model_sent_upstream(make_bridge, standin) -> None:
    _handle, api = make_bridge(model_map={"gpt-4o": "llama3.1:8b"}, default_model="qwen2.5")
    for model, sent in (("gpt-4o", "llama3.1:8b"), ("gpt-4.1-mini", "qwen2.5")):
        standin.server.reset()
        run = api.wait(api.run(api.thread("hi")["id"], api.assistant(model=model)["id"]), TERMINAL)
        assert run["model"] == model and _sent(standin)[0]["model"] == sent


def test_an_image_file_part_fails_the_run_with_a_clear_last_error_and_nothing_is_sent(bridge, standin) -> None:
    thread = bridge.post("/threads", {"messages": [{"role": "user", "content": [{"type": "image_file", "image_file": {"file_id": "file-1"}}]}]})
    run = bridge.wait(bridge.run(thread["id"], bridge.assistant()["id"]), TERMINAL)
    assert run["status"] == "failed" and run["last_error"]["code"] == "invalid_prompt"
    assert "image_file" in run["last_error"]["message"] and "image_url" in run["last_error"]["message"]
    assert not standin.server.received()


@pytest.mark.parametrize("tool", [{"type": "code_interpreter"}, {"type": "file_search"}])
def test_hosted_only_tools_are_refused_at_create_with_a_400_naming_the_tool(bridge, standin, tool) -> None:
    assistant = bridge.assistant(tools=[tool, WEATHER])
    thread = bridge.thread("hi")
    for body in ({"assistant_id": assistant["id"]}, {"assistant_id": bridge.assistant()["id"], "tools": [tool]}):
        response = bridge.request("POST", f"/threads/{thread['id']}/runs", body)
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["param"] == "tools" and f"'{tool['type']}'" in error["message"] and "chat model" in error["message"]
    response = bridge.request("POST", "/threads/runs", {"assistant_id": assistant["id"], "thread": {"messages": [{"role": "user", "content": "x"}]}})
    assert response.status_code == 400
    assert bridge.get(f"/threads/{thread['id']}/runs")["data"] == [] and not standin.server.received()


# ---- tool calls --------------------------------------------------------------------------------

def test_tool_calls_stop_the_run_for_outputs_which_go_back_as_tool_messages(bridge, standin) -> None:
    standin.server.add(
        {"tool_calls": [{"id": "call_a", "name": "get_weather", "arguments": ['{"city"', ': "Paris"}']},
                        {"id": "call_b", "name": "get_weather", "arguments": '{"city": "Oslo"}'}],
         "usage": {"prompt_tokens": 20, "completion_tokens": 10, "total_tokens": 30}},
        {"text": "Sunny in Paris, snow in Oslo.", "usage": {"prompt_tokens": 40, "completion_tokens": 8, "total_tokens": 48}},
    )
    assistant = bridge.assistant(tools=[WEATHER])
    thread = bridge.thread("Weather?")
    run = bridge.wait(bridge.run(thread["id"], assistant["id"]), "requires_action")
    calls = run["required_action"]["submit_tool_outputs"]["tool_calls"]
    assert [(c["id"], c["function"]["name"], json.loads(c["function"]["arguments"])) for c in calls] == [
        ("call_a", "get_weather", {"city": "Paris"}), ("call_b", "get_weather", {"city": "Oslo"})]
    steps = bridge.get(f"/threads/{thread['id']}/runs/{run['id']}/steps")["data"]
    assert [(s["type"], s["status"]) for s in steps] == [("tool_calls", "in_progress")]
    bridge.post(f"/threads/{thread['id']}/runs/{run['id']}/submit_tool_outputs",
                {"tool_outputs": [{"tool_call_id": "call_a", "output": "sunny"}, {"tool_call_id": "call_b", "output": "snow"}]})
    run = bridge.wait(run, TERMINAL)
    assert run["status"] == "completed"
    assert run["usage"] == {"prompt_tokens": 60, "completion_tokens": 18, "total_tokens": 78}
    assert _texts(bridge, thread["id"]) == ["Weather?", "Sunny in Paris, snow in Oslo."]
    second = _sent(standin)[1]["messages"]
    assert second[-3]["role"] == "assistant" and [c["id"] for c in second[-3]["tool_calls"]] == ["call_a", "call_b"]
    assert second[-2:] == [{"role": "tool", "tool_call_id": "call_a", "content": "sunny"}, {"role": "tool", "tool_call_id": "call_b", "content": "snow"}]
    steps = bridge.get(f"/threads/{thread['id']}/runs/{run['id']}/steps", order="asc")["data"]
    assert [(s["type"], s["status"]) for s in steps] == [("tool_calls", "completed"), ("message_creation", "completed")]
    assert [c["function"]["output"] for c in steps[0]["step_details"]["tool_calls"]] == ["sunny", "snow"]
    assert steps[0]["usage"]["total_tokens"] == 30 and steps[1]["usage"]["total_tokens"] == 48


def test_a_model_that_keeps_calling_tools_fails_the_run_after_the_round_cap(make_bridge, standin) -> None:
    _handle, api = make_bridge(max_tool_rounds=2)
    assistant = api.assistant(tools=[WEATHER])
    thread = api.thread("please use the tool")
    run = api.run(thread["id"], assistant["id"])
    for _round in range(2):
        run = api.wait(run, "requires_action")
        call = run["required_action"]["submit_tool_outputs"]["tool_calls"][0]
        standin.server.add({"tool_calls": [{"name": "get_weather", "arguments": "{}"}]})
        api.post(f"/threads/{thread['id']}/runs/{run['id']}/submit_tool_outputs", {"tool_outputs": [{"tool_call_id": call["id"], "output": "again"}]})
    run = api.wait(run, TERMINAL)
    assert run["status"] == "failed" and "more than 2 times" in run["last_error"]["message"]


# ---- incomplete answers ------------------------------------------------------------------------

@pytest.mark.parametrize(("finish", "run_reason", "message_reason"), [
    ("length", "max_completion_tokens", "max_tokens"), ("content_filter", "content_filter", "content_filter")])
def test_a_cut_off_answer_makes_the_run_and_its_message_incomplete(bridge, standin, finish, run_reason, message_reason) -> None:
    standin.server.add({"text": ["Once upon", " a"], "finish": finish})
    thread = bridge.thread("Tell a story")
    run = bridge.wait(bridge.run(thread["id"], bridge.assistant()["id"], max_completion_tokens=256), TERMINAL)
    assert run["status"] == "incomplete" and run["incomplete_details"] == {"reason": run_reason}
    message = bridge.get(f"/threads/{thread['id']}/messages", run_id=run["id"])["data"][0]
    assert message["status"] == "incomplete" and message["incomplete_details"] == {"reason": message_reason}
    assert message["content"][0]["text"]["value"] == "Once upon a"


# ---- upstream failures -------------------------------------------------------------------------

def test_a_429_with_retry_after_is_retried_after_the_wait_it_asked_for(bridge, standin) -> None:
    standin.server.add({"status": 429, "retry_after": "0.3", "message": "slow down"}, {"text": "fine"})
    thread = bridge.thread("hi")
    run = bridge.wait(bridge.run(thread["id"], bridge.assistant()["id"]), TERMINAL)
    assert run["status"] == "completed" and _texts(bridge, thread["id"])[-1] == "fine"
    first, second = standin.server.received()
    assert second["time"] - first["time"] >= 0.3


@pytest.mark.parametrize(("reply", "code"), [
    ({"status": 429, "retry_after_ms": "1", "message": "Rate limit reached for gpt-4o"}, "rate_limit_exceeded"),
    ({"status": 500, "message": "upstream exploded"}, "server_error"),
    ({"status": 503, "message": "overloaded"}, "server_error"),
])
def test_transient_failures_that_persist_fail_the_run_with_the_upstreams_message(bridge, standin, reply, code) -> None:
    standin.server.add(reply, reply, reply)
    run = bridge.wait(bridge.run(bridge.thread("hi")["id"], bridge.assistant()["id"]), TERMINAL)
    assert run["status"] == "failed" and run["last_error"]["code"] == code and reply["message"] in run["last_error"]["message"]
    assert len(standin.server.received()) == 3  # the first call and --upstream-retries 2


def test_a_4xx_fails_the_run_at_once_with_the_upstreams_message(bridge, standin) -> None:
    standin.server.add({"status": 404, "message": "model 'gpt-4o' not found, try pulling it first"})
    run = bridge.wait(bridge.run(bridge.thread("hi")["id"], bridge.assistant()["id"]), TERMINAL)
    assert run["status"] == "failed" and run["last_error"]["code"] == "invalid_prompt"
    assert "not found, try pulling it first" in run["last_error"]["message"]
    assert len(standin.server.received()) == 1


def test_a_dropped_connection_and_a_slow_upstream_are_retried(bridge, standin) -> None:
    standin.server.add({"drop": True}, {"delay": 2.5, "text": "too late"}, {"text": "third time"})
    thread = bridge.thread("hi")
    run = bridge.wait(bridge.run(thread["id"], bridge.assistant()["id"]), TERMINAL, timeout=10)
    assert run["status"] == "completed" and _texts(bridge, thread["id"])[-1] == "third time"


def test_a_stream_cut_mid_answer_fails_the_run_and_the_message_is_left_incomplete(bridge, standin) -> None:
    standin.server.add({"text": ["part one", " part two"], "drop_after": 2})
    thread = bridge.thread("hi")
    run = bridge.wait(bridge.run(thread["id"], bridge.assistant()["id"]), TERMINAL)
    assert run["status"] == "failed" and run["last_error"]["code"] == "server_error" and "before it finished" in run["last_error"]["message"]
    message = bridge.get(f"/threads/{thread['id']}/messages", run_id=run["id"])["data"][0]
    assert message["status"] == "incomplete" and message["incomplete_details"] == {"reason": "run_failed"}


def test_the_upstream_key_never_appears_in_what_the_bridge_answers(make_bridge, standin) -> None:
    wrong = "sk-wrong-key-abcdefghijkl"
    _handle, api = make_bridge(upstream_key=wrong)
    thread = api.thread("hi")
    run = api.wait(api.run(thread["id"], api.assistant()["id"]), TERMINAL)
    assert run["status"] == "failed" and "401" in run["last_error"]["message"]
    everything = json.dumps([run, api.get(f"/threads/{thread['id']}/runs/{run['id']}/steps"), api.get(f"/threads/{thread['id']}/messages"),
                             api.control("GET", "requests")])
    for part in (wrong, wrong[:6], wrong[-4:], UPSTREAM_KEY):
        assert part not in everything
    assert standin.server.received()[0]["headers"]["authorization"] == "<set>"


def test_azure_upstreams_get_the_key_as_api_key_and_keep_their_api_version(make_bridge, standin) -> None:
    _handle, api = make_bridge(upstream=standin.url + "/openai/deployments/gpt4o?api-version=2024-10-21", upstream_flavor="azure")
    standin.server.add({"text": "from azure"})
    run = api.wait(api.run(api.thread("hi")["id"], api.assistant()["id"]), TERMINAL)
    received = standin.server.received()[0]
    # the stand-in answers any path ending in chat/completions the same way; the path and header are what Azure needs
    assert received["path"] == "/v1/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21"
    assert "api-key" in received["headers"] and "authorization" not in received["headers"]
    assert run["status"] == "completed"


# ---- cancel ------------------------------------------------------------------------------------

def test_cancel_during_the_upstream_call_abandons_it_and_writes_nothing_after(bridge, standin) -> None:
    standin.server.add({"text": ["a ", "b ", "c ", "d ", "e"], "chunk_delay": 0.5})
    thread = bridge.thread("hi")
    run = bridge.wait(bridge.run(thread["id"], bridge.assistant()["id"]), "in_progress")
    while not bridge.get(f"/threads/{thread['id']}/messages", run_id=run["id"])["data"]:
        time.sleep(0.01)  # wait until the answer started arriving
    abandoned = standin.server.abandoned
    cancelled = bridge.post(f"/threads/{thread['id']}/runs/{run['id']}/cancel")
    assert cancelled["status"] == "cancelling"
    run = bridge.wait(run, TERMINAL, timeout=10.0)
    assert run["status"] == "cancelled"
    message = bridge.get(f"/threads/{thread['id']}/messages", run_id=run["id"])["data"][0]
    assert message["status"] == "incomplete" and message["incomplete_details"] == {"reason": "run_cancelled"}
    text = message["content"][0]["text"]["value"]
    # The bridge closed the upstream call: the stand-in's next chunk found no reader. Nothing can arrive after that.
    deadline = time.monotonic() + 10
    while standin.server.abandoned == abandoned:
        assert time.monotonic() < deadline, "the bridge kept reading the upstream after the cancel"
        time.sleep(0.01)
    assert bridge.get(f"/threads/{thread['id']}/messages", run_id=run["id"])["data"][0]["content"][0]["text"]["value"] == text
    assert len(bridge.get(f"/threads/{thread['id']}/messages")["data"]) == 2


def test_runs_of_different_threads_are_answered_at_the_same_time(bridge, standin) -> None:
    # The first call is answered only once the second has arrived: run one after the other, the first would fail.
    standin.server.add({"text": ["a", "b"], "await_requests": 2}, {"text": ["a", "b"]})
    assistant = bridge.assistant()
    runs = [bridge.run(bridge.thread("hi")["id"], assistant["id"]) for _n in range(2)]
    for run in runs:
        assert bridge.wait(run, TERMINAL, timeout=20.0)["status"] == "completed"
    assert len(standin.server.received()) == 2


# ---- streaming ---------------------------------------------------------------------------------

def test_a_streamed_run_sends_a_message_delta_per_upstream_chunk_and_ends_like_a_poller_sees_it(bridge, standin) -> None:
    standin.server.add({"text": ["The", " answer", " is", " 42."]})
    thread = bridge.thread("?")
    response = bridge.session.post(f"{bridge.url}/threads/{thread['id']}/runs", json={"assistant_id": bridge.assistant()["id"], "stream": True}, timeout=10)
    events = _events(response)
    deltas = [data["delta"]["content"][0]["text"]["value"] for name, data in events if name == "thread.message.delta"]
    assert deltas == ["The", " answer", " is", " 42."]
    names = [name for name, _data in events]
    assert names[:3] == ["thread.run.created", "thread.run.queued", "thread.run.in_progress"] and names[-2:] == ["thread.run.completed", "done"]
    final = events[-2][1]
    polled = bridge.get(f"/threads/{thread['id']}/runs/{final['id']}")
    assert polled == final and polled["status"] == "completed"
    completed = next(data for name, data in events if name == "thread.message.completed")
    assert completed == bridge.get(f"/threads/{thread['id']}/messages/{completed['id']}")


def test_a_streamed_tool_call_sends_step_deltas_then_requires_action_and_the_outputs_stream_the_answer(bridge, standin) -> None:
    standin.server.add({"tool_calls": [{"id": "call_w", "name": "get_weather", "arguments": ['{"city":', ' "Rome"}']}]}, {"text": ["Warm", "."]})
    response = bridge.session.post(f"{bridge.url}/threads/runs", timeout=10, json={
        "assistant_id": bridge.assistant(tools=[WEATHER])["id"], "stream": True, "thread": {"messages": [{"role": "user", "content": "Rome?"}]}})
    events = _events(response)
    assert events[0][0] == "thread.created"
    step_deltas = [data["delta"]["step_details"]["tool_calls"][0] for name, data in events if name == "thread.run.step.delta"]
    assert "".join(d["function"]["arguments"] for d in step_deltas) == '{"city": "Rome"}' and step_deltas[0]["id"] == "call_w"
    assert [name for name, _data in events][-2:] == ["thread.run.requires_action", "done"]
    run = events[-2][1]
    response = bridge.session.post(f"{bridge.url}/threads/{run['thread_id']}/runs/{run['id']}/submit_tool_outputs", timeout=10,
                                   json={"tool_outputs": [{"tool_call_id": "call_w", "output": "25C"}], "stream": True})
    events = _events(response)
    assert [data["delta"]["content"][0]["text"]["value"] for name, data in events if name == "thread.message.delta"] == ["Warm", "."]
    assert events[-2][0] == "thread.run.completed"


# ---- the HTTP layer ----------------------------------------------------------------------------

def test_the_control_api_is_off_with_the_chat_backend_unless_asked_for(make_bridge) -> None:
    handle, api = make_bridge(control=None)
    assert api.session.get(f"{handle.base}/__control/health", timeout=5).status_code == 404
    assert api.session.get(f"{handle.url}/assistants", timeout=5).status_code == 200


def test_connections_beyond_the_cap_are_answered_503_and_the_first_still_works(make_bridge) -> None:
    handle, api = make_bridge(max_connections=1)
    held = socket.create_connection(("127.0.0.1", handle.port))
    try:
        held.sendall(b"GET /v1/assistants HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\nOpenAI-Beta: assistants=v2\r\n\r\n")
        assert held.recv(100).startswith(b"HTTP/1.1 200")  # the first connection is being served, and stays open
        response = api.session.get(f"{handle.url}/assistants", timeout=5)
        assert response.status_code == 503 and response.headers["retry-after"] == "1"
    finally:
        held.close()


def test_a_client_that_stops_sending_is_dropped_after_the_client_timeout(make_bridge) -> None:
    handle, _api = make_bridge(client_timeout=0.3)
    with socket.create_connection(("127.0.0.1", handle.port)) as slow:
        slow.sendall(b"POST /v1/threads HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        slow.settimeout(5)
        assert slow.recv(100) == b""  # closed by the server, without an answer


def test_an_upstream_that_answers_one_json_completion_instead_of_a_stream_still_answers_the_run(bridge, standin) -> None:
    standin.server.add({"stream": False, "text": "whole answer", "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}})
    thread = bridge.thread("hi")
    run = bridge.wait(bridge.run(thread["id"], bridge.assistant()["id"]), TERMINAL)
    assert run["status"] == "completed" and run["usage"]["total_tokens"] == 7
    assert _texts(bridge, thread["id"])[-1] == "whole answer"


# ---- upstream connections ----------------------------------------------------------------------

@pytest.mark.parametrize(("keep_alive", "connections"), [("yes", 1), ("auto", 3), ("no", 3)])
def test_consecutive_runs_reuse_a_kept_alive_upstream_connection_when_asked_and_for_https_only_by_default(
        make_bridge, standin, keep_alive, connections) -> None:
    _handle, api = make_bridge(upstream_keep_alive=keep_alive)
    assistant = api.assistant()
    for text in ("one", "two", "three"):
        assert api.wait(api.run(api.thread(text)["id"], assistant["id"]), TERMINAL)["status"] == "completed"
    assert len({entry["connection"] for entry in standin.server.received()}) == connections  # the stand-in is http://


def test_a_stream_ended_by_closing_the_connection_is_not_reused(make_bridge, standin) -> None:
    _handle, api = make_bridge(upstream_keep_alive="yes")
    standin.server.add({"text": "first", "close": True}, {"text": "second", "close": True})
    assistant = api.assistant()
    for text in ("one", "two"):
        assert api.wait(api.run(api.thread(text)["id"], assistant["id"]), TERMINAL)["status"] == "completed"
    assert len({entry["connection"] for entry in standin.server.received()}) == 2


def test_a_kept_alive_connection_the_upstream_closed_meanwhile_is_replaced_without_a_retry(bridge_factory) -> None:
    upstream, api = bridge_factory(idle_close=0.2)
    assistant = api.assistant()
    assert api.wait(api.run(api.thread("one")["id"], assistant["id"]), TERMINAL)["status"] == "completed"
    deadline = time.monotonic() + 5
    while upstream.server.closed < 1:  # the stand-in closed the idle connection the bridge keeps
        assert time.monotonic() < deadline, "the stand-in did not close the idle connection"
        time.sleep(0.01)
    thread = api.thread("two")
    run = api.wait(api.run(thread["id"], assistant["id"]), TERMINAL)
    assert run["status"] == "completed" and _texts(api, thread["id"])[-1] == "You said: two"
    received = upstream.server.received()
    assert len(received) == 2 and received[0]["connection"] != received[1]["connection"]
