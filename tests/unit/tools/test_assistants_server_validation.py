# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Requests the hosted API refuses are refused here too, with an error a person can act on."""

from __future__ import annotations

from typing import Any

import pytest
import requests

FUNCTION = {"type": "function", "function": {"name": "lookup"}}


def _error(response: requests.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"message", "type", "param", "code"}
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


# (case id, run body fields, expected message, expected param)
RUN_BODY_CASES = [
    ("unknown field", {"foo": 1}, "Unrecognized request argument supplied: foo", "foo"),
    ("unknown fields", {"foo": 1, "bar": 2}, "Unrecognized request arguments supplied: foo, bar", "foo"),
    ("temperature above 2", {"temperature": 2.5}, "Invalid value for 'temperature': must be between 0 and 2.", "temperature"),
    ("temperature below 0", {"temperature": -0.1}, "Invalid value for 'temperature': must be between 0 and 2.", "temperature"),
    ("temperature not a number", {"temperature": "hot"}, "Invalid type for 'temperature': expected a decimal, but got a string instead.", "temperature"),
    ("top_p above 1", {"top_p": 1.5}, "Invalid value for 'top_p': must be between 0 and 1.", "top_p"),
    ("max_prompt_tokens below 256", {"max_prompt_tokens": 255}, "Invalid value for 'max_prompt_tokens': must be at least 256.", "max_prompt_tokens"),
    ("max_completion_tokens below 256", {"max_completion_tokens": 10}, "Invalid value for 'max_completion_tokens': must be at least 256.",
     "max_completion_tokens"),
    ("max_completion_tokens not an integer", {"max_completion_tokens": 300.5},
     "Invalid type for 'max_completion_tokens': expected an integer, but got a decimal instead.", "max_completion_tokens"),
    ("boolean is not an integer", {"max_prompt_tokens": True}, "Invalid type for 'max_prompt_tokens': expected an integer, but got a boolean instead.",
     "max_prompt_tokens"),
    ("21 tools", {"tools": [{"type": "code_interpreter"}] * 21},
     "Invalid 'tools': array too long. Expected an array with maximum length 20, but got an array with length 21 instead.", "tools"),
    ("unknown tool type", {"tools": [{"type": "browser"}]},
     "Invalid value: 'browser'. Supported values are: 'code_interpreter', 'file_search', and 'function'.", "tools[0].type"),
    ("function name with a space", {"tools": [{"type": "function", "function": {"name": "bad name"}}]},
     "Invalid 'tools[0].function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]{1,64}$', "
     "but got 'bad name'.", "tools[0].function.name"),
    ("function name of 65 characters", {"tools": [{"type": "function", "function": {"name": "f" * 65}}]}, None, "tools[0].function.name"),
    ("function without a name", {"tools": [{"type": "function", "function": {"description": "x"}}]},
     "Missing required parameter: 'tools[0].function.name'.", "tools[0].function.name"),
    ("unknown field inside a tool", {"tools": [{"type": "code_interpreter", "extra": True}]},
     "Unrecognized request argument supplied: tools[0].extra", "tools[0].extra"),
    ("17 metadata pairs", {"metadata": {f"k{i}": "v" for i in range(17)}},
     "Invalid 'metadata': too many properties. Expected an object with at most 16 properties, but got an object with 17 properties instead.",
     "metadata"),
    ("metadata key of 65 characters", {"metadata": {"k" * 65: "v"}}, None, "metadata"),
    ("metadata value of 513 characters", {"metadata": {"k": "v" * 513}},
     "Invalid 'metadata.k': string too long. Expected a string with maximum length 512, but got a string with length 513 instead.", "metadata.k"),
    ("metadata value not a string", {"metadata": {"k": 1}}, "Invalid type for 'metadata.k': expected a string, but got an integer instead.",
     "metadata.k"),
    ("truncation type", {"truncation_strategy": {"type": "middle"}}, "Invalid value: 'middle'. Supported values are: 'auto' and 'last_messages'.",
     "truncation_strategy.type"),
    ("truncation last_messages 0", {"truncation_strategy": {"type": "last_messages", "last_messages": 0}},
     "Invalid value for 'truncation_strategy.last_messages': must be at least 1.", "truncation_strategy.last_messages"),
    ("tool_choice word", {"tool_choice": "sometimes"}, "Invalid value: 'sometimes'. Supported values are: 'none', 'auto', and 'required'.",
     "tool_choice"),
    ("tool_choice function without a name", {"tool_choice": {"type": "function"}}, "Missing required parameter: 'tool_choice.function'.",
     "tool_choice.function"),
    ("tool_choice of a function the run lacks", {"tool_choice": {"type": "function", "function": {"name": "nope"}}},
     "Invalid value for 'tool_choice': the function 'nope' is not among the run's tools.", "tool_choice"),
    ("response_format type", {"response_format": {"type": "xml"}}, "Invalid value: 'xml'. Supported values are: 'text', 'json_object', and 'json_schema'.",
     "response_format.type"),
    ("response_format word", {"response_format": "json"}, "Invalid value: 'json'. Supported values are: 'auto'.", "response_format"),
    ("parallel_tool_calls null", {"parallel_tool_calls": None}, "Invalid type for 'parallel_tool_calls': expected a boolean, but got null instead.",
     "parallel_tool_calls"),
    ("message role system", {"additional_messages": [{"role": "system", "content": "x"}]},
     "Invalid value: 'system'. Supported values are: 'user' and 'assistant'.", "additional_messages[0].role"),
    ("message content a number", {"additional_messages": [{"role": "user", "content": 5}]},
     "Invalid type for 'additional_messages[0].content': expected a string or an array, but got an integer instead.", "additional_messages[0].content"),
    ("message content an empty array", {"additional_messages": [{"role": "user", "content": []}]},
     "Invalid 'additional_messages[0].content': empty array. Expected an array with minimum length 1, but got an empty array instead.",
     "additional_messages[0].content"),
    ("message without content", {"additional_messages": [{"role": "user"}]}, "Missing required parameter: 'additional_messages[0].content'.",
     "additional_messages[0].content"),
    ("content part type", {"additional_messages": [{"role": "user", "content": [{"type": "audio"}]}]},
     "Invalid value: 'audio'. Supported values are: 'text', 'image_file', and 'image_url'.", "additional_messages[0].content[0].type"),
    ("stream not a boolean", {"stream": "yes"}, "Invalid type for 'stream': expected a boolean, but got a string instead.", "stream"),
    ("sim_seconds not a number", {"metadata": {"sim_seconds": "soon"}}, None, "metadata.sim_seconds"),
    ("sim_outcome unknown", {"metadata": {"sim_outcome": "exploded"}}, None, "metadata.sim_outcome"),
    ("sim_steps zero", {"metadata": {"sim_steps": "0"}}, None, "metadata.sim_steps"),
    ("sim requires_action without a function", {"metadata": {"sim_outcome": "requires_action"}}, None, "metadata.sim_outcome"),
]


@pytest.mark.parametrize(("fields", "message", "param"), [case[1:] for case in RUN_BODY_CASES], ids=[case[0] for case in RUN_BODY_CASES])
def test_create_run_rejects_what_the_schema_forbids(api, fields, message, param) -> None:
    thread = api.thread()
    response = api.request("POST", f"/threads/{thread['id']}/runs", {"assistant_id": api.assistant()["id"], **fields})
    error = _error(response, 400)
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param
    if message is not None:
        assert error["message"] == message
    else:
        assert param in error["message"]
    # Nothing was applied: no run, no message added.
    assert api.get(f"/threads/{thread['id']}/runs")["data"] == []
    assert len(api.get(f"/threads/{thread['id']}/messages")["data"]) == 1


def test_a_missing_assistant_id_is_named(api) -> None:
    error = _error(api.request("POST", f"/threads/{api.thread()['id']}/runs", {}), 400)
    assert (error["message"], error["param"], error["code"]) == ("Missing required parameter: 'assistant_id'.", "assistant_id", "missing_required_parameter")


@pytest.mark.parametrize(("path", "body", "param"), [
    ("/assistants", {"model": "gpt-4o", "name": "n" * 257}, "name"),
    ("/assistants", {"model": "gpt-4o", "tools": [{"type": "code_interpreter"}] * 129}, "tools"),
    ("/assistants", {"name": "no model"}, "model"),
    ("/assistants", {"model": "gpt-4o", "top_p": 2}, "top_p"),
    ("/threads", {"messages": [{"role": "user", "content": "x", "extra": 1}]}, "messages[0].extra"),
    ("/threads", {"metadata": "not an object"}, "metadata"),
    ("/threads/runs", {"assistant_id": "asst_x", "thread": {"messages": "hi"}}, "thread.messages"),
    ("/threads/runs", {"assistant_id": "asst_x", "additional_messages": []}, "additional_messages"),
])
def test_other_bodies_are_checked_against_their_schemas(api, path, body, param) -> None:
    assert _error(api.request("POST", path, body), 400)["param"] == param


def test_modify_requests_accept_only_their_fields(api) -> None:
    run = api.wait(api.run(api.thread()["id"], api.assistant()["id"]), "completed")
    assert _error(api.request("POST", f"/threads/{run['thread_id']}/runs/{run['id']}", {"status": "failed"}), 400)["param"] == "status"
    assert _error(api.request("POST", f"/threads/{run['thread_id']}", {"messages": []}), 400)["param"] == "messages"


def test_invalid_json_and_non_object_bodies_are_400(api) -> None:
    thread = api.thread()
    response = api.session.post(f"{api.url}/threads/{thread['id']}/runs", data=b'{"assistant_id": ', headers={"Content-Type": "application/json"})
    assert _error(response, 400)["message"].startswith("We could not parse the JSON body of your request.")
    response = api.session.post(f"{api.url}/threads/{thread['id']}/runs", data=b'{"temperature": NaN, "assistant_id": "a"}')
    assert _error(response, 400)["message"].startswith("We could not parse the JSON body")
    assert "expected an object" in _error(api.request("POST", "/threads", [1, 2]), 400)["message"]


def test_an_empty_message_is_refused(api) -> None:
    error = _error(api.request("POST", f"/threads/{api.thread()['id']}/messages", {"role": "user", "content": ""}), 400)
    assert error["param"] == "content"


def test_the_beta_header_is_required(api) -> None:
    response = api.request("GET", "/assistants", headers={"OpenAI-Beta": ""})
    error = _error(response, 400)
    assert error["message"] == ("You must provide the 'OpenAI-Beta' header to access the Assistants API. "
                                "Please try again by setting the header 'OpenAI-Beta: assistants=v2'.")
    assert "v1 Assistants API has been deprecated" in _error(api.request("GET", "/assistants", headers={"OpenAI-Beta": "assistants=v1"}), 400)["message"]
    assert api.request("GET", "/assistants", headers={"OpenAI-Beta": "other=1, assistants=v2"}).status_code == 200


def test_a_bearer_token_is_required(api) -> None:
    for headers in ({"Authorization": ""}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer "}):
        error = _error(api.request("GET", "/assistants", headers=headers), 401)
        assert error["message"].startswith("You didn't provide an API key.")


def test_with_api_key_only_that_key_is_accepted_and_it_is_never_echoed(make_server) -> None:
    client = make_server(api_key="sk-right-key")[1]
    client.session.headers["Authorization"] = "Bearer sk-wrong-key"
    response = client.request("GET", "/assistants")
    error = _error(response, 401)
    assert error["code"] == "invalid_api_key"
    assert "sk-wrong-key" not in response.text and "sk-right-key" not in response.text
    client.session.headers["Authorization"] = "Bearer sk-right-key"
    assert client.request("GET", "/assistants").status_code == 200


@pytest.mark.parametrize(("kind", "template", "missing"), [
    ("thread", "/threads/thread_missing", "thread_missing"),
    ("thread", "/threads/thread_missing/messages", "thread_missing"),
    ("thread", "/threads/thread_missing/runs", "thread_missing"),
    ("run", "/threads/{thread}/runs/run_missing", "run_missing"),
    ("run", "/threads/{thread}/runs/run_missing/steps", "run_missing"),
    ("run step", "/threads/{thread}/runs/{run}/steps/step_missing", "step_missing"),
    ("message", "/threads/{thread}/messages/msg_missing", "msg_missing"),
    ("assistant", "/assistants/asst_missing", "asst_missing"),
])
def test_unknown_ids_are_404_naming_the_id(api, kind, template, missing) -> None:
    run = api.run(api.thread()["id"], api.assistant()["id"])
    error = _error(api.request("GET", template.format(thread=run["thread_id"], run=run["id"])), 404)
    assert error["message"] == f"No {kind} found with id '{missing}'."


def test_a_run_on_an_unknown_assistant_is_404(api) -> None:
    error = _error(api.request("POST", f"/threads/{api.thread()['id']}/runs", {"assistant_id": "asst_gone"}), 404)
    assert error["message"] == "No assistant found with id 'asst_gone'."


def test_unknown_routes_and_methods_are_404(api) -> None:
    assert _error(api.request("GET", "/nothing/here"), 404)["message"] == "Invalid URL (GET /v1/nothing/here)"
    assert _error(api.request("DELETE", "/threads/thread_x/runs/run_x"), 404)["message"] == "Invalid URL (DELETE /v1/threads/thread_x/runs/run_x)"
    assert requests.get(f"{api.base}/elsewhere", timeout=5).status_code == 404


def test_a_thread_holds_one_active_run_at_a_time(api) -> None:
    thread = api.thread()
    assistant = api.assistant()
    first = api.run(thread["id"], assistant["id"], metadata={"sim_seconds": "60"})
    second = api.request("POST", f"/threads/{thread['id']}/runs", {"assistant_id": assistant["id"], "additional_messages": [{"role": "user", "content": "x"}]})
    assert _error(second, 400)["message"] == f"Thread {thread['id']} already has an active run {first['id']}."
    assert len(api.get(f"/threads/{thread['id']}/runs")["data"]) == 1
    assert len(api.get(f"/threads/{thread['id']}/messages")["data"]) == 1  # additional_messages not applied


def test_messages_cannot_be_added_while_a_run_is_active(api) -> None:
    thread = api.thread()
    run = api.run(thread["id"], api.assistant()["id"], metadata={"sim_seconds": "60"})
    error = _error(api.request("POST", f"/threads/{thread['id']}/messages", {"role": "user", "content": "x"}), 400)
    assert error["message"] == f"Can't add messages to {thread['id']} while a run {run['id']} is active."


def test_a_finished_run_cannot_be_cancelled(api) -> None:
    run = api.wait(api.run(api.thread()["id"], api.assistant()["id"]), "completed")
    error = _error(api.request("POST", f"/threads/{run['thread_id']}/runs/{run['id']}/cancel"), 400)
    assert error["message"] == "Cannot cancel run with status 'completed'."


def test_tool_outputs_are_accepted_only_in_requires_action_and_must_answer_exactly_the_pending_calls(api) -> None:
    thread = api.thread()
    plain = api.run(thread["id"], api.assistant()["id"], metadata={"sim_seconds": "60"})
    path = f"/threads/{thread['id']}/runs/{plain['id']}/submit_tool_outputs"
    assert _error(api.request("POST", path, {"tool_outputs": []}), 400)["message"] == 'Runs in status "queued" do not accept tool outputs.'
    api.post(f"/threads/{thread['id']}/runs/{plain['id']}/cancel")
    api.wait(plain, "cancelled")

    run = api.wait(api.run(thread["id"], api.assistant(tools=[FUNCTION])["id"]), "requires_action")
    call_id = run["required_action"]["submit_tool_outputs"]["tool_calls"][0]["id"]
    path = f"/threads/{thread['id']}/runs/{run['id']}/submit_tool_outputs"
    missing = _error(api.request("POST", path, {"tool_outputs": []}), 400)
    assert call_id in missing["message"] and missing["param"] == "tool_outputs"
    unknown = _error(api.request("POST", path, {"tool_outputs": [{"tool_call_id": "call_other", "output": "x"}]}), 400)
    assert call_id in unknown["message"] and "call_other" in unknown["message"]
    twice = [{"tool_call_id": call_id, "output": "x"}] * 2
    assert _error(api.request("POST", path, {"tool_outputs": twice}), 400)["param"] == "tool_outputs"
    assert _error(api.request("POST", path, {}), 400)["message"] == "Missing required parameter: 'tool_outputs'."
    assert api.get_run(run)["status"] == "requires_action"
    api.post(path, {"tool_outputs": [{"tool_call_id": call_id, "output": "x"}]})
    api.wait(run, "completed")


@pytest.mark.parametrize(("params", "message", "param"), [
    ({"limit": 0}, "Invalid value for 'limit': must be between 1 and 100.", "limit"),
    ({"limit": 101}, "Invalid value for 'limit': must be between 1 and 100.", "limit"),
    ({"limit": "ten"}, None, "limit"),
    ({"order": "sideways"}, "Invalid value: 'sideways'. Supported values are: 'asc' and 'desc'.", "order"),
    ({"after": "run_unknown"}, None, "after"),
    ({"before": "run_unknown"}, None, "before"),
])
def test_list_parameters_are_checked(api, params, message, param) -> None:
    error = _error(api.request("GET", f"/threads/{api.thread()['id']}/runs", params=params), 400)
    assert error["param"] == param
    if message:
        assert error["message"] == message
