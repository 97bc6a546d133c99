# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What every module says about where it talks and what it was given.

An api_base without the Assistants API (a missing /v1, say): the server answers every path with the 404 it gives
for an unknown route; every module, with state absent as with present, fails saying so, and none reports "gone".
A password in api_base (http://user:secret@host) shows nowhere, and the id-format message gives an example of the
kind of id the option takes."""

from __future__ import annotations

import pytest

from ansible_collections.llmops.assistants.plugins.modules import (
    openai_assistant,
    openai_message,
    openai_messages_info,
    openai_run,
    openai_run_info,
    openai_runs_info,
    openai_thread,
    openai_thread_run,
)
from ansible_collections.llmops.assistants.tests.unit.plugins.fakes import connection_refused, make_response

BASE = "http://127.0.0.1:8000"


def no_route(request):
    # What the local server (and the hosted API) answers for a path it has no route for.
    path = request.path_url.split("?")[0]
    return make_response(404, {"error": {"message": f"Invalid URL ({request.method} {path})", "type": "invalid_request_error"}})


TASKS = [
    (openai_thread, {"thread_id": "thread_1", "state": "absent"}),
    (openai_thread, {"thread_id": "thread_1", "metadata": {"a": "b"}}),
    (openai_thread, {"messages": [{"role": "user", "content": "hi"}]}),
    (openai_assistant, {"assistant_id": "asst_1", "state": "absent"}),
    (openai_assistant, {"name": "helper", "state": "absent"}),
    (openai_assistant, {"name": "helper", "model": "gpt-4o"}),
    (openai_run, {"thread_id": "thread_1", "run_id": "run_1", "state": "absent"}),
    (openai_run, {"thread_id": "thread_1", "assistant_id": "asst_1", "state": "absent"}),
    (openai_run, {"thread_id": "thread_1", "assistant_id": "asst_1"}),
    (openai_thread_run, {"thread_id": "thread_1", "assistant_id": "asst_1", "state": "absent"}),
    (openai_thread_run, {"assistant_id": "asst_1"}),
    (openai_run_info, {"thread_id": "thread_1", "run_id": "run_1"}),
    (openai_runs_info, {"thread_id": "thread_1"}),
    (openai_message, {"thread_id": "thread_1", "message_id": "msg_1", "state": "absent"}),
    (openai_message, {"thread_id": "thread_1", "content": "hi", "state": "absent", "idempotency_key": "k1"}),
    (openai_message, {"thread_id": "thread_1", "content": "hi"}),
    (openai_messages_info, {"thread_id": "thread_1"}),
]


@pytest.mark.parametrize(("module", "options"), TASKS, ids=[f"{m.__name__.rsplit('.', 1)[-1]}-{n}" for n, (m, _o) in enumerate(TASKS)])
def test_every_module_fails_saying_api_base_has_no_assistants_api(run_module, server, module, options):
    server.add(*[no_route] * 3)
    ran = run_module(module, api_base=BASE, **options)
    result = ran.result
    assert ran.code == 1, result
    assert result["msg"].startswith(f"api_base {BASE} has no Assistants API at that path (")
    assert f"try api_base {BASE}/v1" in result["msg"]
    assert result["api_error"]["status"] == 404 and result["api_error"]["message"].startswith("Invalid URL (")
    assert result.get("changed") is not True
    assert len(server.sent) == 1  # nothing else is tried against a wrong address


def test_a_404_that_names_the_object_still_means_gone(run_module, server):
    server.add((404, {"error": {"message": "No thread found with id 'thread_1'.", "type": "invalid_request_error"}}))
    result = run_module(openai_thread, thread_id="thread_1", state="absent").result
    assert result["changed"] is False and "failed" not in result


def test_a_base_that_ends_in_v1_is_not_told_to_add_another(run_module, server):
    server.add(no_route)
    result = run_module(openai_thread, api_base="http://127.0.0.1:8000/api/v1", thread_id="thread_1", state="absent").result
    assert result["msg"].startswith(
        "api_base http://127.0.0.1:8000/api/v1 has no Assistants API at that path (GET /threads/thread_1 answered HTTP 404: Invalid URL ("
    )
    assert "Check that api_base is the address of an Assistants-compatible server" in result["msg"]
    assert "/v1/v1" not in result["msg"]


# ---- user info in api_base, and the kind of id (#12 item 19) --------------------------------------

PASSWORD = "s3cr3t-pw-7d2a"
WITH_USERINFO = f"http://robot:{PASSWORD}@127.0.0.1:8000"


def test_a_connection_failure_shows_api_base_without_its_password(run_module, server):
    server.add(connection_refused(), connection_refused())
    ran = run_module(openai_thread, api_base=f"{WITH_USERINFO}/v1", thread_id="thread_1", max_retries=1)
    assert ran.code == 1
    assert "talking to http://********@127.0.0.1:8000/v1:" in ran.result["msg"]
    assert PASSWORD not in ran.out  # msg, api_error and the invocation's module_args


def test_a_wrong_api_base_shows_it_without_its_password(run_module, server):
    server.add((404, {"error": {"message": "Invalid URL (DELETE /threads/thread_1)"}}))
    ran = run_module(openai_run, api_base=WITH_USERINFO, thread_id="thread_1", run_id="run_1", state="absent")
    assert ran.result["msg"].startswith("api_base http://********@127.0.0.1:8000 has no Assistants API at that path")
    assert "try api_base http://********@127.0.0.1:8000/v1" in ran.result["msg"]
    assert PASSWORD not in ran.out


def test_a_refused_api_base_is_shown_without_its_password(run_module, server):
    ran = run_module(openai_thread, api_base=f"{WITH_USERINFO}/v1?x=1", thread_id="thread_1")
    assert ran.code == 1 and "api_base must be an http:// or https:// URL" in ran.result["msg"]
    assert PASSWORD not in ran.out
    assert server.sent == []


def test_a_server_echoing_the_url_in_a_warning_or_an_error_shows_no_password(run_module, server):
    echo = {"error": {"message": f"bad request to {WITH_USERINFO}/v1/threads", "type": "invalid_request_error"}}
    server.add((400, echo))
    ran = run_module(openai_thread, api_base=f"{WITH_USERINFO}/v1", messages=[{"role": "user", "content": "hi"}])
    assert ran.code == 1 and "bad request to http://********@127.0.0.1:8000/v1/threads" in ran.result["msg"]
    assert PASSWORD not in ran.out


@pytest.mark.parametrize(
    ("module", "options", "example"),
    [
        (openai_thread, {"thread_id": "thread 1"}, "thread_abc123"),
        (openai_run, {"thread_id": "thread_1", "run_id": "run 1"}, "run_abc123"),
        (openai_run, {"thread_id": "thread_1", "assistant_id": "asst 1"}, "asst_abc123"),
        (openai_assistant, {"assistant_id": "asst/1"}, "asst_abc123"),
        (openai_thread_run, {"existing_thread_id": "t 1", "assistant_id": "asst_1"}, "thread_abc123"),
        (openai_run_info, {"thread_id": "thread_1", "run_id": "run?1"}, "run_abc123"),
        (openai_runs_info, {"thread_id": "thread_1", "after": "run 9"}, "run_abc123"),
        (openai_message, {"thread_id": "thread_1", "message_id": "msg 1", "state": "absent"}, "msg_abc123"),
        (openai_messages_info, {"thread_id": "thread_1", "before": "msg 9"}, "msg_abc123"),
        (openai_messages_info, {"thread_id": "thread_1", "run_id": "run 9"}, "run_abc123"),
    ],
)
def test_the_id_format_message_names_the_kind_of_id(run_module, server, module, options, example):
    result = run_module(module, **options).result
    assert result["failed"] is True
    assert f"such as {example}; got " in result["msg"]
    assert server.sent == []
