# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Modify and delete message, answered and refused as the hosted API did (responses are schema-checked in test_..._schema)."""

from __future__ import annotations

from typing import Any

import requests


def _error(response: requests.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json()["error"]


def _message(api: Any, thread_id: str, **fields: Any) -> dict[str, Any]:
    return api.post(f"/threads/{thread_id}/messages", {"role": "user", "content": "hi", **fields})


def test_modify_replaces_the_metadata_and_nothing_else(api) -> None:
    thread = api.thread(None)
    message = _message(api, thread["id"], metadata={"a": "1"})
    changed = api.post(f"/threads/{thread['id']}/messages/{message['id']}", {"metadata": {"b": "2"}})
    assert changed["metadata"] == {"b": "2"}
    assert {k: v for k, v in changed.items() if k != "metadata"} == {k: v for k, v in message.items() if k != "metadata"}
    assert api.get(f"/threads/{thread['id']}/messages/{message['id']}")["metadata"] == {"b": "2"}
    assert api.post(f"/threads/{thread['id']}/messages/{message['id']}", {})["metadata"] == {"b": "2"}  # no metadata: kept


def test_modify_accepts_only_metadata_and_checks_it(api) -> None:
    thread = api.thread(None)
    message = _message(api, thread["id"])
    path = f"/threads/{thread['id']}/messages/{message['id']}"
    content = _error(api.request("POST", path, {"content": "new"}), 400)
    assert (content["message"], content["param"]) == ("Unrecognized request argument supplied: content", "content")
    too_long = _error(api.request("POST", path, {"metadata": {"k": "v" * 513}}), 400)
    assert too_long["param"] == "metadata.k"
    assert api.get(f"/threads/{thread['id']}/messages/{message['id']}")["metadata"] == {}


def test_delete_answers_thread_message_deleted_and_the_message_is_gone(api) -> None:
    thread = api.thread(None)
    keep = _message(api, thread["id"], content="keep")
    gone = _message(api, thread["id"], content="gone")
    answer = api.ok("DELETE", f"/threads/{thread['id']}/messages/{gone['id']}")
    assert answer == {"id": gone["id"], "object": "thread.message.deleted", "deleted": True}
    assert [m["id"] for m in api.get(f"/threads/{thread['id']}/messages")["data"]] == [keep["id"]]
    missing = _error(api.request("GET", f"/threads/{thread['id']}/messages/{gone['id']}"), 404)
    assert missing["message"] == f"No message found with id '{gone['id']}'."
    again = _error(api.request("DELETE", f"/threads/{thread['id']}/messages/{gone['id']}"), 404)
    assert again["message"] == f"No message found with id '{gone['id']}'."


def test_unknown_thread_or_message_is_404_for_modify_and_delete(api) -> None:
    thread = api.thread(None)
    for method, body in (("POST", {"metadata": {}}), ("DELETE", None)):
        assert _error(api.request(method, f"/threads/{thread['id']}/messages/msg_nope", body), 404)["message"] == "No message found with id 'msg_nope'."
        assert _error(api.request(method, "/threads/thread_nope/messages/msg_nope", body), 404)["message"] == "No thread found with id 'thread_nope'."


def test_during_an_active_run_metadata_may_change_but_messages_are_neither_added_nor_deleted(api) -> None:
    thread = api.thread("question")
    message = api.get(f"/threads/{thread['id']}/messages")["data"][0]
    run = api.run(thread["id"], api.assistant()["id"], metadata={"sim_seconds": "60"})
    added = _error(api.request("POST", f"/threads/{thread['id']}/messages", {"role": "user", "content": "x"}), 400)
    assert added["message"] == f"Can't add messages to {thread['id']} while a run {run['id']} is active."
    deleted = _error(api.request("DELETE", f"/threads/{thread['id']}/messages/{message['id']}"), 400)
    assert deleted["message"] == f"Can't delete messages from {thread['id']} while a run {run['id']} is active."
    assert api.post(f"/threads/{thread['id']}/messages/{message['id']}", {"metadata": {"seen": "yes"}})["metadata"] == {"seen": "yes"}
    api.advance(60)
    api.wait(run, "completed")
    assert api.ok("DELETE", f"/threads/{thread['id']}/messages/{message['id']}")["deleted"] is True
