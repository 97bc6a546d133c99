# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a task shows of itself: a password in api_base (http://user:secret@host) never, in any message or result;
and the id-format message gives an example of the kind of id the option takes."""

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
from ansible_collections.llmops.assistants.tests.unit.plugins.fakes import connection_refused

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
