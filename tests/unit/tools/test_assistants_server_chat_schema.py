# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every response the bridge (--backend chat) serves validates against the official schema, as the simulated backend's do."""

from __future__ import annotations

import json
from typing import Any, Iterator

import pytest
# The schema fixtures (oas, registry) and helpers are the simulated backend's, used as they are.
from test_assistants_server_schema import _component, _events, _objects, _validator, record, response_failures, unexercised
from test_assistants_server_schema import fixture_oas, fixture_registry  # noqa: F401  pylint: disable=unused-import

from conftest import TERMINAL

WEATHER = {"type": "function", "function": {"name": "get_weather", "description": "Weather.", "strict": False,
                                            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}


@pytest.fixture(scope="module", name="recorded")
def fixture_recorded(bridge_server, standin, client_factory) -> Iterator[list[tuple[str, str, Any]]]:
    """Drive the bridge through every endpoint and every run ending it can reach; record (method, path, response)."""
    standin.server.reset()
    api = client_factory(bridge_server.base)
    api.control("POST", "reset")
    try:
        yield record(api, lambda api_: _exercise(api_, standin))
    finally:
        api.session.close()


def _exercise(api: Any, standin: Any) -> None:  # pylint: disable=too-many-statements
    assistant = api.assistant(name="Bridge", instructions="i", tools=[WEATHER], metadata={"k": "v"})
    api.post(f"/assistants/{assistant['id']}", {"description": "d"})
    api.request("GET", f"/assistants/{assistant['id']}")
    api.request("GET", "/assistants")
    plain = api.assistant()
    thread = api.thread("hello")
    api.post(f"/threads/{thread['id']}", {"metadata": {"a": "b"}})
    api.request("GET", f"/threads/{thread['id']}")
    message = api.post(f"/threads/{thread['id']}/messages", {"role": "user", "content": "more"})
    api.post(f"/threads/{thread['id']}/messages/{message['id']}", {"metadata": {"x": "y"}})
    api.request("GET", f"/threads/{thread['id']}/messages/{message['id']}")
    api.request("DELETE", f"/threads/{thread['id']}/messages/{message['id']}")

    # completed, with a message seen while in progress
    standin.server.add({"text": ["slow ", "answer"], "chunk_delay": 0.3})
    run = api.run(thread["id"], plain["id"])
    while not api.get(f"/threads/{thread['id']}/messages", run_id=run["id"])["data"]:
        pass
    api.request("GET", f"/threads/{thread['id']}/messages", params={"run_id": run["id"]})
    api.request("GET", f"/threads/{thread['id']}/runs/{run['id']}/steps")
    api.wait(run, TERMINAL)
    api.post(f"/threads/{thread['id']}/runs/{run['id']}", {"metadata": {"m": "1"}})
    steps = api.get(f"/threads/{thread['id']}/runs/{run['id']}/steps")["data"]
    api.request("GET", f"/threads/{thread['id']}/runs/{run['id']}/steps/{steps[0]['id']}")

    # requires_action, then completed through submitted outputs
    api.post(f"/threads/{thread['id']}/messages", {"role": "user", "content": "please use the tool"})
    run = api.wait(api.run(thread["id"], assistant["id"]), "requires_action")
    api.request("GET", f"/threads/{thread['id']}/runs/{run['id']}/steps")
    call = run["required_action"]["submit_tool_outputs"]["tool_calls"][0]
    api.post(f"/threads/{thread['id']}/runs/{run['id']}/submit_tool_outputs", {"tool_outputs": [{"tool_call_id": call["id"], "output": "ok"}]})
    api.wait(run, TERMINAL)

    # failed (upstream 500s), incomplete (length), cancelled, expired
    standin.server.add(*[{"status": 500, "message": "boom"}] * 3)
    api.wait(api.run(thread["id"], plain["id"]), TERMINAL)
    standin.server.add({"text": "cut", "finish": "length"})
    api.wait(api.run(thread["id"], plain["id"]), TERMINAL)
    standin.server.add({"text": ["a", "b", "c"], "chunk_delay": 0.5})
    run = api.wait(api.run(thread["id"], plain["id"]), "in_progress")
    api.post(f"/threads/{thread['id']}/runs/{run['id']}/cancel")
    api.wait(run, TERMINAL)
    run = api.wait(api.run(thread["id"], assistant["id"], additional_messages=[{"role": "user", "content": "please use the tool"}]), "requires_action")
    api.advance(700)
    api.wait(run, TERMINAL)
    api.request("GET", f"/threads/{thread['id']}/runs")
    api.request("GET", f"/threads/{thread['id']}/messages", params={"limit": 100})

    # streams: create run, create thread and run, submit tool outputs
    api.request("POST", f"/threads/{thread['id']}/runs", {"assistant_id": plain["id"], "stream": True})
    response = api.request("POST", "/threads/runs", {"assistant_id": assistant["id"], "stream": True,
                                                     "thread": {"messages": [{"role": "user", "content": "please use the tool"}]}})
    last = [block for block in response.text.strip().split("\n\n") if block.startswith("event: thread.run.requires_action")][0]
    waiting = json.loads(last.split("\ndata: ", 1)[1])
    call = waiting["required_action"]["submit_tool_outputs"]["tool_calls"][0]
    api.request("POST", f"/threads/{waiting['thread_id']}/runs/{waiting['id']}/submit_tool_outputs",
                {"stream": True, "tool_outputs": [{"tool_call_id": call["id"], "output": "ok"}]})
    api.request("POST", "/threads/runs", {"assistant_id": plain["id"], "thread": {"messages": [{"role": "user", "content": "x"}]}})

    # errors: refused tool, unknown objects, no key
    api.request("POST", f"/threads/{thread['id']}/runs", {"assistant_id": plain["id"], "tools": [{"type": "code_interpreter"}]})
    api.request("GET", "/threads/thread_nope")
    api.request("GET", "/assistants", headers={"Authorization": ""})
    api.request("DELETE", f"/threads/{thread['id']}")
    api.request("DELETE", f"/assistants/{plain['id']}")


def test_every_operation_in_the_schema_was_exercised_on_the_bridge(oas, recorded) -> None:
    assert unexercised(oas, recorded) == set()


def test_every_successful_bridge_response_validates_against_its_operations_schema(oas, registry, recorded) -> None:
    count, failures = response_failures(oas, registry, recorded)
    assert count > 30
    assert not failures, "\n".join(failures[:20])


def test_every_bridge_error_body_validates_against_error_response(registry, recorded) -> None:
    validator = _validator(registry, _component("ErrorResponse"))
    statuses = set()
    for method, path, response in recorded:
        if response.status_code != 200:
            statuses.add(response.status_code)
            assert not [e.message for e in validator.iter_errors(response.json())], f"{method.upper()} {path}"
    assert statuses == {400, 401, 404}


def test_every_event_the_bridge_streams_carries_an_object_that_validates(registry, recorded) -> None:
    schemas = {"thread": "ThreadObject", "thread.run": "RunObject", "thread.run.step": "RunStepObject", "thread.message": "MessageObject"}
    events = _events(recorded)
    names = [name for name, _data in events]
    assert {"thread.created", "thread.run.requires_action", "thread.run.step.delta", "thread.run.completed", "done"} <= set(names)
    assert names.count("thread.message.delta") > 2
    for name, data in events:
        if name == "done":
            continue
        if name in ("thread.message.delta", "thread.run.step.delta"):
            # the schema copy has no delta objects: check their shape by hand
            assert data["object"] == name and data["id"]
            continue
        errors = [e.message for e in _validator(registry, _component(schemas[data["object"]])).iter_errors(data)]
        assert not errors, f"{name}: {errors}"


def test_bridge_runs_were_seen_in_every_status_the_schema_names(oas, recorded) -> None:
    statuses = oas["components"]["schemas"]["RunObject"]["properties"]["status"]["enum"]
    assert {run["status"] for run in _objects(recorded, "thread.run")} == set(statuses)
    messages = {message["status"] for message in _objects(recorded, "thread.message")}
    assert messages == {"in_progress", "completed", "incomplete"}
