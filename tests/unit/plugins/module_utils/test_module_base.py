# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""AssistantsModule.execute() as a playbook sees it: the JSON a tiny module prints, and its exit code."""

from __future__ import annotations


import pytest

from ansible_collections.llmops.assistants.plugins.module_utils._errors import TaskFailed
from ansible_collections.llmops.assistants.plugins.module_utils._module import AssistantsModule
from ansible_collections.llmops.assistants.tests.unit.plugins.fakes import API_KEY

API_BASE = "https://assistants.example.test/v1"
THREAD = {"id": "thread_1", "object": "thread", "created_at": 1700000000, "metadata": {}}


@pytest.fixture
def task_defaults():
    """Each test gives the whole task (see task())."""
    return {}


class ThreadInfo(AssistantsModule):
    """The smallest real module: look one thread up."""

    argument_spec = {"thread_id": {"type": "str", "required": True}}
    id_options = ("thread_id",)

    def run(self):
        return {"changed": False, "thread": self.client.get("threads", self.params["thread_id"]).data}


class GivesUp(AssistantsModule):
    """A module that looks something up, then decides the task failed."""

    argument_spec = {"thread_id": {"type": "str", "required": True}}

    def run(self):
        thread = self.client.get("threads", self.params["thread_id"]).data
        raise TaskFailed(f"thread {thread['id']} is locked (key {API_KEY})", thread=thread)


def task(**options):
    return {"api_key": API_KEY, "api_base": API_BASE, "thread_id": "thread_1", **options}


def test_success_exits_zero_with_what_run_returned(run_module, server):
    server.add((200, THREAD))
    code, result, _out = run_module(ThreadInfo, **task())
    assert code == 0
    assert result["thread"] == THREAD
    assert result["changed"] is False
    assert "failed" not in result


def test_the_client_is_built_from_the_task_options(run_module, server):
    server.add((200, THREAD))
    run_module(ThreadInfo, **task(organization="org-1", project="proj_1", request_timeout=5, validate_certs=False))
    sent = server.sent[0]
    assert sent.url == f"{API_BASE}/threads/thread_1"
    assert sent.headers["Authorization"] == f"Bearer {API_KEY}"
    assert sent.headers["OpenAI-Organization"] == "org-1"
    assert sent.headers["OpenAI-Project"] == "proj_1"
    assert server.kwargs[0]["timeout"] == 5.0
    assert server.kwargs[0]["verify"] is False


def test_the_key_can_come_from_the_environment(run_module, server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    server.add((200, THREAD))
    args = task()
    del args["api_key"]
    code, _result, out = run_module(ThreadInfo, **args)
    assert code == 0
    assert server.sent[0].headers["Authorization"] == f"Bearer {API_KEY}"
    assert API_KEY not in out


def test_bad_id_fails_with_the_option_error_and_sends_nothing(run_module, server):
    code, result, _out = run_module(ThreadInfo, **task(thread_id="../assistants"))
    assert code == 1
    assert result["failed"] is True
    assert result["msg"].startswith("thread_id must be an id")
    assert "'../assistants'" in result["msg"]
    assert "api_error" not in result
    assert server.sent == []


def test_missing_key_fails_with_the_option_error_and_sends_nothing(run_module, server):
    args = task()
    del args["api_key"]
    code, result, _out = run_module(ThreadInfo, **args)
    assert code == 1
    assert result["msg"] == "api_key is required: set the api_key option or the OPENAI_API_KEY environment variable."
    assert server.sent == []


def test_bad_api_base_fails_before_any_request(run_module, server):
    code, result, _out = run_module(ThreadInfo, **task(api_base="ftp://assistants.example.test/v1"))
    assert code == 1
    assert result["msg"].startswith("api_base must be an http:// or https:// URL")
    assert server.sent == []


def test_out_of_range_max_retries_fails_before_any_request(run_module, server):
    code, result, _out = run_module(ThreadInfo, **task(max_retries=99))
    assert code == 1
    assert result["msg"] == "max_retries must be between 0 and 20; got 99."
    assert server.sent == []


def test_api_error_fails_with_msg_and_api_error(run_module, server):
    server.add((404, {"error": {"message": "No thread found with id 'thread_1'.", "type": "invalid_request_error",
                                "code": None, "param": None}}))
    code, result, _out = run_module(ThreadInfo, **task())
    assert code == 1
    assert result["failed"] is True
    assert result["msg"] == (
        "GET /threads/thread_1 failed (HTTP 404, invalid_request_error): No thread found with id 'thread_1'."
    )
    assert "Traceback" not in result["msg"]
    assert result["api_error"] == {
        "status": 404, "type": "invalid_request_error", "code": None, "param": None,
        "message": "No thread found with id 'thread_1'.", "method": "GET", "path": "/threads/thread_1",
    }
    assert len(server.sent) == 1


def test_api_key_never_appears_in_the_output_of_a_failed_task(run_module, server):
    server.add((401, {"error": {"message": f"Incorrect API key provided: {API_KEY}.", "type": "invalid_request_error",
                                "code": "invalid_api_key", "param": None}}))
    code, result, out = run_module(ThreadInfo, **task())
    assert code == 1
    assert "Incorrect API key provided" in result["msg"]
    assert API_KEY not in out


def test_api_key_never_appears_in_the_output_of_a_successful_task(run_module, server):
    server.add((200, {**THREAD, "metadata": {"echo": API_KEY}}))
    code, _result, out = run_module(ThreadInfo, **task())
    assert code == 0
    assert API_KEY not in out  # on 2.19 this includes invocation.module_args; 2.21 no longer returns it


def test_task_failed_keeps_its_result_and_hides_the_key(run_module, server):
    server.add((200, THREAD))
    code, result, out = run_module(GivesUp, **task())
    assert code == 1
    assert result["msg"].startswith("thread thread_1 is locked")
    assert result["thread"] == THREAD
    assert API_KEY not in out
