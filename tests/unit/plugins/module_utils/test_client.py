# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a user relies on from the shared HTTP client.

Every test drives a real requests.Session against ScriptedAdapter (no network, no sockets) and
the fake clock (nothing sleeps; the delays the client asked for are asserted instead).
"""

from __future__ import annotations

import json
import time
from email.utils import formatdate
from pathlib import Path

import pytest
import requests
import yaml

from ansible_collections.llmops.assistants.plugins.module_utils import _client
from ansible_collections.llmops.assistants.plugins.module_utils._errors import ApiError, NoApiAtBase
from ansible_collections.llmops.assistants.plugins.module_utils._version import COLLECTION_VERSION
from ansible_collections.llmops.assistants.plugins.module_utils._client import (
    BACKOFF_INITIAL,
    BACKOFF_MAX,
    PAGE_SIZE_MAX,
    RETRY_AFTER_MAX,
    backoff_seconds,
    is_valid_id,
    path_of,
    retry_after_seconds,
)
from ansible_collections.llmops.assistants.tests.unit.plugins.fakes import (
    API_BASE,
    API_KEY,
    connect_timeout,
    connection_refused,
    connection_reset,
    make_response,
    name_not_resolved,
    read_timeout,
    plain_http_answer,
    tls_failure,
    use_netrc,
)

GALAXY_YML = Path(__file__).resolve().parents[4] / "galaxy.yml"
THREAD = {"id": "thread_1", "object": "thread", "created_at": 1700000000, "metadata": {}}


def api_error(status, message="boom", error_type="server_error", code=None, param=None, headers=None):
    body = {"error": {"message": message, "type": error_type, "code": code, "param": param}}
    return (status, body, headers or {})


def expected_backoff_range(attempt):
    full = min(BACKOFF_INITIAL * 2 ** attempt, BACKOFF_MAX)
    return 0.75 * full, full


class Recorder:
    """A find_existing / on_retry stand-in that records its calls and answers from a script."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls = []

    def __call__(self, *args):
        self.calls.append(args)
        answer = self.answers.pop(0) if self.answers else None
        if isinstance(answer, BaseException):
            raise answer  # pylint: disable=raising-bad-type  # pylint cannot see the isinstance() guard
        return answer


# --------------------------------------------------------------------------------------------
# Headers
# --------------------------------------------------------------------------------------------

def test_every_request_sends_bearer_key_and_assistants_v2_beta_header(make_client, server):
    server.add((200, THREAD))
    make_client().get("threads", "thread_1")
    sent = server.sent[0].headers
    assert sent["Authorization"] == f"Bearer {API_KEY}"
    assert sent["OpenAI-Beta"] == "assistants=v2"
    assert sent["Accept"] == "application/json"


def test_organization_and_project_headers_are_absent_unless_set(make_client, server):
    server.add((200, THREAD))
    make_client().get("threads", "thread_1")
    assert "OpenAI-Organization" not in server.sent[0].headers
    assert "OpenAI-Project" not in server.sent[0].headers


def test_organization_and_project_headers_are_sent_when_set(make_client, server):
    server.add((200, THREAD))
    make_client(organization="org-abc", project="proj_xyz").get("threads", "thread_1")
    assert server.sent[0].headers["OpenAI-Organization"] == "org-abc"
    assert server.sent[0].headers["OpenAI-Project"] == "proj_xyz"


def test_user_agent_names_the_collection_and_its_version(make_client, server):
    server.add((200, THREAD))
    make_client().get("threads", "thread_1")
    assert server.sent[0].headers["User-Agent"].startswith(f"llmops.assistants/{COLLECTION_VERSION} ")


def test_collection_version_constant_matches_galaxy_yml():
    galaxy = yaml.safe_load(GALAXY_YML.read_text(encoding="utf-8"))
    assert COLLECTION_VERSION == str(galaxy["version"]), "bump COLLECTION_VERSION in _version.py with galaxy.yml"


def test_no_authorization_header_without_a_key(make_client, server):
    server.add((200, THREAD))
    make_client(api_key=None).get("threads", "thread_1")
    assert "Authorization" not in server.sent[0].headers


def test_a_netrc_entry_for_the_host_does_not_replace_the_bearer_key(make_client, server, tmp_path, monkeypatch):
    # requests applies ~/.netrc (or $NETRC) to any request that has no `auth`, overwriting an
    # Authorization header set on the session: a netrc line for the API host (or a `default`
    # line) would silently swap the API key for Basic credentials.
    use_netrc(tmp_path, monkeypatch, "machine api.example.test login someone password hunter2\n")
    server.add((200, THREAD))
    make_client().get("threads", "thread_1")
    assert server.sent[0].headers["Authorization"] == f"Bearer {API_KEY}"


# --------------------------------------------------------------------------------------------
# Paths and ids
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "segment, quoted",
    [
        ("thread/../x", "thread%2F..%2Fx"),
        ("a?b", "a%3Fb"),
        ("a#b", "a%23b"),
        ("a b", "a%20b"),
        ("thré", "thr%C3%A9"),
        ("a%2Fb", "a%252Fb"),
    ],
)
def test_each_path_segment_is_quoted_on_the_wire(make_client, server, segment, quoted):
    server.add((200, THREAD))
    make_client().get("threads", segment, "messages")
    assert server.sent[0].url == f"{API_BASE}/threads/{quoted}/messages"


@pytest.mark.parametrize("segment", ["", ".", ".."])
def test_empty_and_dot_segments_are_refused_before_sending(make_client, server, segment):
    with pytest.raises(ValueError, match="invalid path segment"):
        make_client().get("threads", segment)
    assert server.sent == []


def test_path_of_joins_quoted_segments():
    assert path_of("threads", "thread_1", "runs") == "/threads/thread_1/runs"


@pytest.mark.parametrize("good", ["thread_abc123", "asst_ABC", "run-1", "file.v2", "ns:id", "0abc"])
def test_is_valid_id_accepts_real_ids(good):
    assert is_valid_id(good)


@pytest.mark.parametrize(
    "bad",
    ["", "thread/1", "..", ".hidden", "a?b", "a#b", "a b", "thré", "thread_1\n", "a\tb", "-x", "x" * 300],
)
def test_is_valid_id_rejects_what_could_change_the_url(bad):
    assert not is_valid_id(bad)


# --------------------------------------------------------------------------------------------
# Retries
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503])
def test_transient_statuses_are_retried_for_get(make_client, server, clock, status):
    server.add(api_error(status), (200, THREAD))
    result = make_client().get("threads", "thread_1")
    assert result.data == THREAD
    assert server.methods == ["GET", "GET"]
    assert len(clock.sleeps) == 1


@pytest.mark.parametrize(
    "failure",
    [connection_refused, connection_reset, name_not_resolved, read_timeout, connect_timeout],
    ids=["refused", "reset", "dns", "read-timeout", "connect-timeout"],
)
def test_connection_errors_and_timeouts_are_retried_for_get(make_client, server, clock, failure):
    server.add(failure(), (200, THREAD))
    assert make_client().get("threads", "thread_1").data == THREAD
    assert len(server.sent) == 2
    assert len(clock.sleeps) == 1


def test_get_gives_up_after_max_retries_and_says_so(make_client, server, clock):
    server.add(*[api_error(503, "overloaded")] * 3)
    with pytest.raises(ApiError) as caught:
        make_client(max_retries=2).get("threads", "thread_1")
    assert len(server.sent) == 3
    assert len(clock.sleeps) == 2
    assert caught.value.status == 503
    assert "gave up after 3 attempts" in str(caught.value)
    assert "max_retries is 2" in str(caught.value)


def test_max_retries_zero_sends_once(make_client, server, clock):
    server.add(api_error(503))
    with pytest.raises(ApiError):
        make_client(max_retries=0).get("threads", "thread_1")
    assert len(server.sent) == 1
    assert clock.sleeps == []


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_client_errors_are_not_retried(make_client, server, clock, status):
    server.add(api_error(status, error_type="invalid_request_error"))
    with pytest.raises(ApiError) as caught:
        make_client().get("threads", "thread_1")
    assert caught.value.status == status
    assert len(server.sent) == 1
    assert clock.sleeps == []
    assert "gave up" not in str(caught.value)


def test_x_should_retry_false_stops_a_retry(make_client, server, clock):
    server.add(api_error(503, headers={"x-should-retry": "false"}))
    with pytest.raises(ApiError):
        make_client().get("threads", "thread_1")
    assert len(server.sent) == 1
    assert clock.sleeps == []


def test_x_should_retry_true_forces_a_retry(make_client, server, clock):
    server.add(api_error(400, headers={"x-should-retry": "true"}), (200, THREAD))
    assert make_client().get("threads", "thread_1").data == THREAD
    assert len(server.sent) == 2


def test_on_retry_is_told_what_failed_and_how_long_it_waits(make_client, server):
    told = Recorder()
    server.add(api_error(503, "overloaded", headers={"retry-after": "2"}), (200, THREAD))
    make_client(on_retry=told).get("threads", "thread_1")
    assert len(told.calls) == 1
    message = told.calls[0][0]
    assert "GET /threads/thread_1" in message
    assert "overloaded" in message
    assert "2.0s" in message


# --------------------------------------------------------------------------------------------
# Backoff
# --------------------------------------------------------------------------------------------

def test_backoff_is_exponential_with_at_most_25_percent_jitter_off():
    for attempt in range(6):
        low, high = expected_backoff_range(attempt)
        assert backoff_seconds(attempt, rand=lambda: 0.0) == pytest.approx(high)
        assert backoff_seconds(attempt, rand=lambda: 0.999999) == pytest.approx(low, rel=1e-5)
    assert backoff_seconds(1, rand=lambda: 0.0) == pytest.approx(2 * backoff_seconds(0, rand=lambda: 0.0))


def test_backoff_is_capped():
    assert backoff_seconds(50, rand=lambda: 0.0) == BACKOFF_MAX
    assert BACKOFF_MAX <= 10


def test_client_sleeps_follow_backoff_bounds(make_client, server, clock):
    server.add(*[api_error(500)] * 7, (200, THREAD))
    make_client(max_retries=7).get("threads", "thread_1")
    assert len(clock.sleeps) == 7
    for attempt, slept in enumerate(clock.sleeps):
        low, high = expected_backoff_range(attempt)
        assert low <= slept <= high, (attempt, slept)
    assert max(clock.sleeps) <= BACKOFF_MAX


def test_retry_after_ms_wins_over_retry_after():
    assert retry_after_seconds({"retry-after-ms": "1500", "retry-after": "30"}) == pytest.approx(1.5)


def test_retry_after_in_seconds():
    assert retry_after_seconds({"retry-after": "7"}) == pytest.approx(7.0)


def test_retry_after_as_an_http_date():
    delay = retry_after_seconds({"retry-after": formatdate(time.time() + 10, usegmt=True)})
    assert delay is not None
    assert 8.0 < delay <= 10.0


@pytest.mark.parametrize(
    "headers",
    [
        {"retry-after": "-3"},
        {"retry-after": str(RETRY_AFTER_MAX + 1)},
        {"retry-after": "86400"},
        {"retry-after-ms": "-1"},
        {"retry-after-ms": "600000"},
        {"retry-after": formatdate(time.time() - 30, usegmt=True)},
        {"retry-after": "soon"},
        {"retry-after": "nan"},
        {},
    ],
    ids=["negative", "just-over-max", "a-day", "negative-ms", "ten-minutes-ms", "past-date", "garbage", "nan", "none"],
)
def test_absurd_retry_after_is_ignored(headers):
    assert retry_after_seconds(headers) is None


def test_client_sleeps_what_retry_after_ms_says(make_client, server, clock):
    server.add(api_error(429, headers={"retry-after-ms": "250", "Retry-After": "9"}), (200, THREAD))
    make_client().get("threads", "thread_1")
    assert clock.sleeps == [pytest.approx(0.25)]


def test_client_sleeps_what_retry_after_says(make_client, server, clock):
    server.add(api_error(429, headers={"Retry-After": "3"}), (200, THREAD))
    make_client().get("threads", "thread_1")
    assert clock.sleeps == [pytest.approx(3.0)]


def test_client_falls_back_to_backoff_on_an_absurd_retry_after(make_client, server, clock):
    server.add(api_error(429, headers={"Retry-After": "3600"}), (200, THREAD))
    make_client().get("threads", "thread_1")
    low, high = expected_backoff_range(0)
    assert len(clock.sleeps) == 1
    assert low <= clock.sleeps[0] <= high


def test_retry_is_not_slept_past_the_deadline(make_client, server, clock):
    server.add(api_error(429, "slow down", headers={"Retry-After": "5"}))
    with pytest.raises(ApiError) as caught:
        make_client().get("threads", "thread_1", deadline=clock.now + 4)
    assert clock.sleeps == []
    assert len(server.sent) == 1
    assert "deadline" in str(caught.value)


def test_retries_stop_once_backoff_would_cross_the_deadline(make_client, server, clock):
    # Backoff sleeps at most 0.5, 1, 2, 4...: with 2.5 s left, the third retry cannot fit.
    server.add(*[api_error(500)] * 4)
    with pytest.raises(ApiError, match="deadline"):
        make_client(max_retries=5).get("threads", "thread_1", deadline=clock.now + 2.5)
    assert clock.now <= 1000.0 + 2.5
    assert len(clock.sleeps) == 2
    assert len(server.sent) == 3


# --------------------------------------------------------------------------------------------
# Creates never make two
# --------------------------------------------------------------------------------------------

def test_create_is_resent_after_429(make_client, server, clock):
    find = Recorder()
    server.add(api_error(429, "rate limited", error_type="requests"), (200, THREAD))
    result = make_client().create("threads", body={}, find_existing=find)
    assert result.data == THREAD
    assert server.methods == ["POST", "POST"]
    assert find.calls == []


@pytest.mark.parametrize(
    "failure",
    [api_error(500), api_error(502), connection_reset(), read_timeout(), (200, "<html>ok</html>"), (201, b"")],
    ids=["500", "502", "reset-after-send", "read-timeout", "2xx-html", "2xx-empty"],
)
def test_create_failure_that_may_have_applied_returns_what_find_existing_finds(make_client, server, failure):
    find = Recorder(THREAD)
    server.add(failure)
    result = make_client().create("threads", body={"metadata": {"k": "v"}}, find_existing=find)
    assert result.data == THREAD
    assert server.methods == ["POST"]
    assert len(find.calls) == 1


def test_create_is_resent_when_find_existing_finds_nothing(make_client, server):
    find = Recorder(None)
    server.add(api_error(500), (200, THREAD))
    assert make_client().create("threads", body={}, find_existing=find).data == THREAD
    assert server.methods == ["POST", "POST"]
    assert len(find.calls) == 1


def test_create_resends_are_bounded_by_max_retries(make_client, server):
    find = Recorder()
    server.add(*[api_error(500)] * 3)
    with pytest.raises(ApiError, match="gave up after 3 attempts"):
        make_client(max_retries=2).create("threads", body={}, find_existing=find)
    assert server.methods == ["POST"] * 3
    assert len(find.calls) == 3


def test_create_that_may_have_applied_without_find_existing_is_final(make_client, server, clock):
    server.add(api_error(500, "internal error"))
    with pytest.raises(ApiError) as caught:
        make_client().create("threads", body={})
    assert server.methods == ["POST"]
    assert clock.sleeps == []
    assert "may have applied" in str(caught.value)
    assert "not sent again" in str(caught.value)


@pytest.mark.parametrize("failure", [connection_refused, name_not_resolved, connect_timeout],
                         ids=["refused", "dns", "connect-timeout"])
def test_create_never_sent_is_resent_without_a_lookup(make_client, server, failure):
    find = Recorder(AssertionError("find_existing must not be asked when the create never left"))
    server.add(failure(), (200, THREAD))
    assert make_client().create("threads", body={}, find_existing=find).data == THREAD
    assert server.methods == ["POST", "POST"]
    assert find.calls == []


def test_create_never_sent_is_resent_even_without_find_existing(make_client, server):
    server.add(connection_refused(), (200, THREAD))
    assert make_client().create("threads", body={}).data == THREAD
    assert server.methods == ["POST", "POST"]


def test_find_existing_transient_failure_is_retried(make_client, server, clock):
    find = Recorder(ApiError("lookup overloaded", status=503, transient=True), THREAD)
    server.add(api_error(500))
    assert make_client().create("threads", body={}, find_existing=find).data == THREAD
    assert server.methods == ["POST"]
    assert len(find.calls) == 2
    assert len(clock.sleeps) == 1


def test_a_redirect_never_turns_a_create_into_a_get(make_client, server):
    # requests follows 301/302/303 by re-sending a POST as a GET; the list that GET answers
    # must not come back as "the created object".
    server.add(
        (301, b"", {"Location": "https://api.example.test/v1/threads/"}),
        (200, {"object": "list", "data": [], "has_more": False}),
    )
    try:
        result = make_client().create("threads", body={})
    except ApiError:
        result = None
    assert server.methods == ["POST"] * len(server.sent), server.methods
    assert result is None or result.data.get("object") != "list"


# --------------------------------------------------------------------------------------------
# Error mapping
# --------------------------------------------------------------------------------------------

def test_api_error_fields_land_on_the_exception(make_client, server):
    server.add(api_error(400, "Invalid 'model': unknown", error_type="invalid_request_error",
                         code="model_not_found", param="model"))
    with pytest.raises(ApiError) as caught:
        make_client().post("threads", "thread_1", "runs", body={"assistant_id": "asst_1"})
    error = caught.value
    assert (error.status, error.error_type, error.code, error.param) == (
        400, "invalid_request_error", "model_not_found", "model")
    assert error.message == "Invalid 'model': unknown"
    text = str(error)
    assert text.startswith("POST /threads/thread_1/runs failed")
    assert "HTTP 400" in text
    assert "invalid_request_error/model_not_found" in text
    assert "Invalid 'model': unknown" in text
    assert error.to_dict() == {
        "status": 400, "type": "invalid_request_error", "code": "model_not_found", "param": "model",
        "message": "Invalid 'model': unknown", "method": "POST", "path": "/threads/thread_1/runs",
    }


NGINX_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n"
    "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n" + "<!-- padding -->\r\n" * 20
)


def test_html_proxy_page_gives_a_readable_message(make_client, server):
    server.add(*[(502, NGINX_502, {"Content-Type": "text/html"})] * 4)
    with pytest.raises(ApiError) as caught:
        make_client().get("threads", "thread_1")
    assert caught.value.status == 502
    assert "HTML" in caught.value.message
    assert "<" not in str(caught.value)


def test_truncated_json_error_body_still_gives_a_message(make_client, server):
    server.add((400, b'{"error": {"message": "Invalid value for \'limit\'', {"Content-Type": "application/json"}))
    with pytest.raises(ApiError) as caught:
        make_client().get("threads", "thread_1", "messages")
    assert caught.value.status == 400
    assert "Invalid value for 'limit'" in caught.value.message


def test_empty_error_body_gives_the_reason(make_client, server):
    server.add(lambda request: make_response(418, b"", reason="I'm a teapot"))
    with pytest.raises(ApiError) as caught:
        make_client().get("threads", "thread_1")
    assert caught.value.message == "I'm a teapot"
    assert "HTTP 418" in str(caught.value)


def test_long_plain_text_error_body_is_cut(make_client, server):
    server.add((400, "x" * 5000))
    with pytest.raises(ApiError) as caught:
        make_client().get("threads", "thread_1")
    assert 0 < len(caught.value.message) <= 300


def test_top_level_message_body_is_understood(make_client, server):
    server.add((400, {"message": "thread_id is malformed", "code": "bad_id"}))
    with pytest.raises(ApiError) as caught:
        make_client().get("threads", "thread_1")
    assert caught.value.message == "thread_id is malformed"
    assert caught.value.code == "bad_id"


def test_404_from_openai_mentions_the_retirement_and_api_base(make_client, server):
    server.add(api_error(404, "Invalid URL (GET /v1/threads/thread_1)", error_type="invalid_request_error"))
    # The retired API answers its unknown-route 404: api_base has no Assistants API there any more.
    with pytest.raises(NoApiAtBase) as caught:
        make_client(api_base="https://api.openai.com/v1").get("threads", "thread_1")
    text = caught.value.message
    assert text.startswith("api_base https://api.openai.com/v1 has no Assistants API at that path")
    assert "2026-08-26" in text
    assert "api_base" in text
    assert server.sent[0].url == "https://api.openai.com/v1/threads/thread_1"


def test_404_from_another_host_does_not_mention_the_retirement(make_client, server):
    server.add(api_error(404, "No thread found with id 'thread_1'.", error_type="invalid_request_error"))
    with pytest.raises(ApiError) as caught:
        make_client().get("threads", "thread_1")
    assert "2026-08-26" not in str(caught.value)
    assert "No thread found" in str(caught.value)


def test_tls_error_names_validate_certs_and_ca_path_and_is_not_retried(make_client, server, clock):
    server.add(tls_failure())
    with pytest.raises(ApiError) as caught:
        make_client().get("threads", "thread_1")
    text = str(caught.value)
    assert "validate_certs" in text
    assert "ca_path" in text
    assert "CERTIFICATE_VERIFY_FAILED" in text
    assert len(server.sent) == 1
    assert clock.sleeps == []


@pytest.mark.parametrize(
    "openssl",
    ["[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)", "[SSL] record layer failure (_ssl.c:1028)",
     "[SSL: PACKET_LENGTH_TOO_LONG] packet length too long (_ssl.c:1000)"],
    ids=["openssl-3.0", "openssl-3.2", "openssl-1.1"],
)
def test_https_to_a_plain_http_server_says_it_does_not_speak_tls_there(make_client, server, clock, openssl):
    server.add(plain_http_answer(openssl=openssl))
    with pytest.raises(ApiError) as caught:
        make_client(api_base="https://127.0.0.1:8000/v1").get("threads", "thread_1")
    text = str(caught.value)
    assert "the server at https://127.0.0.1:8000/v1 does not speak TLS there" in text
    assert "Use http:// in api_base for a plain-HTTP server" in text
    assert "validate_certs" not in text and "ca_path" not in text
    assert len(server.sent) == 1 and clock.sleeps == []


def test_connection_error_says_where_it_was_going(make_client, server):
    server.add(*[connection_refused()] * 4)
    with pytest.raises(ApiError) as caught:
        make_client().get("threads", "thread_1")
    assert caught.value.status is None
    assert API_BASE in str(caught.value)
    assert "no response" in str(caught.value)


@pytest.mark.parametrize(
    "options, verify",
    [
        ({}, True),
        ({"validate_certs": False}, False),
        ({"ca_path": "/etc/pki/private-ca.pem"}, "/etc/pki/private-ca.pem"),
        ({"validate_certs": False, "ca_path": "/etc/pki/private-ca.pem"}, False),
    ],
    ids=["default", "no-validation", "ca-path", "no-validation-wins"],
)
def test_validate_certs_and_ca_path_set_verify(make_client, server, options, verify):
    server.add((200, THREAD))
    client = make_client(**options)
    client.get("threads", "thread_1")
    assert client.verify == verify
    assert server.kwargs[0]["verify"] == verify


def test_request_timeout_is_passed_to_every_request(make_client, server):
    server.add((200, THREAD))
    make_client(request_timeout=7.5).get("threads", "thread_1")
    assert server.kwargs[0]["timeout"] == 7.5


# --------------------------------------------------------------------------------------------
# Pager
# --------------------------------------------------------------------------------------------

def page(ids, has_more, with_cursors=True, **extra):
    body = {"data": [{"id": i, "object": "thread.message"} for i in ids], "has_more": has_more}
    if with_cursors:
        body.update(object="list", first_id=ids[0] if ids else None, last_id=ids[-1] if ids else None)
    body.update(extra)
    return (200, body)


def test_pager_follows_after_last_id_while_has_more(make_client, server):
    server.add(page(["m1", "m2"], True), page(["m3", "m4"], True), page(["m5"], False))
    ids = [item["id"] for item in make_client().items("threads", "thread_1", "messages", order="asc")]
    assert ids == ["m1", "m2", "m3", "m4", "m5"]
    assert "after" not in server.query(0)
    assert server.query(1)["after"] == "m2"
    assert server.query(2)["after"] == "m4"
    assert all(server.query(i)["order"] == "asc" for i in range(3))


def test_pager_starts_after_the_given_cursor(make_client, server):
    server.add(page(["m3"], False))
    list(make_client().items("threads", "thread_1", "messages", after="m2"))
    assert server.query(0)["after"] == "m2"
    assert "before" not in server.query(0)


def test_pager_walks_backwards_with_before_first_id(make_client, server):
    server.add(page(["m7", "m8"], True), page(["m5", "m6"], False))
    ids = [item["id"] for item in make_client().items("threads", "thread_1", "messages", before="m9")]
    assert ids == ["m7", "m8", "m5", "m6"]
    assert server.query(0)["before"] == "m9"
    assert server.query(1)["before"] == "m7"
    assert all("after" not in server.query(i) for i in range(2))


def test_pager_uses_data_ids_when_the_server_omits_cursors(make_client, server):
    server.add(page(["r1", "r2"], True, with_cursors=False), page(["r3"], False, with_cursors=False))
    ids = [item["id"] for item in make_client().items("threads", "thread_1", "runs")]
    assert ids == ["r1", "r2", "r3"]
    assert server.query(1)["after"] == "r2"


def test_backwards_pager_uses_the_first_data_id_when_the_server_omits_cursors(make_client, server):
    server.add(page(["r5", "r6"], True, with_cursors=False), page(["r4"], False, with_cursors=False))
    list(make_client().items("threads", "thread_1", "runs", before="r7"))
    assert server.query(1)["before"] == "r5"


def test_pager_caps_the_page_size(make_client, server):
    server.add(page(["m1"], False))
    list(make_client().pages("threads", "thread_1", "messages", limit=1000))
    assert server.query(0)["limit"] == str(PAGE_SIZE_MAX)
    assert PAGE_SIZE_MAX == 100


def test_pager_passes_a_smaller_page_size_through(make_client, server):
    server.add(page(["m1"], False))
    list(make_client().pages("threads", "thread_1", "messages", limit=20))
    assert server.query(0)["limit"] == "20"


def test_pager_stops_on_an_empty_page_even_if_has_more(make_client, server):
    server.add(page([], True))
    assert list(make_client().items("threads", "thread_1", "messages")) == []
    assert len(server.sent) == 1


@pytest.mark.parametrize("answer", [[{"id": "m1"}], {"data": "nope"}, {"object": "list"}, b'"text"'],
                         ids=["bare-list", "data-not-list", "no-data", "string"])
def test_pager_rejects_an_answer_that_is_not_a_list(make_client, server, answer):
    server.add((200, answer))
    with pytest.raises(ApiError, match="not a list"):
        list(make_client().pages("threads", "thread_1", "messages"))


def test_pager_stops_when_the_server_does_not_advance_the_cursor(make_client, server):
    # A server that ignores `after` answers the first page again and again with has_more: the
    # pager must fail rather than loop forever (the adapter allows a few pages, then fails).
    server.add(*[page(["m1", "m2"], True)] * 5)
    with pytest.raises(ApiError):
        list(make_client().pages("threads", "thread_1", "messages"))
    assert len(server.sent) <= 3


def test_pager_stops_when_has_more_comes_without_any_cursor(make_client, server):
    # has_more with neither last_id nor ids in the data would restart from the first page.
    server.add(*[(200, {"data": [{"object": "thread.message"}], "has_more": True})] * 5)
    with pytest.raises(ApiError):
        list(make_client().pages("threads", "thread_1", "messages"))
    assert len(server.sent) <= 3


# --------------------------------------------------------------------------------------------
# Secret hygiene
# --------------------------------------------------------------------------------------------

def assert_no_key(error: ApiError, key: str = API_KEY):
    assert key not in str(error)
    assert key not in error.message
    assert key not in json.dumps(error.to_dict())


def test_key_echoed_by_the_server_is_scrubbed(make_client, server):
    server.add(api_error(401, f"Incorrect API key provided: {API_KEY}.", error_type="invalid_request_error",
                         code="invalid_api_key"))
    with pytest.raises(ApiError) as caught:
        make_client().get("threads", "thread_1")
    assert_no_key(caught.value)
    assert "Incorrect API key provided" in caught.value.message


def test_key_in_a_connection_error_text_is_scrubbed(make_client, server):
    server.add(*[connection_refused(f"/v1/threads/thread_1?api-key={API_KEY}")] * 4)
    with pytest.raises(ApiError) as caught:
        make_client().get("threads", "thread_1")
    assert_no_key(caught.value)


def test_key_in_a_tls_error_text_is_scrubbed(make_client, server):
    server.add(tls_failure(f"/v1/threads?api-key={API_KEY}"))
    with pytest.raises(ApiError) as caught:
        make_client().get("threads", "thread_1")
    assert_no_key(caught.value)


def test_key_in_the_html_or_plain_text_error_body_is_scrubbed(make_client, server):
    server.add((400, f"bad key {API_KEY}"))
    with pytest.raises(ApiError) as caught:
        make_client().get("threads", "thread_1")
    assert_no_key(caught.value)


def test_key_never_reaches_on_retry(make_client, server):
    told = Recorder()
    server.add(
        api_error(503, f"upstream rejected {API_KEY}"),
        connection_reset(),
        lambda request: make_response(500, f"Authorization: Bearer {API_KEY}"),
        (200, THREAD),
    )
    make_client(on_retry=told, max_retries=3).get("threads", "thread_1")
    assert len(told.calls) == 3
    for (message,) in told.calls:
        assert API_KEY not in message


def test_key_with_a_trailing_newline_never_appears_in_the_error(make_client, server):
    # A key pasted into a CI secret or an environment variable often ends with a newline.
    # requests refuses the header and quotes it (as 'Bearer sk-...\\n') in its error text.
    # Either the key is sent stripped, or the failure is reported without it.
    server.add((200, THREAD))
    try:
        make_client(api_key=API_KEY + "\n").get("threads", "thread_1")
    except ApiError as error:
        assert_no_key(error, API_KEY)
    else:
        assert server.sent[0].headers["Authorization"] == f"Bearer {API_KEY}"


def test_scrub_masks_the_key():
    client = _client.Client(api_key=API_KEY, session=requests.Session(), sleep=lambda s: None)
    assert client.scrub(f"a {API_KEY} b") == "a ******** b"


def test_scrub_without_a_key_leaves_text_alone():
    client = _client.Client(api_key=None, session=requests.Session(), sleep=lambda s: None)
    assert client.scrub("nothing ******** to hide") == "nothing ******** to hide"
