# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""--flavor azure: the local server answers like Azure AI Foundry Agent Service (classic) — api-version required,
the beta header ignored, bearer or api-key credentials, lists without first_id and object, tool approvals."""

from __future__ import annotations

import json
from typing import Any, Iterator

import openai
import pytest
import requests

from assistants_server import Options
from assistants_server.cli import main, parser

GA = "2025-05-01"
PREVIEW = "2025-05-15-preview"
MISSING = {"error": {"code": "MissingApiVersionParameter",
                     "message": "The api-version query parameter (?api-version=) is required for all requests."}}


@pytest.fixture(scope="module")
def server_options() -> dict[str, Any]:
    return {"flavor": "azure"}


@pytest.fixture(name="azure")
def fixture_azure(api: Any) -> Iterator[Any]:
    """The module's azure-flavoured server, emptied, with a client that sends the GA api-version and no beta header."""
    api.session.params = {"api-version": GA}
    del api.session.headers["OpenAI-Beta"]
    yield api


def raw(server: Any, method: str, path: str, **kwargs: Any) -> requests.Response:
    kwargs.setdefault("headers", {"Authorization": "Bearer test-key"})
    return requests.request(method, f"{server.url}{path}", timeout=10, **kwargs)


# ---- api-version ---------------------------------------------------------------------------------

def test_a_request_without_api_version_is_refused_like_azure_and_not_applied(server: Any, azure: Any) -> None:
    response = raw(server, "POST", "/threads", json={}, headers={"Authorization": "Bearer test-key", "OpenAI-Beta": "assistants=v2"})
    assert response.status_code == 400
    assert response.json() == MISSING
    assert server.app.store.threads == {}


def test_an_empty_api_version_is_missing_too(server: Any, azure: Any) -> None:
    assert raw(server, "GET", "/assistants", params={"api-version": ""}).json() == MISSING


def test_an_unknown_api_version_is_refused_naming_the_supported_ones(server: Any, azure: Any) -> None:
    response = raw(server, "GET", "/assistants", params={"api-version": "2024-02-15-preview"})
    assert response.status_code == 400
    assert response.json() == {"error": {"code": "UnsupportedApiVersionValue", "message": (
        f"Unsupported api-version '2024-02-15-preview'. The supported api-versions are '{GA}, {PREVIEW}'.")}}


@pytest.mark.parametrize("version", [GA, PREVIEW])
def test_both_versions_are_served_and_the_beta_header_is_ignored(server: Any, azure: Any, version: str) -> None:
    for beta in ({}, {"OpenAI-Beta": "assistants=v1"}):
        response = raw(server, "POST", "/assistants", params={"api-version": version}, json={"model": "gpt-4o"},
                       headers={"Authorization": "Bearer test-key", **beta})
        assert response.status_code == 200, response.text


# ---- credentials ---------------------------------------------------------------------------------

def test_an_api_key_header_is_accepted_and_no_credentials_are_refused(server: Any, azure: Any) -> None:
    assert raw(server, "GET", "/assistants", params={"api-version": GA}, headers={"api-key": "k"}).status_code == 200
    refused = raw(server, "GET", "/assistants", params={"api-version": GA}, headers={})
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "401"
    assert "Authorization: Bearer <token>" in refused.json()["error"]["message"]


def test_api_key_option_checks_the_token_or_the_api_key_header(make_server: Any) -> None:
    handle, _client = make_server(flavor="azure", api_key="secret-token")
    query = {"api-version": GA}
    assert raw(handle, "GET", "/assistants", params=query, headers={"Authorization": "Bearer secret-token"}).status_code == 200
    assert raw(handle, "GET", "/assistants", params=query, headers={"api-key": "secret-token"}).status_code == 200
    wrong = raw(handle, "GET", "/assistants", params=query, headers={"api-key": "other"})
    assert wrong.status_code == 401 and "secret-token" not in wrong.text


# ---- lists ---------------------------------------------------------------------------------------

def test_lists_have_no_first_id_and_no_object_and_page_on_last_id(azure: Any) -> None:
    assistant = azure.assistant()
    thread = azure.thread()
    runs = [azure.run(thread["id"], assistant["id"], metadata={"sim_seconds": "0", "sim_steps": "3"}) for _index in range(5)]
    azure.wait(runs[-1], "completed")
    first = azure.get(f"/threads/{thread['id']}/runs", limit=2, order="asc")
    assert set(first) == {"data", "last_id", "has_more"}
    assert [run["id"] for run in first["data"]] == [runs[0]["id"], runs[1]["id"]] and first["has_more"] is True
    rest = azure.get(f"/threads/{thread['id']}/runs", limit=10, order="asc", after=first["last_id"])
    assert [run["id"] for run in rest["data"]] == [run["id"] for run in runs[2:]] and rest["has_more"] is False
    for path in ("/assistants", f"/threads/{thread['id']}/messages", f"/threads/{thread['id']}/runs/{runs[0]['id']}/steps"):
        listed = azure.get(path)
        assert set(listed) == {"data", "last_id", "has_more"}, path
        assert listed["data"], path


# ---- tool approvals ------------------------------------------------------------------------------

def approval_run(azure: Any, **metadata: str) -> dict[str, Any]:
    assistant = azure.assistant()
    thread = azure.thread("What is new in the docs?")
    run = azure.run(thread["id"], assistant["id"], metadata={"sim_outcome": "requires_approval", "sim_seconds": "0", **metadata})
    return azure.wait(run, "requires_action")


def test_a_run_can_ask_for_tool_approval(azure: Any) -> None:
    run = approval_run(azure)
    action = run["required_action"]
    assert action["type"] == "submit_tool_approval"
    [call] = action["submit_tool_approval"]["tool_calls"]
    assert call["type"] == "mcp" and call["name"] == "search_docs" and call["server_label"] == "local_mcp"
    assert json.loads(call["arguments"]) == {"query": "What is new in the docs?"}


@pytest.mark.parametrize(("approve", "word"), [(True, "approved"), (False, "denied")])
def test_approving_or_denying_lets_the_run_complete(azure: Any, approve: bool, word: str) -> None:
    run = approval_run(azure)
    call_id = run["required_action"]["submit_tool_approval"]["tool_calls"][0]["id"]
    answered = azure.post(f"/threads/{run['thread_id']}/runs/{run['id']}/submit_tool_outputs",
                          {"tool_approvals": [{"tool_call_id": call_id, "approve": approve, "headers": {"x-trace": "1"}}]})
    assert answered["status"] == "queued" and answered["required_action"] is None
    done = azure.wait(run, "completed")
    assert done["status"] == "completed"
    [message] = azure.get(f"/threads/{run['thread_id']}/messages", run_id=run["id"])["data"]
    assert message["content"][0]["text"]["value"] == f"Echo: What is new in the docs?\nsearch_docs was {word}"
    steps = azure.get(f"/threads/{run['thread_id']}/runs/{run['id']}/steps", order="asc")["data"]
    assert steps[0]["step_details"]["tool_calls"][0]["output"] == word


def test_an_approval_run_refuses_tool_outputs_and_wrong_call_ids(azure: Any) -> None:
    run = approval_run(azure)
    path = f"/threads/{run['thread_id']}/runs/{run['id']}/submit_tool_outputs"
    outputs = azure.request("POST", path, {"tool_outputs": [{"tool_call_id": "call_x", "output": "yes"}]})
    assert outputs.status_code == 400 and "requires tool approvals, not tool outputs" in outputs.json()["error"]["message"]
    wrong = azure.request("POST", path, {"tool_approvals": [{"tool_call_id": "call_x", "approve": True}]})
    assert wrong.status_code == 400 and "Expected tool approvals for call_ids" in wrong.json()["error"]["message"]
    assert azure.get_run(run)["status"] == "requires_action"


def test_a_function_run_refuses_tool_approvals(azure: Any) -> None:
    assistant = azure.assistant(tools=[{"type": "function", "function": {"name": "get_weather"}}])
    thread = azure.thread()
    run = azure.wait(azure.run(thread["id"], assistant["id"], metadata={"sim_seconds": "0"}), "requires_action")
    call_id = run["required_action"]["submit_tool_outputs"]["tool_calls"][0]["id"]
    refused = azure.request("POST", f"/threads/{thread['id']}/runs/{run['id']}/submit_tool_outputs",
                            {"tool_approvals": [{"tool_call_id": call_id, "approve": True}]})
    assert refused.status_code == 400 and "requires tool outputs, not tool approvals" in refused.json()["error"]["message"]


def test_the_openai_flavour_has_no_tool_approvals(make_server: Any) -> None:
    _handle, api = make_server()
    assistant = api.assistant()
    thread = api.thread()
    refused = api.request("POST", f"/threads/{thread['id']}/runs", {"assistant_id": assistant["id"], "metadata": {"sim_outcome": "requires_approval"}})
    assert refused.status_code == 400
    assert "needs a server started with --flavor azure" in refused.json()["error"]["message"]


# ---- the command line, and the official SDK's Azure client ---------------------------------------

def test_the_flavor_flag_defaults_to_openai_and_refuses_others(capsys: pytest.CaptureFixture[str]) -> None:
    assert parser().parse_args([]).flavor == "openai"
    assert parser().parse_args(["--flavor", "azure"]).flavor == "azure"
    with pytest.raises(SystemExit) as exited:
        main(["--flavor", "bedrock"])
    assert exited.value.code == 2
    assert "invalid choice: 'bedrock'" in capsys.readouterr().err
    with pytest.raises(ValueError, match="flavor must be one of openai, azure"):
        Options(flavor="bedrock")


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_the_sdk_azure_client_pages_and_polls_against_it(server: Any, azure: Any) -> None:
    del azure  # an empty server
    sdk = openai.AzureOpenAI(base_url=server.url, api_version=GA, api_key="test-key", max_retries=0)
    try:
        assistant = sdk.beta.assistants.create(model="gpt-4o")
        thread = sdk.beta.threads.create(messages=[{"role": "user", "content": "Hello Azure"}])
        run = sdk.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id, metadata={"sim_steps": "25"})
        assert run.status == "completed"
        assert len(list(sdk.beta.threads.runs.steps.list(thread_id=thread.id, run_id=run.id, limit=10))) == 25
    finally:
        sdk.close()
