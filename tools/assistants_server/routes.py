# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The /v1 endpoints, paths exactly as in the official schema. Each runs with the store lock held."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from assistants_server import validation as v
from assistants_server.errors import bad_request
from assistants_server.lifecycle import Lifecycle, RunState
from assistants_server.pagination import paginate, parse_page
from assistants_server.store import Store, new_id


@dataclass
class Call:
    """One request, as the endpoints see it."""

    params: dict[str, str]
    query: dict[str, list[str]]
    body: Any
    now: float
    store: Store
    lifecycle: Lifecycle


@dataclass
class Result:
    body: dict[str, Any]
    is_run: bool = False  # run objects carry the openai-poll-after-ms header
    stream: RunState | None = None  # set when the answer is a server-sent event stream


Endpoint = Callable[[Call], Result]


# ---- building objects --------------------------------------------------------------------------

def _text_part(value: str) -> dict[str, Any]:
    return {"type": "text", "text": {"value": value, "annotations": []}}


def _content(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        if not content:
            raise bad_request("Invalid 'content': string too short. Expected a string with minimum length 1, but got an empty string instead.",
                              param="content", code="string_below_min_length")
        return [_text_part(content)]
    parts = []
    for part in content:
        if part["type"] == "text":
            parts.append(_text_part(part["text"]))
        elif part["type"] == "image_file":
            parts.append({"type": "image_file", "image_file": {"file_id": part["image_file"]["file_id"], "detail": part["image_file"].get("detail", "auto")}})
        else:
            parts.append({"type": "image_url", "image_url": {"url": part["image_url"]["url"], "detail": part["image_url"].get("detail", "auto")}})
    return parts


def build_message(thread_id: str, body: dict[str, Any], now: float) -> dict[str, Any]:
    created_at = int(now)
    return {
        "id": new_id("msg_"),
        "object": "thread.message",
        "created_at": created_at,
        "thread_id": thread_id,
        "status": "completed",
        "incomplete_details": None,
        "completed_at": created_at,
        "incomplete_at": None,
        "role": body["role"],
        "content": _content(body["content"]),
        "assistant_id": None,
        "run_id": None,
        "attachments": body.get("attachments") or [],
        "metadata": dict(body.get("metadata") or {}),
    }


def _tool_resources(resources: dict[str, Any] | None) -> dict[str, Any]:
    """Echo tool resources; the `vector_stores` helper becomes the id of a (pretend) new vector store."""
    if not resources:
        return {}
    out: dict[str, Any] = {}
    if "code_interpreter" in resources:
        out["code_interpreter"] = {"file_ids": list(resources["code_interpreter"].get("file_ids") or [])}
    if "file_search" in resources:
        search = resources["file_search"]
        ids = list(search.get("vector_store_ids") or [])
        ids += [new_id("vs_") for _store in search.get("vector_stores") or []]
        out["file_search"] = {"vector_store_ids": ids}
    return out


def _new_thread(store: Store, body: dict[str, Any], now: float) -> dict[str, Any]:
    messages = [build_message("", message, now) for message in body.get("messages") or []]  # build first: may raise
    thread = {"id": new_id("thread_"), "object": "thread", "created_at": int(now),
              "tool_resources": _tool_resources(body.get("tool_resources")), "metadata": dict(body.get("metadata") or {})}
    store.add_thread(thread)
    for message in messages:
        message["thread_id"] = thread["id"]
        store.add_message(message)
    return thread


# ---- assistants --------------------------------------------------------------------------------

def _assistant_default(key: str) -> Any:
    defaults: dict[str, Any] = {"name": None, "description": None, "instructions": None, "tools": [], "metadata": {}, "temperature": 1.0,
                                "top_p": 1.0, "response_format": "auto"}
    return defaults[key]


def _apply_assistant_fields(assistant: dict[str, Any], body: dict[str, Any]) -> None:
    for key in ("model", "name", "description", "instructions", "tools", "metadata", "temperature", "top_p", "response_format"):
        if key in body:
            assistant[key] = _assistant_default(key) if body[key] is None else body[key]
    if "tool_resources" in body:
        assistant["tool_resources"] = _tool_resources(body["tool_resources"])
    # reasoning_effort is accepted but not echoed: AssistantObject has no such field.


def create_assistant(call: Call) -> Result:
    body = v.check_body(v.CREATE_ASSISTANT, call.body)
    assistant: dict[str, Any] = {"id": new_id("asst_"), "object": "assistant", "created_at": int(call.now), "name": None, "description": None,
                                 "model": body["model"], "instructions": None, "tools": [], "tool_resources": {}, "metadata": {},
                                 "temperature": 1.0, "top_p": 1.0, "response_format": "auto"}
    _apply_assistant_fields(assistant, body)
    call.store.add_assistant(assistant)
    return Result(assistant)


def list_assistants(call: Call) -> Result:
    return Result(paginate(call.store.assistants.values(), parse_page(call.query)))


def get_assistant(call: Call) -> Result:
    return Result(call.store.assistant(call.params["assistant_id"]))


def modify_assistant(call: Call) -> Result:
    assistant = call.store.assistant(call.params["assistant_id"])
    body = v.check_body(v.MODIFY_ASSISTANT, call.body)
    _apply_assistant_fields(assistant, body)
    return Result(assistant)


def delete_assistant(call: Call) -> Result:
    assistant_id = call.params["assistant_id"]
    call.store.delete_assistant(assistant_id)
    return Result({"id": assistant_id, "object": "assistant.deleted", "deleted": True})


# ---- threads and messages ----------------------------------------------------------------------

def create_thread(call: Call) -> Result:
    body = v.check_body(v.CREATE_THREAD, call.body)
    return Result(_new_thread(call.store, body, call.now))


def get_thread(call: Call) -> Result:
    return Result(call.store.thread(call.params["thread_id"]))


def modify_thread(call: Call) -> Result:
    thread = call.store.thread(call.params["thread_id"])
    body = v.check_body(v.MODIFY_THREAD, call.body)
    if "metadata" in body:
        thread["metadata"] = dict(body["metadata"] or {})
    if "tool_resources" in body:
        thread["tool_resources"] = _tool_resources(body["tool_resources"])
    return Result(thread)


def delete_thread(call: Call) -> Result:
    thread_id = call.params["thread_id"]
    call.store.delete_thread(thread_id)
    return Result({"id": thread_id, "object": "thread.deleted", "deleted": True})


def create_message(call: Call) -> Result:
    thread_id = call.params["thread_id"]
    call.store.thread(thread_id)
    body = v.check_body(v.CREATE_MESSAGE, call.body)
    active = call.store.active_runs.get(thread_id)
    if active:
        raise bad_request(f"Can't add messages to {thread_id} while a run {active} is active.")
    message = build_message(thread_id, body, call.now)
    call.store.add_message(message)
    return Result(message)


def list_messages(call: Call) -> Result:
    thread_id = call.params["thread_id"]
    call.store.thread(thread_id)
    page = parse_page(call.query)
    messages = list(call.store.messages[thread_id].values())
    run_ids = call.query.get("run_id")
    if run_ids:
        messages = [message for message in messages if message["run_id"] == run_ids[-1]]
    return Result(paginate(messages, page))


def get_message(call: Call) -> Result:
    return Result(call.store.message(call.params["thread_id"], call.params["message_id"]))


def modify_message(call: Call) -> Result:
    # Metadata only, allowed during a run: it changes nothing the run reads.
    message = call.store.message(call.params["thread_id"], call.params["message_id"])
    body = v.check_body(v.MODIFY_MESSAGE, call.body)
    if "metadata" in body:
        message["metadata"] = dict(body["metadata"] or {})
    return Result(message)


def delete_message(call: Call) -> Result:
    thread_id, message_id = call.params["thread_id"], call.params["message_id"]
    call.store.message(thread_id, message_id)
    active = call.store.active_runs.get(thread_id)
    if active:  # the conversation a run reads does not change under it, as for adding a message
        raise bad_request(f"Can't delete messages from {thread_id} while a run {active} is active.")
    call.store.delete_message(thread_id, message_id)
    return Result({"id": message_id, "object": "thread.message.deleted", "deleted": True})


# ---- runs --------------------------------------------------------------------------------------

def _refuse_second_run(store: Store, thread_id: str) -> None:
    active = store.active_runs.get(thread_id)
    if active:
        raise bad_request(f"Thread {thread_id} already has an active run {active}.")


def create_run(call: Call) -> Result:
    thread_id = call.params["thread_id"]
    call.store.thread(thread_id)
    body = v.check_body(v.CREATE_RUN, call.body)
    assistant = call.store.assistant(body["assistant_id"])
    _refuse_second_run(call.store, thread_id)
    plan = call.lifecycle.plan(assistant, body)
    messages = [build_message(thread_id, message, call.now) for message in body.get("additional_messages") or []]
    for message in messages:
        call.store.add_message(message)
    stream = bool(body.get("stream"))
    state = call.lifecycle.create(thread_id, assistant, body, plan, call.now, stream=stream)
    return Result(state.run, is_run=True, stream=state if stream else None)


def create_thread_and_run(call: Call) -> Result:
    body = v.check_body(v.CREATE_THREAD_AND_RUN, call.body)
    assistant = call.store.assistant(body["assistant_id"])
    plan = call.lifecycle.plan(assistant, body)
    thread_body = dict(body.get("thread") or {})
    if thread_body.get("tool_resources") is None and body.get("tool_resources") is not None:
        thread_body["tool_resources"] = body["tool_resources"]
    thread = _new_thread(call.store, thread_body, call.now)
    stream = bool(body.get("stream"))
    state = call.lifecycle.create(thread["id"], assistant, body, plan, call.now, stream=stream, thread_created=thread if stream else None)
    return Result(state.run, is_run=True, stream=state if stream else None)


def list_runs(call: Call) -> Result:
    thread_id = call.params["thread_id"]
    call.store.thread(thread_id)
    return Result(paginate(call.store.runs[thread_id].values(), parse_page(call.query)))


def get_run(call: Call) -> Result:
    return Result(call.store.run(call.params["thread_id"], call.params["run_id"]), is_run=True)


def modify_run(call: Call) -> Result:
    run = call.store.run(call.params["thread_id"], call.params["run_id"])
    body = v.check_body(v.MODIFY_RUN, call.body)
    if "metadata" in body:
        run["metadata"] = dict(body["metadata"] or {})
    return Result(run, is_run=True)


def cancel_run(call: Call) -> Result:
    run = call.store.run(call.params["thread_id"], call.params["run_id"])
    call.lifecycle.cancel(run, call.now)
    return Result(run, is_run=True)


def submit_tool_outputs(call: Call) -> Result:
    run = call.store.run(call.params["thread_id"], call.params["run_id"])
    if call.lifecycle.approvals and isinstance(call.body, dict) and "tool_approvals" in call.body:
        # Azure: the answer to a submit_tool_approval required action comes to the same endpoint.
        body = v.check_body(v.SUBMIT_TOOL_APPROVALS, call.body)
        stream = bool(body.get("stream"))
        state = call.lifecycle.submit_tool_approvals(run, body["tool_approvals"], call.now, stream=stream)
        return Result(run, is_run=True, stream=state if stream else None)
    body = v.check_body(v.SUBMIT_TOOL_OUTPUTS, call.body)
    stream = bool(body.get("stream"))
    state = call.lifecycle.submit_tool_outputs(run, body["tool_outputs"], call.now, stream=stream)
    return Result(run, is_run=True, stream=state if stream else None)


def list_steps(call: Call) -> Result:
    call.store.run(call.params["thread_id"], call.params["run_id"])
    return Result(paginate(call.store.steps[call.params["run_id"]].values(), parse_page(call.query)))


def get_step(call: Call) -> Result:
    return Result(call.store.step(call.params["thread_id"], call.params["run_id"], call.params["step_id"]))


# ---- the table ---------------------------------------------------------------------------------

def _route(method: str, template: str, endpoint: Endpoint) -> tuple[str, re.Pattern[str], Endpoint]:
    pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
    return method, re.compile(f"^/v1{pattern}$"), endpoint


# Order matters: /threads/runs before /threads/{thread_id}.
ROUTES = [
    _route("POST", "/assistants", create_assistant),
    _route("GET", "/assistants", list_assistants),
    _route("GET", "/assistants/{assistant_id}", get_assistant),
    _route("POST", "/assistants/{assistant_id}", modify_assistant),
    _route("DELETE", "/assistants/{assistant_id}", delete_assistant),
    _route("POST", "/threads", create_thread),
    _route("POST", "/threads/runs", create_thread_and_run),
    _route("GET", "/threads/{thread_id}", get_thread),
    _route("POST", "/threads/{thread_id}", modify_thread),
    _route("DELETE", "/threads/{thread_id}", delete_thread),
    _route("GET", "/threads/{thread_id}/messages", list_messages),
    _route("POST", "/threads/{thread_id}/messages", create_message),
    _route("GET", "/threads/{thread_id}/messages/{message_id}", get_message),
    _route("POST", "/threads/{thread_id}/messages/{message_id}", modify_message),
    _route("DELETE", "/threads/{thread_id}/messages/{message_id}", delete_message),
    _route("GET", "/threads/{thread_id}/runs", list_runs),
    _route("POST", "/threads/{thread_id}/runs", create_run),
    _route("GET", "/threads/{thread_id}/runs/{run_id}", get_run),
    _route("POST", "/threads/{thread_id}/runs/{run_id}", modify_run),
    _route("POST", "/threads/{thread_id}/runs/{run_id}/cancel", cancel_run),
    _route("POST", "/threads/{thread_id}/runs/{run_id}/submit_tool_outputs", submit_tool_outputs),
    _route("GET", "/threads/{thread_id}/runs/{run_id}/steps", list_steps),
    _route("GET", "/threads/{thread_id}/runs/{run_id}/steps/{step_id}", get_step),
]


def resolve(method: str, path: str) -> tuple[Endpoint, dict[str, str]] | None:
    for route_method, pattern, endpoint in ROUTES:
        if route_method != method:
            continue
        match = pattern.match(path)
        if match:
            return endpoint, match.groupdict()
    return None
