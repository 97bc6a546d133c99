# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The modules against the servers that still speak the protocol, as a playbook sees them: exactly what goes on the
wire for Azure AI Foundry (and that no token reaches any output), a server without a run-steps or cancel endpoint,
and the required actions a run may stop at (tool outputs, Azure's tool approvals, anything else)."""

from __future__ import annotations

import types

import pytest

from ansible.module_utils.common import warnings as ansible_warnings
from ansible_collections.llmops.assistants.plugins.module_utils import _auth
from ansible_collections.llmops.assistants.plugins.modules import openai_run, openai_run_info
from ansible_collections.llmops.assistants.tests.unit.plugins.fakes import (
    API_KEY,
    run_object,
    warning_texts,
)

FOUNDRY = "https://myresource.services.ai.azure.com/api/projects/myproject"
TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.payload-4f1c9e0b.signature"
SECRETS = (TOKEN, API_KEY, "payload-4f1c9e0b", "4f1c9e0b7d2a48c6a1e3")


@pytest.fixture
def task_defaults():
    """Each test gives its own server and credentials."""
    return {}


@pytest.fixture
def secrets():
    return SECRETS


def step(number):
    return {"id": f"step_{number}", "object": "thread.run.step", "run_id": "run_1", "type": "message_creation",
            "status": "completed", "step_details": {"type": "message_creation", "message_creation": {"message_id": "msg_1"}}}


MESSAGE = {"id": "msg_1", "object": "thread.message", "role": "assistant", "run_id": "run_1",
           "content": [{"type": "text", "text": {"value": "Paris", "annotations": []}}]}


@pytest.fixture(autouse=True)
def _fresh_warnings(monkeypatch):
    """Ansible keeps a module's warnings in a process-wide collection; each test runs a module of its own."""
    monkeypatch.setattr(ansible_warnings, "_global_warnings", type(ansible_warnings._global_warnings)())


AZURE = {"api_base": FOUNDRY, "api_version": "2025-05-15-preview", "azure_ad_token": TOKEN}


# --------------------------------------------------------------------------------------------
# Azure AI Foundry: what goes on the wire
# --------------------------------------------------------------------------------------------

def test_azure_configuration_sends_exactly_these_urls_and_headers(run_module, server):
    # Azure's lists may omit first_id and object (here last_id too): the steps are paged on the data's ids.
    server.add(
        (200, run_object()),
        (200, {"data": [step(n) for n in range(100)], "has_more": True}),
        (200, {"data": [step(100)], "has_more": False}),
        (200, {"data": [MESSAGE], "has_more": False}),
    )
    code, result, _out = run_module(openai_run_info, thread_id="thread_1", run_id="run_1", include_messages=True, **AZURE)
    assert code == 0, result
    assert len(result["run"]["steps"]) == 101 and result["output_text"] == "Paris"
    runs = f"{FOUNDRY}/threads/thread_1/runs/run_1"
    assert [(request.method, request.url) for request in server.sent] == [
        ("GET", f"{runs}?api-version=2025-05-15-preview"),
        ("GET", f"{runs}/steps?limit=100&order=asc&api-version=2025-05-15-preview"),
        ("GET", f"{runs}/steps?limit=100&order=asc&after=step_99&api-version=2025-05-15-preview"),
        ("GET", f"{FOUNDRY}/threads/thread_1/messages?run_id=run_1&limit=100&order=asc&api-version=2025-05-15-preview"),
    ]
    for request in server.sent:
        headers = {name.lower(): value for name, value in request.headers.items() if name.lower() not in ("accept-encoding", "connection")}
        assert headers == {
            "authorization": f"Bearer {TOKEN}",
            "openai-beta": "assistants=v2",
            "accept": "application/json",
            "user-agent": headers["user-agent"],
        }
        assert headers["user-agent"].startswith("llmops.assistants/")


def test_a_server_that_echoes_the_token_never_gets_it_into_the_output(run_module, server):
    server.add((401, {"error": {"code": "PermissionDenied", "message": f"Token {TOKEN} is not valid for this project."}}))
    code, result, _out = run_module(openai_run_info, thread_id="thread_1", run_id="run_1", **AZURE)
    assert code == 1
    assert result["msg"] == ("GET /threads/thread_1/runs/run_1 failed (HTTP 401, PermissionDenied): "
                             "Token ******** is not valid for this project.")


def test_api_key_header_and_no_beta_header_when_asked(run_module, server):
    server.add((200, run_object()))
    code, _result, _out = run_module(openai_run_info, thread_id="thread_1", run_id="run_1", include_steps=False,
                                     api_base=FOUNDRY, api_version="2025-05-01", api_key=API_KEY, auth_type="api-key",
                                     send_beta_header=False)
    assert code == 0
    sent = server.sent[0]
    assert sent.url == f"{FOUNDRY}/threads/thread_1/runs/run_1?api-version=2025-05-01"
    assert sent.headers["api-key"] == API_KEY
    assert "Authorization" not in sent.headers and "OpenAI-Beta" not in sent.headers


def test_a_token_from_default_azure_credential_is_used_for_the_foundry_scope_and_never_shown(run_module, server, monkeypatch):
    scopes = []

    class FakeDefaultAzureCredential:
        def get_token(self, scope):
            scopes.append(scope)
            return types.SimpleNamespace(token=TOKEN, expires_on=10 ** 10)

    monkeypatch.setattr(_auth, "DefaultAzureCredential", FakeDefaultAzureCredential)
    monkeypatch.setattr(_auth, "AZURE_IDENTITY_IMPORT_ERROR", None)
    server.add((200, run_object()), (500, {"error": {"message": f"upstream rejected Bearer {TOKEN}"}}))
    code, result, _out = run_module(openai_run_info, thread_id="thread_1", run_id="run_1", max_retries=0,
                                    api_base=FOUNDRY, api_version="2025-05-01")
    assert code == 1
    assert scopes == ["https://ai.azure.com/.default"]  # fetched once, reused for the second request
    assert [request.headers["Authorization"] for request in server.sent] == [f"Bearer {TOKEN}"] * 2
    assert result["msg"].endswith("upstream rejected Bearer ********")


def test_without_azure_identity_an_azure_task_without_credentials_fails_before_any_request(run_module, server, monkeypatch):
    monkeypatch.setattr(_auth, "AZURE_IDENTITY_IMPORT_ERROR", "ModuleNotFoundError: No module named 'azure'")
    code, result, _out = run_module(openai_run_info, thread_id="thread_1", run_id="run_1", api_base=FOUNDRY, api_version="2025-05-01")
    assert code == 1
    assert "needs the azure-identity Python package" in result["msg"]
    assert server.sent == []


# --------------------------------------------------------------------------------------------
# Partial servers
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("status", [404, 405])
def test_run_info_without_a_steps_endpoint_returns_the_run_with_a_warning(run_module, server, status):
    server.add((200, run_object()), (status, {"detail": "Not Found" if status == 404 else "Method Not Allowed"}))
    code, result, _out = run_module(openai_run_info, thread_id="thread_1", run_id="run_1", api_base=FOUNDRY, api_key=API_KEY)
    assert code == 0, result
    assert result["run"]["id"] == "run_1" and "steps" not in result["run"]
    assert warning_texts(result) == [
        f"The server does not list run steps (GET /threads/thread_1/runs/run_1/steps answered HTTP {status}), so run.steps is "
        "not returned; set include_steps to false to skip this request."
    ]


def test_run_info_still_fails_on_a_steps_endpoint_that_breaks(run_module, server):
    server.add((200, run_object()), (400, {"error": {"message": "Invalid value for 'limit'."}}))
    code, result, _out = run_module(openai_run_info, thread_id="thread_1", run_id="run_1", api_base=FOUNDRY, api_key=API_KEY)
    assert code == 1
    assert "Invalid value for 'limit'." in result["msg"]


def test_cancelling_on_a_server_without_a_cancel_endpoint_names_the_missing_capability(run_module, server):
    server.add((200, run_object("in_progress")), (404, {"detail": "Not Found"}))
    code, result, _out = run_module(openai_run, thread_id="thread_1", run_id="run_1", state="absent",
                                    api_base="http://selfhosted.example.test:8086/api/v1", api_key=API_KEY)
    assert code == 1
    assert result["msg"] == ("POST /threads/thread_1/runs/run_1/cancel failed (HTTP 404): the server does not support "
                             "cancelling runs (it answered: Not Found)")


# --------------------------------------------------------------------------------------------
# Required actions
# --------------------------------------------------------------------------------------------

APPROVAL = {"type": "submit_tool_approval", "submit_tool_approval": {"tool_calls": [
    {"id": "call_mcp_1", "type": "mcp", "name": "search_docs", "arguments": "{}", "server_label": "docs"}]}}


def test_a_run_waiting_for_tool_approval_is_returned_with_a_warning_and_never_approved(run_module, server):
    server.add((200, run_object("requires_action", required_action=APPROVAL, expires_at=4102444800)))
    code, result, _out = run_module(openai_run, thread_id="thread_1", run_id="run_1", **AZURE)
    assert code == 0, result
    assert result["run"]["required_action"]["type"] == "submit_tool_approval"
    assert result["changed"] is False and result["expires_in"] > 0
    assert warning_texts(result) == [
        "Run run_1 waits for approval of tool calls: search_docs (call_mcp_1). The collection never approves tool calls "
        "itself: approve or deny each by POSTing tool_approvals to the run's submit_tool_outputs endpoint (see "
        "docs/compatibility.md), then wait for the run with openai_run and run_id."
    ]
    assert server.methods == ["GET"]


def test_tool_outputs_cannot_answer_a_tool_approval(run_module, server):
    server.add((200, run_object("requires_action", required_action=APPROVAL)))
    code, result, _out = run_module(openai_run, thread_id="thread_1", run_id="run_1",
                                    tool_outputs=[{"tool_call_id": "call_mcp_1", "output": "yes"}], **AZURE)
    assert code == 1
    assert result["msg"] == ("Run run_1 requires an action of type 'submit_tool_approval', not submit_tool_outputs, "
                             "so tool_outputs cannot answer it.")
    assert server.methods == ["GET"]


def test_an_unknown_required_action_fails_instead_of_waiting(run_module, server):
    server.add((200, run_object("requires_action", required_action={"type": "submit_user_consent"})))
    code, result, _out = run_module(openai_run, thread_id="thread_1", run_id="run_1", **AZURE)
    assert code == 1
    assert result["msg"].startswith("Run run_1 requires an action of type 'submit_user_consent', which this module does not know")
    assert result["run"]["status"] == "requires_action"
