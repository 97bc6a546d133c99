# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""openai_message and openai_messages_info as a user runs them, against the local server (tools/assistants_server)
in this process: add, the same task again, check mode, metadata update, delete, listing both ways and all pages,
the run filter, and bad input refused by name with no request sent."""

from __future__ import annotations

import sys
import typing as t
from pathlib import Path

import pytest
import requests

from ansible.module_utils.common import warnings as ansible_warnings
from ansible_collections.llmops.assistants.plugins.modules import openai_message, openai_messages_info

TOOLS = Path(__file__).resolve().parents[4] / "tools"
if str(TOOLS) not in sys.path:
    sys.path.insert(0, str(TOOLS))

from assistants_server import start_server  # noqa: E402  pylint: disable=wrong-import-position,import-error

HEADERS = {"Authorization": "Bearer sk-test", "OpenAI-Beta": "assistants=v2"}


@pytest.fixture(autouse=True)
def _fresh_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ansible_warnings, "_global_warnings", type(ansible_warnings._global_warnings)())


@pytest.fixture(scope="module", name="local_server")
def fixture_local_server() -> t.Iterator[t.Any]:
    handle = start_server(run_seconds=0.05, poll_after_ms=10)
    try:
        yield handle
    finally:
        handle.stop()


class Api:
    def __init__(self, base: str) -> None:
        self.base = base
        self.session = requests.Session()
        self.session.trust_env = False

    def call(self, method: str, path: str, body: t.Any = None, **params: t.Any) -> dict[str, t.Any]:
        response = self.session.request(method, f"{self.base}/v1{path}", json=body, params=params or None, headers=HEADERS, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def requests_seen(self) -> list[dict[str, t.Any]]:
        return self.session.get(f"{self.base}/__control/requests", timeout=10).json()["requests"]

    def forget_requests(self) -> None:
        self.session.delete(f"{self.base}/__control/requests", timeout=10)


@pytest.fixture(name="api")
def fixture_api(local_server: t.Any) -> t.Iterator[Api]:
    api = Api(local_server.base)
    api.session.post(f"{local_server.base}/__control/reset", json={}, timeout=10)
    yield api
    api.session.close()


@pytest.fixture(name="server")
def fixture_server() -> requests.adapters.HTTPAdapter:
    """run_module's transport: real HTTP, to the local server."""
    return requests.adapters.HTTPAdapter()


@pytest.fixture(name="task_defaults")
def fixture_task_defaults(local_server: t.Any) -> dict[str, t.Any]:
    return {"api_base": f"{local_server.base}/v1", "api_key": "sk-test", "max_retries": 0}


@pytest.fixture(name="secrets")
def fixture_secrets() -> tuple[str, ...]:
    return ("sk-test",)


@pytest.fixture(name="task")
def fixture_task(run_module: t.Any) -> t.Callable[..., dict[str, t.Any]]:
    """task(module, **options) -> the module's result."""
    return lambda module, **args: run_module(module, **args).result


def test_add_then_the_same_task_finds_its_message(api, task) -> None:
    thread = api.call("POST", "/threads", {})
    added = task(openai_message, thread_id=thread["id"], content="Hello", metadata={"source": "test"})
    assert added["changed"] is True
    assert added["message"]["text"] == "Hello" and added["message"]["role"] == "user"
    assert added["message"]["metadata"]["source"] == "test" and "ansible_idempotency_key" in added["message"]["metadata"]
    again = task(openai_message, thread_id=thread["id"], content="Hello", metadata={"source": "test"})
    assert again["changed"] is False and again["message"]["id"] == added["message"]["id"]
    assert len(api.call("GET", f"/threads/{thread['id']}/messages")["data"]) == 1


def test_check_mode_adds_nothing_and_says_it_would(api, task) -> None:
    thread = api.call("POST", "/threads", {})
    api.forget_requests()
    checked = task(openai_message, thread_id=thread["id"], content="Hello", _ansible_check_mode=True, _ansible_diff=True)
    assert checked["changed"] is True and checked["message"] is None
    assert checked["diff"]["before"] == {} and checked["diff"]["after"]["role"] == "user"
    assert api.call("GET", f"/threads/{thread['id']}/messages")["data"] == []
    assert {entry["method"] for entry in api.requests_seen()} == {"GET"}


def test_changed_metadata_updates_the_same_message_and_message_id_updates_any(api, task) -> None:
    thread = api.call("POST", "/threads", {"messages": [{"role": "user", "content": "first"}]})
    added = task(openai_message, thread_id=thread["id"], role="assistant", content=[{"type": "text", "text": "Answer"}], metadata={"v": "1"})
    changed = task(openai_message, thread_id=thread["id"], role="assistant", content=[{"type": "text", "text": "Answer"}], metadata={"v": "2"},
                   _ansible_diff=True)
    assert changed["changed"] is True and changed["message"]["id"] == added["message"]["id"]
    assert changed["message"]["metadata"] == {"v": "2", "ansible_idempotency_key": added["message"]["metadata"]["ansible_idempotency_key"]}
    assert changed["diff"]["before"]["metadata"]["v"] == "1" and changed["diff"]["after"]["metadata"]["v"] == "2"
    first = api.call("GET", f"/threads/{thread['id']}/messages", order="asc")["data"][0]
    by_id = task(openai_message, thread_id=thread["id"], message_id=first["id"], metadata={"reviewed": "yes"})
    assert by_id["changed"] is True and by_id["message"]["metadata"] == {"reviewed": "yes"}
    same = task(openai_message, thread_id=thread["id"], message_id=first["id"], metadata={"reviewed": "yes"})
    assert same["changed"] is False


def test_delete_by_id_and_by_the_task_that_added_it(api, task) -> None:
    thread = api.call("POST", "/threads", {})
    added = task(openai_message, thread_id=thread["id"], content="bye")
    gone = task(openai_message, thread_id=thread["id"], content="bye", state="absent")
    assert gone["changed"] is True and gone["message"]["id"] == added["message"]["id"]
    assert api.call("GET", f"/threads/{thread['id']}/messages")["data"] == []
    again = task(openai_message, thread_id=thread["id"], content="bye", state="absent")
    assert again["changed"] is False and again["message"] is None
    other = task(openai_message, thread_id=thread["id"], content="other", idempotency_key="k1")
    checked = task(openai_message, thread_id=thread["id"], message_id=other["message"]["id"], state="absent", _ansible_check_mode=True)
    assert checked["changed"] is True and len(api.call("GET", f"/threads/{thread['id']}/messages")["data"]) == 1
    by_key = task(openai_message, thread_id=thread["id"], idempotency_key="k1", state="absent")
    assert by_key["changed"] is True and api.call("GET", f"/threads/{thread['id']}/messages")["data"] == []


def test_adding_during_an_active_run_fails_with_the_api_message(api, task) -> None:
    assistant = api.call("POST", "/assistants", {"model": "gpt-4o"})
    run_ = api.call("POST", "/threads/runs", {"assistant_id": assistant["id"], "metadata": {"sim_seconds": "60"}})
    failed = task(openai_message, thread_id=run_["thread_id"], content="more")
    assert failed["failed"] is True
    assert failed["msg"].endswith(f"(HTTP 400, invalid_request_error): Can't add messages to {run_['thread_id']} while a run {run_['id']} is active.")


@pytest.mark.parametrize(("args", "text"), [
    ({"content": ""}, "content must be a non-empty string or a non-empty list of content parts"),
    ({"content": 42}, "content must be a non-empty string or a non-empty list of content parts; got int 42"),
    ({"content": [{"type": "video"}]}, "content[0] must be a dict whose type is one of text, image_file, image_url"),
    ({"content": "x", "metadata": {"n": 1}}, "metadata.n must be a string"),
    ({"content": "x", "metadata": {f"k{n}": "v" for n in range(16)}}, "metadata may hold at most 15 pairs"),
    ({"content": "x", "attachments": [{"tools": []}]}, "attachments[0] must be a dict with a file_id"),
    ({}, "content is required to add a message"),
    ({"message_id": "msg_1", "content": "x"}, "parameters are mutually exclusive: message_id|content"),
    ({"message_id": "../x"}, "message_id must be an id"),
    ({"content": "x", "role": "system"}, "value of role must be one of: user, assistant"),
])
def test_bad_input_names_the_option_and_sends_nothing(api, task, args, text) -> None:
    api.forget_requests()
    failed = task(openai_message, thread_id="thread_x", **args)
    assert failed["failed"] is True and text in failed["msg"]
    assert api.requests_seen() == []


# ---- openai_messages_info ----

def _thread_of(api: Api, count: int) -> tuple[str, list[str]]:
    thread = api.call("POST", "/threads", {"messages": [{"role": "user", "content": f"m{n}"} for n in range(count)]})
    ids = [m["id"] for m in api.call("GET", f"/threads/{thread['id']}/messages", order="asc", limit=100)["data"]]
    return thread["id"], ids


def test_listing_in_both_orders_with_text(api, task) -> None:
    thread_id, ids = _thread_of(api, 5)
    newest = task(openai_messages_info, thread_id=thread_id, limit=2)
    assert [m["id"] for m in newest["messages"]] == ids[::-1][:2] and newest["has_more"] is True
    assert [m["text"] for m in newest["messages"]] == ["m4", "m3"] and newest["changed"] is False
    oldest = task(openai_messages_info, thread_id=thread_id, order="asc")
    assert [m["id"] for m in oldest["messages"]] == ids and oldest["has_more"] is False
    assert (oldest["first_id"], oldest["last_id"]) == (ids[0], ids[-1])


def test_paging_both_ways_is_exact_and_all_pages_takes_the_fewest_requests(api, task) -> None:
    thread_id, ids = _thread_of(api, 7)
    first = task(openai_messages_info, thread_id=thread_id, order="asc", limit=3)
    second = task(openai_messages_info, thread_id=thread_id, order="asc", limit=3, after=first["last_id"])
    third = task(openai_messages_info, thread_id=thread_id, order="asc", limit=3, after=second["last_id"])
    assert [m["id"] for page in (first, second, third) for m in page["messages"]] == ids
    assert [page["has_more"] for page in (first, second, third)] == [True, True, False]
    back = task(openai_messages_info, thread_id=thread_id, order="asc", limit=2, before=second["first_id"])
    assert [m["id"] for m in back["messages"]] == ids[1:3] and back["has_more"] is True
    api.forget_requests()
    every = task(openai_messages_info, thread_id=thread_id, all_pages=True)
    assert [m["id"] for m in every["messages"]] == ids[::-1] and every["has_more"] is False
    assert len([r for r in api.requests_seen() if r["path"].endswith("/messages")]) == 1


def test_the_run_filter_returns_the_runs_answer(api, task) -> None:
    assistant = api.call("POST", "/assistants", {"model": "gpt-4o"})
    body = {"assistant_id": assistant["id"], "thread": {"messages": [{"role": "user", "content": "hi"}]}, "metadata": {"sim_seconds": "0"}}
    run_ = api.call("POST", "/threads/runs", body)
    api.call("GET", f"/threads/{run_['thread_id']}/runs/{run_['id']}")  # the clock moves the run to its end
    answer = task(openai_messages_info, thread_id=run_["thread_id"], run_id=run_["id"])
    assert [(m["role"], m["text"], m["run_id"]) for m in answer["messages"]] == [("assistant", "Echo: hi", run_["id"])]


@pytest.mark.parametrize(("args", "text"), [
    ({"limit": 0}, "limit must be at least 1; got 0"),
    ({"limit": 5, "all_pages": True}, "limit cannot be combined with all_pages=true"),
    ({"after": "msg_1", "before": "msg_2"}, "parameters are mutually exclusive: after|before"),
    ({"run_id": "run 1"}, "run_id must be an id"),
    ({"order": "up"}, "value of order must be one of: asc, desc"),
])
def test_info_bad_input_names_the_option_and_sends_nothing(api, task, args, text) -> None:
    api.forget_requests()
    failed = task(openai_messages_info, thread_id="thread_x", **args)
    assert failed["failed"] is True and text in failed["msg"]
    assert api.requests_seen() == []


def test_a_missing_thread_is_named(api, task) -> None:
    failed = task(openai_messages_info, thread_id="thread_gone")
    assert failed["failed"] is True and failed["msg"].startswith("Thread thread_gone was not found")


def test_a_missing_message_or_thread_is_named_and_absent_is_unchanged(api, task) -> None:
    thread = api.call("POST", "/threads", {})
    missing = task(openai_message, thread_id=thread["id"], message_id="msg_gone", metadata={"a": "b"})
    assert missing["failed"] is True and missing["msg"].startswith(f"Message msg_gone was not found on thread {thread['id']}")
    no_thread = task(openai_message, thread_id="thread_gone", content="hi")
    assert no_thread["failed"] is True and no_thread["msg"].startswith("Thread thread_gone was not found")
    for args in ({"message_id": "msg_gone"}, {"content": "hi"}):
        gone = task(openai_message, thread_id="thread_gone", state="absent", **args)
        assert gone["changed"] is False and gone["message"] is None


def test_flipped_to_absent_a_task_with_message_id_and_metadata_deletes_the_message(api, task) -> None:
    thread = api.call("POST", "/threads", {"messages": [{"role": "user", "content": "first"}]})
    first = api.call("GET", f"/threads/{thread['id']}/messages")["data"][0]
    gone = task(openai_message, thread_id=thread["id"], message_id=first["id"], metadata={"reviewed": "yes"}, state="absent")
    assert gone["changed"] is True and gone["message"]["id"] == first["id"]
    assert api.call("GET", f"/threads/{thread['id']}/messages")["data"] == []
