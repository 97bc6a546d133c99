# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""openai_thread as a playbook runs it: options refused before any request, a new thread on every run without
thread_id (and a lost create never re-sent), updates of metadata and tool_resources that send only what differs,
deletion that tolerates a missing thread, and check mode that sends only reads."""

from __future__ import annotations

import json

import pytest

from ansible_collections.llmops.assistants.plugins.modules import openai_thread
from ansible_collections.llmops.assistants.tests.unit.plugins.fakes import body_of, connection_reset, requests_made

Thread = openai_thread.OpenAIThread
NOT_FOUND = (404, {"error": {"message": "No thread found with id 'thread_9'.", "type": "invalid_request_error"}})


def thread(ident: str = "thread_1", **fields):
    body = {"id": ident, "object": "thread", "created_at": 1700000000, "metadata": {}, "tool_resources": {}}
    body.update(fields)
    return body


# ---- options refused before any request ----------------------------------------------------------

@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"state": "absent"}, "state is absent but all of the following are missing: thread_id"),
        ({"metadata": {"count": 3}}, "metadata.count must be a string (quote it in YAML); got int 3."),
        ({"metadata": {f"k{n}": "v" for n in range(17)}}, "metadata may hold at most 16 pairs; got 17."),
        ({"messages": [{"role": "system", "content": "hi"}]}, "value of role must be one of: user, assistant, got: system"),
        ({"messages": [{"role": "user", "content": ""}]}, "messages[0].content must be a non-empty string"),
        ({"messages": [{"role": "user", "content": "hi", "metadata": {"n": 1}}]}, "messages[0].metadata.n must be a string"),
        ({"tool_resources": {"code_interpreter": {"file_ids": "file_1"}}},
         "tool_resources.code_interpreter.file_ids must be a list of IDs (strings); got str 'file_1'."),
        ({"tool_resources": {"file_search": {"vector_store_ids": ["vs_1"], "vector_stores": [{}]}}},
         "tool_resources.file_search takes vector_store_ids or vector_stores, not both."),
        ({"thread_id": "thread 1"}, "thread_id must be an id made of letters, digits"),
    ],
)
def test_bad_options_fail_with_a_message_naming_them_and_send_nothing(run_module, server, options, message):
    result = run_module(Thread, **options).result
    assert result["failed"] is True
    assert message in result["msg"]
    assert server.sent == []


# ---- creating ------------------------------------------------------------------------------------

def test_without_thread_id_a_thread_is_created_with_its_messages(run_module, server):
    server.add((200, thread("thread_new", metadata={"purpose": "demo"})))
    result = run_module(Thread, messages=[{"role": "user", "content": "What is 2 + 2?"}], metadata={"purpose": "demo"}).result
    assert result["changed"] is True
    assert result["thread_id"] == "thread_new"
    assert result["thread"]["metadata"] == {"purpose": "demo"}
    assert requests_made(server) == [("POST", "/threads")]
    assert body_of(server, 0) == {"messages": [{"role": "user", "content": "What is 2 + 2?"}], "metadata": {"purpose": "demo"}}


def test_a_v1_attachment_is_sent_in_its_v2_form_with_a_warning(run_module, server):
    server.add((200, thread("thread_new")))
    result = run_module(Thread, messages=[{"role": "user", "content": "Read this", "attachments": [{"file_id": "file_1"}]}]).result
    assert body_of(server, 0)["messages"][0]["attachments"] == [{"file_id": "file_1", "tools": [{"type": "file_search"}]}]
    # ansible-core 2.19 returns each warning as a structured summary, older cores as a string.
    assert "an attachment without tools is the v1 form" in json.dumps(result["warnings"])


def test_a_lost_create_answer_is_not_sent_again(run_module, server):
    server.add(connection_reset())
    result = run_module(Thread, messages=[{"role": "user", "content": "hi"}]).result
    assert result["failed"] is True
    assert "it cannot be looked up, so it was not sent again" in result["msg"]
    assert requests_made(server) == [("POST", "/threads")]
    # The thread may well exist: the task must not say it changed nothing (#12 item 3).
    assert result["changed"] is True and result["thread_id"] is None


def test_an_update_whose_answer_was_lost_still_reports_the_change_and_the_id(run_module, server):
    server.add((200, thread()), *[connection_reset()] * 4)
    result = run_module(Thread, thread_id="thread_1", metadata={"purpose": "demo"}).result
    assert result["failed"] is True and "gave up after 4 attempts" in result["msg"]
    assert result["changed"] is True and result["thread_id"] == "thread_1"


def test_a_delete_that_failed_with_5xx_still_reports_the_change_and_the_id(run_module, server):
    server.add((200, thread()), *[(500, {"error": {"message": "boom", "type": "server_error"}})] * 4)
    result = run_module(Thread, thread_id="thread_1", state="absent").result
    assert result["failed"] is True and result["changed"] is True and result["thread_id"] == "thread_1"
    assert result["api_error"]["status"] == 500


def test_an_update_refused_outright_changed_nothing(run_module, server):
    server.add((200, thread()), (400, {"error": {"message": "Invalid metadata.", "type": "invalid_request_error"}}))
    result = run_module(Thread, thread_id="thread_1", metadata={"purpose": "demo"}).result
    assert result["failed"] is True and result.get("changed", False) is False


def test_check_mode_without_thread_id_reports_a_new_thread_and_sends_nothing(run_module, server):
    result = run_module(Thread, check=True, diff=True, metadata={"purpose": "demo"}).result
    assert result["changed"] is True
    assert result["thread"] is None and result["thread_id"] is None
    assert result["diff"] == {"before": {}, "after": {"metadata": {"purpose": "demo"}}}
    assert server.sent == []


# ---- updating ------------------------------------------------------------------------------------

def test_with_thread_id_and_nothing_different_only_reads(run_module, server):
    server.add((200, thread(metadata={"purpose": "demo"}, tool_resources={"code_interpreter": {"file_ids": []}})))
    result = run_module(Thread, thread_id="thread_1", messages=[{"role": "user", "content": "not sent again"}], metadata={"purpose": "demo"}).result
    assert result["changed"] is False
    assert result["thread_id"] == "thread_1"
    assert requests_made(server) == [("GET", "/threads/thread_1")]


def test_an_update_sends_only_what_differs(run_module, server):
    current = thread(metadata={"purpose": "demo"}, tool_resources={"code_interpreter": {"file_ids": []}})
    server.add((200, current), (200, dict(current, metadata={"purpose": "prod"})))
    result = run_module(
        Thread, thread_id="thread_1", diff=True, metadata={"purpose": "prod"},
        tool_resources={"code_interpreter": {"file_ids": []}},
    ).result
    assert result["changed"] is True
    assert requests_made(server) == [("GET", "/threads/thread_1"), ("POST", "/threads/thread_1")]
    assert body_of(server, 1) == {"metadata": {"purpose": "prod"}}
    assert result["diff"]["before"]["metadata"] == {"purpose": "demo"}
    assert result["diff"]["after"]["metadata"] == {"purpose": "prod"}


def test_an_update_in_check_mode_only_reads(run_module, server):
    server.add((200, thread()))
    result = run_module(Thread, thread_id="thread_1", check=True, tool_resources={"file_search": {"vector_store_ids": ["vs_1"]}}).result
    assert result["changed"] is True
    assert requests_made(server) == [("GET", "/threads/thread_1")]


def test_a_missing_thread_fails_with_state_present(run_module, server):
    server.add(NOT_FOUND)
    result = run_module(Thread, thread_id="thread_9", metadata={"a": "b"}).result
    assert result["failed"] is True
    assert result["msg"] == "Thread thread_9 was not found (deleted?). Leave thread_id out to create a new thread."


# ---- deleting ------------------------------------------------------------------------------------

def test_absent_deletes_the_thread(run_module, server):
    server.add((200, thread()), (200, {"id": "thread_1", "object": "thread.deleted", "deleted": True}))
    result = run_module(Thread, thread_id="thread_1", state="absent").result
    assert result["changed"] is True
    assert requests_made(server) == [("GET", "/threads/thread_1"), ("DELETE", "/threads/thread_1")]


def test_flipped_to_absent_a_task_keeps_its_creation_options_and_deletes_the_thread(run_module, server):
    server.add((200, thread()), (200, {"id": "thread_1", "object": "thread.deleted", "deleted": True}))
    result = run_module(Thread, thread_id="thread_1", state="absent", messages=[{"role": "user", "content": "hi"}],
                        metadata={"purpose": "demo"}, tool_resources={"code_interpreter": {"file_ids": []}}).result
    assert result["changed"] is True, result
    assert requests_made(server) == [("GET", "/threads/thread_1"), ("DELETE", "/threads/thread_1")]


def test_absent_with_a_missing_thread_changes_nothing(run_module, server):
    server.add(NOT_FOUND)
    result = run_module(Thread, thread_id="thread_9", state="absent").result
    assert result["changed"] is False
    assert requests_made(server) == [("GET", "/threads/thread_9")]


def test_absent_in_check_mode_sends_no_delete(run_module, server):
    server.add((200, thread()))
    result = run_module(Thread, thread_id="thread_1", state="absent", check=True).result
    assert result["changed"] is True
    assert requests_made(server) == [("GET", "/threads/thread_1")]


# ---- a server that does not keep what it was asked to set (#12 item 9) ---------------------------

def warnings_of(result):
    # ansible-core 2.19 returns each warning as a structured summary, older cores as a string.
    return json.dumps(result.get("warnings", []))


def test_a_server_that_answers_an_update_without_the_metadata_gets_a_warning_naming_it(run_module, server):
    server.add((200, thread()), (200, thread(metadata={})))
    result = run_module(Thread, thread_id="thread_1", metadata={"purpose": "demo"}).result
    assert result["changed"] is True
    assert "The server did not keep the metadata it was asked to set on thread thread_1" in warnings_of(result)


def test_a_server_whose_threads_have_no_metadata_field_gets_a_warning_not_silence(run_module, server):
    # open-assistant-api answers threads with metadata_ instead of metadata.
    dropped = {"id": "thread_1", "object": "thread", "created_at": 1700000000, "metadata_": {}, "tool_resources": {}}
    server.add((200, dropped))
    result = run_module(Thread, thread_id="thread_1", metadata={"purpose": "demo"}).result
    assert result["changed"] is False
    assert "The server's thread thread_1 has no metadata, so the metadata this task sets can be neither compared nor kept" \
        in warnings_of(result)


def test_a_create_answered_without_the_metadata_gets_a_warning(run_module, server):
    server.add((200, {"id": "thread_new", "object": "thread", "created_at": 1700000000, "metadata_": {"purpose": "demo"}}))
    result = run_module(Thread, metadata={"purpose": "demo"}).result
    assert result["changed"] is True and result["thread_id"] == "thread_new"
    assert "did not keep the metadata it was asked to set on thread thread_new: its answer has no metadata" in warnings_of(result)


def test_an_update_the_server_kept_gives_no_warning(run_module, server):
    server.add((200, thread()), (200, thread(metadata={"purpose": "demo"})))
    result = run_module(Thread, thread_id="thread_1", metadata={"purpose": "demo"}).result
    assert result["changed"] is True and "warnings" not in result
