# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The client against the servers that still speak the protocol: Azure AI Foundry (api-version on every request,
bearer token or api-key header, lists without first_id/object) and partial self-hosted servers (missing endpoints
named as missing capabilities). Scripted adapter, no network."""

from __future__ import annotations

import io
from urllib.parse import parse_qsl, urlsplit

import pytest

from ansible_collections.llmops.assistants.plugins.module_utils._client import EventStream
from ansible_collections.llmops.assistants.plugins.module_utils._errors import ApiError, NoApiAtBase
from ansible_collections.llmops.assistants.tests.unit.plugins.fakes import API_KEY, make_response, use_netrc

FOUNDRY = "https://myresource.services.ai.azure.com/api/projects/myproject"
TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.payload-4f1c9e0b.signature"
RUN = {"id": "run_1", "object": "thread.run", "thread_id": "thread_1", "status": "completed"}


def query_of(request):
    return dict(parse_qsl(urlsplit(request.url).query))


@pytest.fixture
def azure(make_client):
    return make_client(api_key=None, api_base=FOUNDRY, api_version="2025-05-01", azure_ad_token=TOKEN)


# --------------------------------------------------------------------------------------------
# api-version and headers
# --------------------------------------------------------------------------------------------

def test_azure_request_has_the_exact_url_query_and_headers(azure, server):
    server.add((200, RUN))
    azure.get("threads", "thread_1", "runs", "run_1")
    sent = server.sent[0]
    assert sent.url == f"{FOUNDRY}/threads/thread_1/runs/run_1?api-version=2025-05-01"
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    assert "api-key" not in sent.headers
    assert sent.headers["OpenAI-Beta"] == "assistants=v2"


def test_api_version_is_sent_on_every_verb_and_every_page(azure, server):
    # Azure's lists may lack first_id, last_id and object: the pager continues from the data's own ids.
    server.add(
        (200, {"data": [{"id": "run_3"}, {"id": "run_2"}], "has_more": True}),
        (200, {"data": [{"id": "run_1"}], "has_more": False}),
        (200, RUN), (200, RUN), (200, {"id": "thread_1", "deleted": True}),
    )
    assert [run["id"] for run in azure.items("threads", "thread_1", "runs", limit=2)] == ["run_3", "run_2", "run_1"]
    azure.create("threads", "thread_1", "runs", body={"assistant_id": "asst_1"})
    azure.post("threads", "thread_1", "runs", "run_1", "cancel")
    azure.delete("threads", "thread_1")
    assert [query_of(request).get("api-version") for request in server.sent] == ["2025-05-01"] * 5
    assert query_of(server.sent[0]) == {"limit": "2", "api-version": "2025-05-01"}
    assert query_of(server.sent[1]) == {"limit": "2", "after": "run_2", "api-version": "2025-05-01"}


def test_api_version_is_sent_on_a_streamed_create(azure, server):
    def respond(request):
        response = make_response(200, b"", {"Content-Type": "text/event-stream"})
        response.raw = io.BytesIO(b"event: thread.run.completed\ndata: {}\n\nevent: done\ndata: [DONE]\n\n")
        return response

    server.add(respond)
    response = azure.create("threads", "thread_1", "runs", body={"assistant_id": "asst_1", "stream": True}, stream=True)
    assert isinstance(response.data, EventStream)
    assert list(response.data) == [("thread.run.completed", {})]
    assert query_of(server.sent[0]) == {"api-version": "2025-05-01"}


def test_no_api_version_unless_set(make_client, server):
    server.add((200, RUN))
    make_client().get("threads", "thread_1", "runs", "run_1")
    assert "api-version" not in server.sent[0].url


def test_the_token_wins_over_the_key(make_client, server):
    server.add((200, RUN))
    make_client(azure_ad_token=TOKEN).get("threads", "thread_1")
    assert server.sent[0].headers["Authorization"] == f"Bearer {TOKEN}"


def test_auth_type_api_key_sends_the_key_in_the_api_key_header(make_client, server):
    server.add((200, RUN))
    make_client(auth_type="api-key", azure_ad_token=TOKEN).get("threads", "thread_1")
    assert server.sent[0].headers["api-key"] == API_KEY
    assert "Authorization" not in server.sent[0].headers


def test_auth_type_none_sends_no_credentials_not_even_from_netrc(make_client, server, tmp_path, monkeypatch):
    use_netrc(tmp_path, monkeypatch, "machine api.example.test login someone password hunter2\n")
    server.add((200, RUN))
    make_client(auth_type="none").get("threads", "thread_1")
    assert "Authorization" not in server.sent[0].headers
    assert "api-key" not in server.sent[0].headers


def test_an_unknown_auth_type_is_a_programming_error(make_client):
    with pytest.raises(ValueError, match="unknown auth_type 'basic'"):
        make_client(auth_type="basic")


def test_send_beta_header_false_leaves_the_beta_header_out(make_client, server):
    server.add((200, RUN))
    make_client(send_beta_header=False).get("threads", "thread_1")
    assert "OpenAI-Beta" not in server.sent[0].headers
    assert server.sent[0].headers["Authorization"] == f"Bearer {API_KEY}"


# --------------------------------------------------------------------------------------------
# Tokens from a provider (DefaultAzureCredential)
# --------------------------------------------------------------------------------------------

class Tokens:
    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls = 0

    def __call__(self):
        self.calls += 1
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, BaseException):
            raise answer  # pylint: disable=raising-bad-type
        return answer


def test_the_provider_is_asked_on_every_request_and_its_tokens_are_scrubbed(make_client, server):
    tokens = Tokens("token-one-0123456789", "token-two-0123456789")
    client = make_client(api_key=None, api_base=FOUNDRY, api_version="2025-05-01", token_provider=tokens, max_retries=0)
    server.add((200, RUN), (500, {"error": {"message": "bad token-one-0123456789 and token-two-0123456789"}}))
    client.get("threads", "thread_1")
    with pytest.raises(ApiError) as caught:
        client.get("threads", "thread_1")
    assert [request.headers["Authorization"] for request in server.sent] == [
        "Bearer token-one-0123456789", "Bearer token-two-0123456789"]
    assert "token-" not in str(caught.value)
    assert str(caught.value).count("********") == 2


def test_a_provider_is_not_used_when_a_key_is_given(make_client, server):
    tokens = Tokens("never")
    server.add((200, RUN))
    make_client(token_provider=tokens).get("threads", "thread_1")
    assert tokens.calls == 0
    assert server.sent[0].headers["Authorization"] == f"Bearer {API_KEY}"


def test_a_provider_failure_names_the_request_and_sends_nothing(make_client, server):
    tokens = Tokens(ApiError("DefaultAzureCredential could not get an Entra ID token for https://ai.azure.com/.default: no login"))
    client = make_client(api_key=None, api_base=FOUNDRY, token_provider=tokens)
    with pytest.raises(ApiError) as caught:
        client.get("threads", "thread_1")
    assert str(caught.value).startswith("GET /threads/thread_1 failed (no response): DefaultAzureCredential could not get")
    assert server.sent == []
    assert tokens.calls == 1  # not transient: not retried


# --------------------------------------------------------------------------------------------
# Partial servers: a missing endpoint is named as a missing capability
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("segments", "status", "body", "capability"),
    [
        (("threads", "thread_1", "runs", "run_1", "cancel"), 404, {"error": {"message": "Invalid URL (POST /v1/threads/thread_1/runs/run_1/cancel)"}},
         "cancelling runs"),
        (("threads", "thread_1", "runs", "run_1", "cancel"), 404, {"detail": "Not Found"}, "cancelling runs"),
        (("threads", "thread_1", "runs", "run_1", "cancel"), 405, {"detail": "Method Not Allowed"}, "cancelling runs"),
        (("threads", "thread_1", "runs", "run_1", "submit_tool_outputs"), 404, "", "submitting tool outputs"),
    ],
    ids=["local-server-404", "fastapi-404", "fastapi-405", "empty-404-reason"],
)
def test_a_missing_endpoint_names_the_missing_capability(make_client, server, segments, status, body, capability):
    server.add((status, body))
    with pytest.raises(ApiError) as caught:
        make_client().post(*segments)
    assert f"the server does not support {capability} (it answered: " in str(caught.value)
    assert str(caught.value).startswith(f"POST /{'/'.join(segments)} failed (HTTP {status}")


def test_a_missing_steps_endpoint_is_named_too(make_client, server):
    server.add((404, {"detail": "Not Found"}))
    with pytest.raises(ApiError) as caught:
        list(make_client().items("threads", "thread_1", "runs", "run_1", "steps"))
    assert "does not support listing run steps (it answered: Not Found)" in str(caught.value)


@pytest.mark.parametrize(
    "message", ["No run found with id 'run_1'.", "run run_1 not found", "{'id': 'run_1'} not found in table runs_v2."],
    ids=["openai", "open-assistant-api", "astra-assistants"],
)
def test_a_missing_object_on_an_optional_endpoint_is_not_a_missing_capability(make_client, server, message):
    server.add((404, {"error": {"message": message, "type": "invalid_request_error"}}))
    with pytest.raises(ApiError) as caught:
        make_client().post("threads", "thread_1", "runs", "run_1", "cancel")
    assert caught.value.message == message


def test_an_html_404_page_on_an_optional_endpoint_is_a_missing_capability(make_client, server):
    server.add((404, "<html><head><title>404 Not Found</title></head><body>nginx</body></html>"))
    with pytest.raises(ApiError) as caught:
        list(make_client().items("threads", "thread_1", "runs", "run_1", "steps"))
    assert "does not support listing run steps (it answered: the server answered with an HTML page" in str(caught.value)


@pytest.mark.parametrize(
    "body", [{"detail": "Not Found"}, {"error": {"message": "Invalid URL (GET /threads/thread_1/runs/run_1)"}}, "404 page not found"],
    ids=["fastapi", "local-server-and-openai", "go"],
)
def test_a_404_for_the_route_elsewhere_means_api_base_is_wrong(make_client, server, body):
    server.add((404, body))
    with pytest.raises(NoApiAtBase) as caught:
        make_client(api_base="http://127.0.0.1:8000").get("threads", "thread_1", "runs", "run_1")
    assert caught.value.message.startswith("api_base http://127.0.0.1:8000 has no Assistants API at that path (GET /threads/thread_1/runs/run_1 "
                                           "answered HTTP 404: ")
    assert caught.value.message.endswith("try api_base http://127.0.0.1:8000/v1.")
    assert caught.value.error.status == 404


def test_a_404_that_names_the_object_is_an_api_error(make_client, server):
    server.add((404, {"error": {"message": "No run found with id 'run_1'.", "type": "invalid_request_error"}}))
    with pytest.raises(ApiError) as caught:
        make_client().get("threads", "thread_1", "runs", "run_1")
    assert caught.value.status == 404 and caught.value.message == "No run found with id 'run_1'."
