# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs move queued -> in_progress -> terminal on the server clock, with the fields a client reads."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

WEATHER = {"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}, "unit": {"type": "string", "enum": ["c", "f"]}}}}}
TIME = {"type": "function", "function": {"name": "get_time"}}


@pytest.fixture(scope="module")
def server_options() -> dict[str, Any]:
    # Cancelling lasts 30 s of server time: a test sees "cancelling" for sure, then ends it by advancing the clock.
    return {"cancel_seconds": 30}


def _steps(api, run: dict[str, Any]) -> list[dict[str, Any]]:
    return api.get(f"/threads/{run['thread_id']}/runs/{run['id']}/steps", order="asc", limit=100)["data"]


def _messages(api, thread_id: str, **params: Any) -> list[dict[str, Any]]:
    return api.get(f"/threads/{thread_id}/messages", order="asc", limit=100, **params)["data"]


def test_a_run_is_queued_then_in_progress_then_completed_with_timestamps_from_its_timeline(api) -> None:
    assistant = api.assistant(instructions="Be brief.")
    thread = api.thread("What is 2+2?")
    run = api.run(thread["id"], assistant["id"], metadata={"sim_seconds": "100"})
    created = run["created_at"]
    assert run["status"] == "queued"
    assert (run["started_at"], run["completed_at"], run["usage"], run["required_action"]) == (None, None, None, None)
    assert run["expires_at"] == created + 600

    api.advance(20)  # 20% of the run is spent queued
    run = api.get_run(run)
    assert run["status"] == "in_progress"
    assert run["started_at"] == created + 20
    assert run["usage"] is None
    [step] = _steps(api, run)
    assert (step["type"], step["status"], step["usage"]) == ("message_creation", "in_progress", None)
    answer = _messages(api, thread["id"])[-1]
    assert (answer["role"], answer["status"], answer["content"]) == ("assistant", "in_progress", [])

    api.advance(80)
    run = api.get_run(run)
    assert run["status"] == "completed"
    assert run["completed_at"] == created + 100
    assert run["expires_at"] is None
    usage = run["usage"]
    assert usage["prompt_tokens"] > 0 and usage["completion_tokens"] > 0
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    [step] = _steps(api, run)
    assert step["status"] == "completed" and step["completed_at"] == created + 100 and step["usage"] == usage
    answer = api.get(f"/threads/{thread['id']}/messages/{step['step_details']['message_creation']['message_id']}")
    assert answer["status"] == "completed"
    assert answer["content"] == [{"type": "text", "text": {"value": "Echo: What is 2+2?", "annotations": []}}]
    assert (answer["run_id"], answer["assistant_id"]) == (run["id"], assistant["id"])


def test_the_same_conversation_always_yields_the_same_answer_and_usage(api) -> None:
    assistant = api.assistant(instructions="Be brief.")
    results = []
    for _attempt in range(2):
        thread = api.thread("deterministic?")
        run = api.wait(api.run(thread["id"], assistant["id"]), "completed")
        results.append((run["usage"], _messages(api, thread["id"])[-1]["content"]))
    assert results[0] == results[1]


def test_a_run_takes_model_instructions_tools_and_sampling_from_its_assistant_unless_overridden(api) -> None:
    assistant = api.assistant(model="gpt-4o-mini", instructions="Assistant says.", tools=[{"type": "code_interpreter"}], temperature=0.3, top_p=0.9)
    thread = api.thread()
    inherited = api.run(thread["id"], assistant["id"], metadata={"sim_seconds": "0"})
    assert (inherited["model"], inherited["instructions"], inherited["tools"]) == ("gpt-4o-mini", "Assistant says.", [{"type": "code_interpreter"}])
    assert (inherited["temperature"], inherited["top_p"]) == (0.3, 0.9)
    assert inherited["tool_choice"] == "auto" and inherited["parallel_tool_calls"] is True and inherited["response_format"] == "auto"
    assert inherited["truncation_strategy"] == {"type": "auto", "last_messages": None}
    api.wait(inherited, "completed")
    overridden = api.run(thread["id"], assistant["id"], model="gpt-4.1", instructions="Run says.", additional_instructions="Also this.",
                         tools=[], temperature=1.5, top_p=0.5, max_prompt_tokens=1000, max_completion_tokens=500,
                         truncation_strategy={"type": "last_messages", "last_messages": 3}, response_format={"type": "json_object"},
                         parallel_tool_calls=False, metadata={"sim_seconds": "0", "ticket": "42"})
    assert (overridden["model"], overridden["instructions"], overridden["tools"]) == ("gpt-4.1", "Run says.\nAlso this.", [])
    assert (overridden["temperature"], overridden["top_p"], overridden["max_prompt_tokens"], overridden["max_completion_tokens"]) == (1.5, 0.5, 1000, 500)
    assert overridden["truncation_strategy"] == {"type": "last_messages", "last_messages": 3}
    assert overridden["response_format"] == {"type": "json_object"} and overridden["parallel_tool_calls"] is False
    assert overridden["metadata"] == {"sim_seconds": "0", "ticket": "42"}


def test_sim_outcome_failed_sets_last_error_and_failed_at(api) -> None:
    thread = api.thread()
    run = api.wait(api.run(thread["id"], api.assistant()["id"], metadata={"sim_outcome": "failed", "sim_seconds": "0.05"}), "failed")
    assert run["last_error"] == {"code": "server_error", "message": "Sorry, something went wrong."}
    assert run["failed_at"] is not None and run["completed_at"] is None and run["usage"] is not None
    assert [m["role"] for m in _messages(api, thread["id"])] == ["user"]  # no answer written


def test_sim_outcome_expired_ends_expired_without_an_error(api) -> None:
    run = api.wait(api.run(api.thread()["id"], api.assistant()["id"], metadata={"sim_outcome": "expired", "sim_seconds": "0"}), "expired")
    assert run["last_error"] is None and run["expires_at"] is not None and run["usage"] is not None
    assert run["completed_at"] is None and run["failed_at"] is None


def test_sim_outcome_incomplete_reports_the_token_limit_and_an_incomplete_message(api) -> None:
    thread = api.thread("a long question")
    run = api.run(thread["id"], api.assistant()["id"], max_completion_tokens=300, metadata={"sim_outcome": "incomplete", "sim_seconds": "0"})
    run = api.wait(run, "incomplete")
    assert run["incomplete_details"] == {"reason": "max_completion_tokens"}
    assert run["usage"]["completion_tokens"] == 300
    answer = _messages(api, thread["id"], run_id=run["id"])[0]
    assert answer["status"] == "incomplete" and answer["incomplete_details"] == {"reason": "max_tokens"} and answer["incomplete_at"] is not None


def test_a_function_tool_stops_the_run_at_requires_action_and_submitted_outputs_complete_it(api) -> None:
    assistant = api.assistant(tools=[WEATHER, TIME])
    thread = api.thread("Weather in Paris?")
    run = api.wait(api.run(thread["id"], assistant["id"]), "requires_action")
    action = run["required_action"]
    assert action["type"] == "submit_tool_outputs"
    [call] = action["submit_tool_outputs"]["tool_calls"]
    assert call["id"].startswith("call_") and call["type"] == "function" and call["function"]["name"] == "get_weather"
    assert json.loads(call["function"]["arguments"]) == {"city": "Weather in Paris?", "days": 1, "unit": "c"}
    assert run["usage"] is None
    [step] = _steps(api, run)
    assert step["type"] == "tool_calls" and step["status"] == "in_progress"
    assert step["step_details"]["tool_calls"][0]["function"]["output"] is None

    resumed = api.post(f"/threads/{thread['id']}/runs/{run['id']}/submit_tool_outputs", {"tool_outputs": [{"tool_call_id": call["id"], "output": "sunny"}]})
    assert resumed["status"] == "queued" and resumed["required_action"] is None
    done = api.wait(run, "completed")
    assert done["usage"]["total_tokens"] > 0
    tool_step, message_step = _steps(api, run)
    assert tool_step["status"] == "completed" and tool_step["step_details"]["tool_calls"][0]["function"]["output"] == "sunny"
    assert message_step["type"] == "message_creation" and message_step["status"] == "completed"
    [answer] = _messages(api, thread["id"], run_id=run["id"])
    assert answer["content"][0]["text"]["value"] == "Echo: Weather in Paris?\nget_weather returned: sunny"


def test_tool_choice_picks_the_named_function_and_none_skips_tools(api) -> None:
    assistant = api.assistant(tools=[WEATHER, TIME])
    thread = api.thread()
    named = api.wait(api.run(thread["id"], assistant["id"], tool_choice={"type": "function", "function": {"name": "get_time"}}), "requires_action")
    assert [c["function"] for c in named["required_action"]["submit_tool_outputs"]["tool_calls"]] == [{"name": "get_time", "arguments": "{}"}]
    api.post(f"/threads/{thread['id']}/runs/{named['id']}/cancel")
    api.advance(30)
    api.wait(named, "cancelled")
    plain = api.wait(api.run(thread["id"], assistant["id"], tool_choice="none"), "completed")
    assert plain["required_action"] is None


def test_the_run_tools_override_decides_whether_a_function_is_called(api) -> None:
    assistant = api.assistant(tools=[WEATHER])
    thread = api.thread()
    api.wait(api.run(thread["id"], assistant["id"], tools=[{"type": "file_search"}]), "completed")
    plain = api.assistant()
    api.wait(api.run(thread["id"], plain["id"], tools=[TIME]), "requires_action")


def test_a_run_left_in_requires_action_expires_at_expires_at(api) -> None:
    run = api.wait(api.run(api.thread()["id"], api.assistant(tools=[WEATHER])["id"]), "requires_action")
    expires_at = run["expires_at"]
    assert expires_at == run["created_at"] + 600
    api.advance(601)
    run = api.get_run(run)
    assert run["status"] == "expired" and run["required_action"] is None and run["expires_at"] == expires_at
    [step] = _steps(api, run)
    assert step["status"] == "expired" and step["expired_at"] == expires_at
    response = api.request("POST", f"/threads/{run['thread_id']}/runs/{run['id']}/submit_tool_outputs", {"tool_outputs": []})
    assert response.status_code == 400


def test_cancel_goes_through_cancelling_to_cancelled_and_closes_open_steps(api) -> None:
    thread = api.thread()
    run = api.run(thread["id"], api.assistant()["id"], metadata={"sim_seconds": "100"})
    api.advance(20)
    assert api.get_run(run)["status"] == "in_progress"
    cancelling = api.post(f"/threads/{thread['id']}/runs/{run['id']}/cancel")
    assert cancelling["status"] == "cancelling" and cancelling["cancelled_at"] is None
    assert api.get_run(run)["status"] == "cancelling"
    api.advance(30)
    run = api.get_run(run)
    assert run["status"] == "cancelled" and run["cancelled_at"] is not None and run["usage"] is not None and run["expires_at"] is None
    [step] = _steps(api, run)
    assert step["status"] == "cancelled" and step["cancelled_at"] == run["cancelled_at"]
    answer = _messages(api, thread["id"], run_id=run["id"])[0]
    assert answer["status"] == "incomplete" and answer["incomplete_details"] == {"reason": "run_cancelled"}
    # The thread is free again.
    api.wait(api.run(thread["id"], run["assistant_id"]), "completed")


def test_a_queued_run_and_a_run_awaiting_tool_outputs_can_both_be_cancelled(api) -> None:
    queued = api.run(api.thread()["id"], api.assistant()["id"], metadata={"sim_seconds": "100"})
    waiting = api.wait(api.run(api.thread()["id"], api.assistant(tools=[WEATHER])["id"]), "requires_action")
    for run in (queued, waiting):
        assert api.post(f"/threads/{run['thread_id']}/runs/{run['id']}/cancel")["status"] == "cancelling"
    api.advance(30)
    assert [api.get_run(run)["status"] for run in (queued, waiting)] == ["cancelled", "cancelled"]
    assert api.get_run(waiting)["required_action"] is None


def test_additional_messages_join_the_thread_and_the_answer_echoes_the_last_user_message(api) -> None:
    thread = api.thread("first")
    run = api.run(thread["id"], api.assistant()["id"], additional_messages=[
        {"role": "assistant", "content": "noted"},
        {"role": "user", "content": [{"type": "text", "text": "second"}, {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}]},
    ])
    api.wait(run, "completed")
    messages = _messages(api, thread["id"])
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant"]
    assert messages[2]["run_id"] is None
    assert messages[2]["content"][1] == {"type": "image_url", "image_url": {"url": "https://example.com/a.png", "detail": "auto"}}
    assert messages[-1]["content"][0]["text"]["value"] == "Echo: second [image_url]"


def test_create_thread_and_run_makes_the_thread_with_its_messages(api) -> None:
    assistant = api.assistant()
    thread = {"messages": [{"role": "user", "content": "hi there"}], "metadata": {"k": "v"}}
    run = api.post("/threads/runs", {"assistant_id": assistant["id"], "thread": thread})
    assert run["status"] == "queued" and run["thread_id"].startswith("thread_")
    assert api.get(f"/threads/{run['thread_id']}")["metadata"] == {"k": "v"}
    api.wait(run, "completed")
    assert [m["content"][0]["text"]["value"] for m in _messages(api, run["thread_id"])] == ["hi there", "Echo: hi there"]


def test_messages_can_be_filtered_by_the_run_that_wrote_them(api) -> None:
    thread = api.thread("one")
    assistant = api.assistant()
    first = api.wait(api.run(thread["id"], assistant["id"]), "completed")
    api.post(f"/threads/{thread['id']}/messages", {"role": "user", "content": "two"})
    second = api.wait(api.run(thread["id"], assistant["id"]), "completed")
    assert [m["content"][0]["text"]["value"] for m in _messages(api, thread["id"], run_id=first["id"])] == ["Echo: one"]
    assert [m["content"][0]["text"]["value"] for m in _messages(api, thread["id"], run_id=second["id"])] == ["Echo: two"]
    assert len(_messages(api, thread["id"])) == 4


def test_sim_steps_gives_a_completed_run_that_many_steps(api) -> None:
    run = api.wait(api.run(api.thread()["id"], api.assistant()["id"], metadata={"sim_steps": "5", "sim_seconds": "0"}), "completed")
    steps = _steps(api, run)
    assert [s["type"] for s in steps] == ["tool_calls"] * 4 + ["message_creation"]
    assert all(s["status"] == "completed" for s in steps)
    assert run["usage"]["total_tokens"] == sum(s["usage"]["total_tokens"] for s in steps)


def test_modifying_a_run_replaces_its_metadata_only(api) -> None:
    run = api.wait(api.run(api.thread()["id"], api.assistant()["id"], metadata={"a": "1"}), "completed")
    modified = api.post(f"/threads/{run['thread_id']}/runs/{run['id']}", {"metadata": {"b": "2"}})
    assert modified["metadata"] == {"b": "2"} and modified["status"] == "completed"
    assert api.get_run(run)["metadata"] == {"b": "2"}


def test_assistants_and_threads_can_be_read_modified_and_deleted(api) -> None:
    assistant = api.assistant(name="helper", tools=[WEATHER], metadata={"team": "x"})
    assert api.get(f"/assistants/{assistant['id']}") == assistant
    changed = api.post(f"/assistants/{assistant['id']}", {"name": "renamed", "instructions": "New.", "tools": []})
    assert (changed["name"], changed["instructions"], changed["tools"], changed["metadata"]) == ("renamed", "New.", [], {"team": "x"})
    assert api.ok("DELETE", f"/assistants/{assistant['id']}") == {"id": assistant["id"], "object": "assistant.deleted", "deleted": True}
    assert api.request("GET", f"/assistants/{assistant['id']}").status_code == 404

    thread = api.thread(metadata={"a": "1"})
    assert api.post(f"/threads/{thread['id']}", {"metadata": {"b": "2"}})["metadata"] == {"b": "2"}
    assert api.ok("DELETE", f"/threads/{thread['id']}") == {"id": thread["id"], "object": "thread.deleted", "deleted": True}
    assert api.request("GET", f"/threads/{thread['id']}/messages").status_code == 404


def test_ids_look_like_the_hosted_apis(api) -> None:
    assistant = api.assistant()
    run = api.wait(api.run(api.thread()["id"], assistant["id"]), "completed")
    message = _messages(api, run["thread_id"])[-1]
    step = _steps(api, run)[0]
    for prefix, value in (("asst_", assistant["id"]), ("thread_", run["thread_id"]), ("run_", run["id"]), ("msg_", message["id"]), ("step_", step["id"])):
        assert value.startswith(prefix) and len(value) == len(prefix) + 24 and value[len(prefix):].isalnum()


def test_run_reads_carry_the_poll_after_header(api) -> None:
    run = api.run(api.thread()["id"], api.assistant()["id"])
    response = api.request("GET", f"/threads/{run['thread_id']}/runs/{run['id']}")
    assert response.headers["openai-poll-after-ms"] == "10"
    assert response.headers["x-request-id"].startswith("req_")
    assert "openai-poll-after-ms" not in api.request("GET", f"/threads/{run['thread_id']}").headers


def test_simultaneous_creates_on_one_thread_make_exactly_one_run(api) -> None:
    thread = api.thread()
    body = {"assistant_id": api.assistant()["id"], "metadata": {"sim_seconds": "60"}}
    barrier = threading.Barrier(12)

    def create(_index: int) -> int:
        with requests.Session() as session:
            session.trust_env = False
            barrier.wait(timeout=10)
            return session.post(f"{api.url}/threads/{thread['id']}/runs", json=body, headers=dict(api.session.headers), timeout=10).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = sorted(pool.map(create, range(12)))
    assert statuses == [200] + [400] * 11
    assert len(api.get(f"/threads/{thread['id']}/runs")["data"]) == 1


def test_concurrent_pollers_see_the_same_monotonic_history(api) -> None:
    run = api.run(api.thread()["id"], api.assistant()["id"], metadata={"sim_seconds": "0.3"})
    order = {"queued": 0, "in_progress": 1, "completed": 2}

    def poll(_index: int) -> list[dict[str, Any]]:
        seen = []
        deadline = time.monotonic() + 5
        with requests.Session() as session:
            session.trust_env = False
            while not seen or seen[-1]["status"] != "completed":
                assert time.monotonic() < deadline
                seen.append(session.get(f"{api.url}/threads/{run['thread_id']}/runs/{run['id']}", headers=dict(api.session.headers), timeout=10).json())
        return seen

    with ThreadPoolExecutor(max_workers=6) as pool:
        histories = list(pool.map(poll, range(6)))
    for history in histories:
        ranks = [order[item["status"]] for item in history]
        assert ranks == sorted(ranks)
    finals = [history[-1] for history in histories]
    assert all(final == finals[0] for final in finals)


def test_control_timings_give_each_runs_creation_and_end_in_float_seconds(api) -> None:
    assistant = api.assistant()
    thread = api.thread("How long?")
    run = api.run(thread["id"], assistant["id"], metadata={"sim_seconds": "0.3"})
    done = api.wait(run, "completed")
    timing = next(item for item in api.control("GET", "timings")["runs"] if item["id"] == run["id"])
    assert timing["thread_id"] == thread["id"]
    assert timing["status"] == "completed"
    assert timing["ended"] - timing["created"] == pytest.approx(0.3)
    assert (int(timing["created"]), int(timing["ended"])) == (done["created_at"], done["completed_at"])


def _answer(api, run: dict[str, Any], output: str) -> dict[str, Any]:
    call = run["required_action"]["submit_tool_outputs"]["tool_calls"][0]
    api.post(f"/threads/{run['thread_id']}/runs/{run['id']}/submit_tool_outputs", {"tool_outputs": [{"tool_call_id": call["id"], "output": output}]})
    return call


def test_sim_tool_rounds_asks_for_tool_outputs_that_many_times_then_answers_with_every_output(api) -> None:
    run = api.wait(api.run(api.thread("Paris?")["id"], api.assistant(tools=[WEATHER])["id"], metadata={"sim_tool_rounds": "2", "sim_seconds": "0"}),
                   "requires_action")
    first = _answer(api, run, "sunny")
    again = api.wait(run, "requires_action")
    second = _answer(api, again, "warm")
    assert second["id"] != first["id"] and second["function"] == first["function"]
    done = api.wait(run, "completed")
    assert done["required_action"] is None
    [answer] = _messages(api, run["thread_id"], run_id=run["id"])
    assert answer["content"][0]["text"]["value"] == "Echo: Paris?\nget_weather returned: sunny\nget_weather returned: warm"
    tool_steps = [step for step in _steps(api, run) if step["type"] == "tool_calls"]
    assert [step["status"] for step in tool_steps] == ["completed", "completed"]


def test_sim_tool_rounds_is_checked(api) -> None:
    assistant = api.assistant(tools=[WEATHER])
    thread = api.thread()
    bad = api.request("POST", f"/threads/{thread['id']}/runs", {"assistant_id": assistant["id"], "metadata": {"sim_tool_rounds": "0"}})
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "metadata.sim_tool_rounds"
    no_tool = api.request("POST", f"/threads/{thread['id']}/runs", {"assistant_id": api.assistant()["id"], "metadata": {"sim_tool_rounds": "2"}})
    assert no_tool.status_code == 400 and no_tool.json()["error"]["param"] == "metadata.sim_tool_rounds"


@pytest.mark.parametrize(("response_format", "expected"), [
    ({"type": "json_object"}, {"answer": "Echo: hi"}),
    ({"type": "json_schema", "json_schema": {"name": "a", "schema": {"type": "object", "properties": {"text": {"type": "string"}, "n": {"type": "integer"}}}}},
     {"text": "Echo: hi", "n": 1}),
    ({"type": "text"}, None),
])
def test_a_run_asked_for_json_answers_json(api, response_format, expected) -> None:
    run = api.wait(api.run(api.thread("hi")["id"], api.assistant()["id"], response_format=response_format), "completed")
    text = _messages(api, run["thread_id"], run_id=run["id"])[0]["content"][0]["text"]["value"]
    assert (json.loads(text) if expected is not None else text) == (expected if expected is not None else "Echo: hi")


def test_sim_answer_is_the_answer_whatever_the_response_format(api) -> None:
    run = api.wait(api.run(api.thread("hi")["id"], api.assistant()["id"], response_format={"type": "json_object"},
                           metadata={"sim_answer": "not json", "sim_seconds": "0"}), "completed")
    assert _messages(api, run["thread_id"], run_id=run["id"])[0]["content"][0]["text"]["value"] == "not json"
