# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bridge's upstream client (tools/assistants_server/upstream.py): waits, key redaction, URLs, model names."""

from __future__ import annotations

import email.message
import email.utils
import time

import pytest

from assistants_server.upstream import Upstream, retry_after


def _headers(**values: str) -> email.message.Message:
    message = email.message.Message()
    for name, value in values.items():
        message[name.replace("_", "-")] = value
    return message


@pytest.mark.parametrize(("headers", "seconds"), [
    ({"retry_after_ms": "250"}, 0.25),
    ({"retry_after": "2"}, 2.0),
    ({"retry_after": "0.3"}, 0.3),
    ({"retry_after": "soon"}, None),
    ({}, None),
])
def test_retry_after_reads_the_wait_the_upstream_asked_for(headers, seconds) -> None:
    assert retry_after(_headers(**headers)) == seconds


def test_retry_after_as_an_http_date_is_the_time_until_then() -> None:
    wait = retry_after(_headers(retry_after=email.utils.formatdate(time.time() + 30, usegmt=True)))
    assert wait is not None and 28 <= wait <= 30


def test_the_key_and_openais_quoted_part_of_it_are_cut_from_upstream_messages() -> None:
    upstream = Upstream("https://api.openai.com/v1", "sk-secret-0123456789")
    assert upstream.redact("bad key sk-secret-0123456789 here") == "bad key *** here"
    assert upstream.redact("Incorrect API key provided: sk-sec***789. You can find...") == "Incorrect API key provided."


@pytest.mark.parametrize(("url", "path", "flavor"), [
    ("http://127.0.0.1:11434/v1", "/v1/chat/completions", "openai"),
    ("http://127.0.0.1:11434/v1/", "/v1/chat/completions", "openai"),
    ("https://res.openai.azure.com/openai/deployments/gpt4o?api-version=2024-10-21",
     "/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21", "azure"),
    ("https://res.openai.azure.com/openai/v1", "/openai/v1/chat/completions", "azure"),
])
def test_the_chat_completions_url_keeps_the_query_and_azure_hosts_get_the_azure_flavor(url, path, flavor) -> None:
    upstream = Upstream(url, None)
    assert (upstream.path, upstream.flavor) == (path, flavor)


def test_model_map_wins_over_default_model_which_wins_over_the_runs_model() -> None:
    assert Upstream("http://x/v1", None, model_map={"gpt-4o": "llama3"}, default_model="qwen").model("gpt-4o") == "llama3"
    assert Upstream("http://x/v1", None, model_map={"gpt-4o": "llama3"}, default_model="qwen").model("o3") == "qwen"
    assert Upstream("http://x/v1", None).model("o3") == "o3"


@pytest.mark.parametrize("url", ["ftp://x/v1", "127.0.0.1:8000/v1", "http:///v1"])
def test_an_upstream_url_that_is_not_http_is_refused(url) -> None:
    with pytest.raises(ValueError, match="--upstream must be an http:// or https:// URL"):
        Upstream(url, None)
