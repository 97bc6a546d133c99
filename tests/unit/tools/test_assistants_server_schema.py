# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every response the local server sends validates against the official OpenAPI schema kept in the repo."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SCHEMA_FILE = Path(__file__).resolve().parents[3] / "tools" / "assistants_server" / "openapi" / "assistants-runs.oas31.yaml"
BASE_URI = "urn:assistants-oas"
FUNCTION = {"type": "function", "function": {"name": "lookup", "description": "Look up.", "strict": False,
                                             "parameters": {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}}}


@pytest.fixture(scope="module", name="oas")
def fixture_oas() -> dict[str, Any]:
    return yaml.safe_load(SCHEMA_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module", name="registry")
def fixture_registry(oas) -> Registry:
    return Registry().with_resource(BASE_URI, Resource.from_contents(oas, default_specification=DRAFT202012))


def _validator(registry_: Registry, ref: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": BASE_URI + ref}, registry=registry_)


def _component(name: str) -> str:
    return f"#/components/schemas/{name}"


def _operations(oas_: dict[str, Any]) -> dict[tuple[str, str], str]:
    """(method, path template) -> the $ref of its 200 response schema, straight from the document."""
    found = {}
    for template, item in oas_["paths"].items():
        for method, operation in item.items():
            found[(method, template)] = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    return found


def _template_of(templates: list[str], path: str) -> str:
    for template in sorted(templates, key=lambda t: t.count("{")):  # literal segments first: /threads/runs
        if re.fullmatch(re.sub(r"\{\w+\}", "[^/]+", template), path):
            return template
    raise AssertionError(f"no schema path for {path}")


@pytest.fixture(scope="module", name="recorded")
def fixture_recorded(server_factory, client_factory) -> Iterator[list[tuple[str, str, Any]]]:
    """Drive one server through every endpoint, run status, step type and error; record (method, path, response)."""
    handle = server_factory(cancel_seconds=30)
    api = client_factory(handle.base)
    try:
        yield record(api, _exercise)
    finally:
        api.session.close()
        handle.stop()


def record(api: Any, exercise: Any) -> list[tuple[str, str, Any]]:
    """Run exercise(api), keeping (method, path, response) of every request it makes."""
    records: list[tuple[str, str, Any]] = []
    send = api.request

    def recording(method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        response = send(method, path, body, **kwargs)
        records.append((method.lower(), path, response))
        return response

    api.request = recording
    exercise(api)
    return records


def _exercise(api: Any) -> None:  # pylint: disable=too-many-statements
    # Assistants, with every kind of tool and a structured response format.
    assistant = api.assistant(name="Everything", description="d", instructions="i", metadata={"k": "v"},
                              tools=[{"type": "code_interpreter"}, {"type": "file_search", "file_search": {"max_num_results": 5}}, FUNCTION],
                              tool_resources={"file_search": {"vector_stores": [{"file_ids": ["file_1"]}]}},
                              response_format={"type": "json_schema", "json_schema": {"name": "answer", "schema": {"type": "object"}}})
    plain = api.assistant()
    api.get(f"/assistants/{assistant['id']}")
    api.get("/assistants", limit=1)
    api.post(f"/assistants/{plain['id']}", {"name": "renamed", "tool_resources": {"code_interpreter": {"file_ids": ["file_2"]}}})
    spare = api.assistant()
    api.ok("DELETE", f"/assistants/{spare['id']}")

    # Threads and messages, with every content part and attachments.
    thread = api.thread(None, messages=[{"role": "user", "content": [
        {"type": "text", "text": "look"}, {"type": "image_url", "image_url": {"url": "https://example.com/x.png", "detail": "low"}},
        {"type": "image_file", "image_file": {"file_id": "file_img"}}]}], metadata={"a": "b"})
    api.get(f"/threads/{thread['id']}")
    api.post(f"/threads/{thread['id']}", {"metadata": {"c": "d"}, "tool_resources": {"code_interpreter": {"file_ids": []}}})
    api.get(f"/threads/{thread['id']}/runs")  # empty list
    message = api.post(f"/threads/{thread['id']}/messages", {
        "role": "user", "content": "hello", "metadata": {"m": "1"}, "attachments": [{"file_id": "file_3", "tools": [{"type": "file_search"}]}]})
    api.get(f"/threads/{thread['id']}/messages/{message['id']}")
    api.post(f"/threads/{thread['id']}/messages/{message['id']}", {"metadata": {"m": "2"}})
    spare_message = api.post(f"/threads/{thread['id']}/messages", {"role": "assistant", "content": "spare"})
    api.ok("DELETE", f"/threads/{thread['id']}/messages/{spare_message['id']}")

    # queued -> in_progress -> completed, observed at each stage on the server clock.
    run = api.run(thread["id"], plain["id"], metadata={"sim_seconds": "100"})
    api.get_run(run)
    api.advance(20)
    api.get_run(run)
    api.get(f"/threads/{thread['id']}/runs/{run['id']}/steps")
    api.get(f"/threads/{thread['id']}/messages")
    api.advance(80)
    api.get_run(run)
    step = api.get(f"/threads/{thread['id']}/runs/{run['id']}/steps")["data"][0]
    api.get(f"/threads/{thread['id']}/runs/{run['id']}/steps/{step['id']}")
    api.get(f"/threads/{thread['id']}/messages", run_id=run["id"])
    api.post(f"/threads/{thread['id']}/runs/{run['id']}", {"metadata": {"note": "seen"}})

    # requires_action -> submit -> completed.
    waiting = api.wait(api.run(thread["id"], assistant["id"]), "requires_action")
    api.get(f"/threads/{thread['id']}/runs/{waiting['id']}/steps")
    call = waiting["required_action"]["submit_tool_outputs"]["tool_calls"][0]
    api.post(f"/threads/{thread['id']}/runs/{waiting['id']}/submit_tool_outputs", {"tool_outputs": [{"tool_call_id": call["id"], "output": "42"}]})
    api.wait(waiting, "completed")
    api.get(f"/threads/{thread['id']}/runs/{waiting['id']}/steps")

    # in_progress -> cancelling -> cancelled.
    cancelled = api.run(thread["id"], plain["id"], metadata={"sim_seconds": "100"})
    api.advance(20)
    api.post(f"/threads/{thread['id']}/runs/{cancelled['id']}/cancel")
    api.get_run(cancelled)
    api.advance(30)
    api.get_run(cancelled)
    api.get(f"/threads/{thread['id']}/runs/{cancelled['id']}/steps")
    api.get(f"/threads/{thread['id']}/messages", run_id=cancelled["id"])

    # failed, incomplete, simulated expiry, expiry in requires_action, many steps.
    for outcome in ("failed", "incomplete", "expired"):
        api.wait(api.run(thread["id"], plain["id"], max_completion_tokens=256, metadata={"sim_outcome": outcome, "sim_seconds": "0"}), outcome)
    api.get(f"/threads/{thread['id']}/messages")
    stale = api.wait(api.run(thread["id"], assistant["id"], tool_choice={"type": "function", "function": {"name": "lookup"}}), "requires_action")
    api.advance(601)
    api.get_run(stale)
    api.get(f"/threads/{thread['id']}/runs/{stale['id']}/steps")
    busy = api.wait(api.run(thread["id"], plain["id"], metadata={"sim_steps": "3"}, truncation_strategy={"type": "last_messages", "last_messages": 2},
                            tool_choice="required", response_format={"type": "text"}), "completed")
    api.get(f"/threads/{thread['id']}/runs/{busy['id']}/steps")
    api.get(f"/threads/{thread['id']}/runs", order="asc", limit=100)

    # Streams: a run, a thread and run through requires_action, and its tool outputs.
    api.request("POST", f"/threads/{thread['id']}/runs", {"assistant_id": plain["id"], "stream": True})
    streamed = api.request("POST", "/threads/runs", {"assistant_id": assistant["id"], "stream": True, "tool_choice": "required"})
    waiting = [block for block in streamed.text.split("\n\n") if block.startswith("event: thread.run.requires_action")]
    pending = _event_data(waiting[0])
    call = pending["required_action"]["submit_tool_outputs"]["tool_calls"][0]
    api.request("POST", f"/threads/{pending['thread_id']}/runs/{pending['id']}/submit_tool_outputs",
                {"tool_outputs": [{"tool_call_id": call["id"], "output": "1"}], "stream": True})

    # Create thread and run; then delete a thread.
    combined = api.post("/threads/runs", {"assistant_id": plain["id"], "thread": {"messages": [{"role": "user", "content": "x"}]},
                                          "tool_resources": {"file_search": {"vector_store_ids": ["vs_1"]}}})
    api.wait(combined, "completed")
    api.ok("DELETE", f"/threads/{combined['thread_id']}")

    # Errors: validation, not found, conflicts, headers, faults.
    api.request("POST", f"/threads/{thread['id']}/runs", {"assistant_id": plain["id"], "temperature": 9})
    api.request("GET", "/threads/thread_nope")
    api.request("GET", "/no/such/route")
    api.request("POST", f"/threads/{thread['id']}/runs/{run['id']}/cancel")
    api.request("GET", "/assistants", headers={"OpenAI-Beta": ""})
    api.request("GET", "/assistants", headers={"Authorization": ""})
    api.control("PUT", "faults", [{"path": "/assistants$", "action": "status", "status": 429, "retry_after": 1},
                                  {"path": "/assistants$", "action": "status", "status": 500}])
    api.request("GET", "/assistants")
    api.request("GET", "/assistants")


def _event_data(block: str) -> Any:
    return json.loads(block.split("\ndata: ", 1)[1])


def _is_stream(response: Any) -> bool:
    return response.headers.get("Content-Type", "").startswith("text/event-stream")


def _for_validation(body: Any) -> Any:
    # Known gap in the official schema: it types first_id/last_id as plain strings, but the hosted API
    # (and this server) answer null for an empty list. Stand in strings for those two only.
    if isinstance(body, dict) and body.get("object") == "list" and body.get("data") == [] and body.get("first_id") is None:
        return {**body, "first_id": "", "last_id": ""}
    return body


def unexercised(oas_: dict[str, Any], records: list[tuple[str, str, Any]]) -> set[tuple[str, str]]:
    """The schema's operations that no recorded request answered with a 200."""
    templates = [template for _method, template in _operations(oas_)]
    seen = {(method, _template_of(templates, path.split("?")[0])) for method, path, response in records if response.status_code == 200}
    return set(_operations(oas_)) - seen


def response_failures(oas_: dict[str, Any], registry_: Registry, records: list[tuple[str, str, Any]]) -> tuple[int, list[str]]:
    """(how many JSON 200 responses were checked, what failed) against each operation's response schema."""
    operations = _operations(oas_)
    templates = [template for _method, template in operations]
    failures = []
    count = 0
    for method, path, response in records:
        if response.status_code != 200 or _is_stream(response):
            continue
        ref = operations[(method, _template_of(templates, path))]
        for error in _validator(registry_, ref).iter_errors(_for_validation(response.json())):
            failures.append(f"{method.upper()} {path} ({ref}): {error.message} at {list(error.absolute_path)}")
        count += 1
    return count, failures


def test_every_operation_in_the_schema_was_exercised(oas, recorded) -> None:
    assert unexercised(oas, recorded) == set()


def test_every_successful_response_validates_against_its_operations_schema(oas, registry, recorded) -> None:
    count, failures = response_failures(oas, registry, recorded)
    assert count > 50
    assert not failures, "\n".join(failures[:20])


def test_every_error_body_validates_against_error_response(registry, recorded) -> None:
    validator = _validator(registry, _component("ErrorResponse"))
    statuses = set()
    for method, path, response in recorded:
        if response.status_code == 200:
            continue
        statuses.add(response.status_code)
        errors = [e.message for e in validator.iter_errors(response.json())]
        assert not errors, f"{method.upper()} {path}: {errors}"
    assert statuses == {400, 401, 404, 429, 500}


def _events(records: list[tuple[str, str, Any]]) -> list[tuple[str, Any]]:
    found = []
    for _method, _path, response in records:
        if response.status_code == 200 and _is_stream(response):
            for block in response.text.strip().split("\n\n"):
                name = block.split("\n", 1)[0].removeprefix("event: ")
                found.append((name, None if name == "done" else _event_data(block)))
    return found


def test_every_streamed_event_carries_an_object_that_validates(registry, recorded) -> None:
    schemas = {"thread": "ThreadObject", "thread.run": "RunObject", "thread.run.step": "RunStepObject", "thread.message": "MessageObject"}
    events = _events(recorded)
    assert {name for name, _data in events} >= {"thread.created", "thread.run.requires_action", "thread.message.delta", "thread.run.completed", "done"}
    for name, data in events:
        if name == "done":
            continue
        if name == "thread.message.delta":
            assert data["object"] == "thread.message.delta" and data["delta"]["content"][0]["type"] == "text"
            continue
        errors = [e.message for e in _validator(registry, _component(schemas[data["object"]])).iter_errors(data)]
        assert not errors, f"{name}: {errors}"
        assert name.rsplit(".", 1)[0] == data["object"]


def _objects(records: list[tuple[str, str, Any]], kind: str) -> list[dict[str, Any]]:
    found = []
    for _method, _path, response in records:
        if response.status_code != 200 or _is_stream(response):
            continue
        body = response.json()
        for item in body.get("data", []) if body.get("object") == "list" else [body]:
            if item.get("object") == kind:
                found.append(item)
    return found


def test_runs_were_seen_in_every_status_the_schema_names(oas, recorded) -> None:
    statuses = oas["components"]["schemas"]["RunObject"]["properties"]["status"]["enum"]
    assert {run["status"] for run in _objects(recorded, "thread.run")} == set(statuses)


def test_steps_of_both_types_and_messages_in_every_state_were_seen(recorded) -> None:
    steps = _objects(recorded, "thread.run.step")
    assert {step["type"] for step in steps} == {"message_creation", "tool_calls"}
    assert {step["status"] for step in steps} >= {"in_progress", "completed", "cancelled", "expired"}
    calls = {call["type"] for step in steps if step["type"] == "tool_calls" for call in step["step_details"]["tool_calls"]}
    assert calls == {"function", "code_interpreter"}
    assert {message["status"] for message in _objects(recorded, "thread.message")} == {"in_progress", "completed", "incomplete"}


@pytest.mark.parametrize(("kind", "schema"), [
    ("thread.run", "RunObject"), ("thread.run.step", "RunStepObject"), ("thread.message", "MessageObject"),
    ("thread", "ThreadObject"), ("assistant", "AssistantObject"),
])
def test_objects_carry_every_required_field_and_nothing_the_schema_does_not_define(oas, recorded, kind, schema) -> None:
    definition = oas["components"]["schemas"][schema]
    objects = _objects(recorded, kind)
    assert objects
    for obj in objects:
        assert set(definition["required"]) <= set(obj), f"{kind} lacks {set(definition['required']) - set(obj)}"
        assert set(obj) <= set(definition["properties"]), f"{kind} has fields the schema does not define: {set(obj) - set(definition['properties'])}"


def test_the_empty_list_exception_is_still_needed(oas) -> None:
    """If the schema ever allows null first_id/last_id, drop the stand-in in _for_validation."""
    for name in ("ListRunsResponse", "ListRunStepsResponse", "ListMessagesResponse", "ListAssistantsResponse"):
        for key in ("first_id", "last_id"):
            definition = oas["components"]["schemas"][name]["properties"][key]
            assert definition["type"] == "string" and "anyOf" not in definition, f"{name}.{key} is now {definition}"
