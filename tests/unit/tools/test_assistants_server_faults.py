# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fault rules make chosen requests fail as real networks and servers do; the control API sets and reports them."""

from __future__ import annotations

import time

import pytest
import requests

RUNS = "/threads/[^/]+/runs$"


def _runs(api, thread_id):
    return api.get(f"/threads/{thread_id}/runs")["data"]


def _setup(api):
    thread = api.thread()
    return thread["id"], {"assistant_id": api.assistant()["id"], "metadata": {"sim_seconds": "60"}}


def test_a_status_rule_answers_that_status_n_times_without_applying_the_request(api) -> None:
    thread_id, body = _setup(api)
    api.control("PUT", "faults", [{"method": "POST", "path": RUNS, "action": "status", "status": 429, "retry_after": 1, "retry_after_ms": 50, "times": 2}])
    for _attempt in range(2):
        response = api.request("POST", f"/threads/{thread_id}/runs", body)
        assert response.status_code == 429
        assert (response.headers["Retry-After"], response.headers["retry-after-ms"]) == ("1", "50")
        assert response.json()["error"]["code"] == "rate_limit_exceeded"
    assert _runs(api, thread_id) == []
    assert api.request("POST", f"/threads/{thread_id}/runs", body).status_code == 200
    [rule] = api.control("GET", "faults")["rules"]
    assert (rule["fired"], rule["remaining"]) == (2, 0)


def test_a_status_rule_can_send_an_html_page_or_its_own_error(api) -> None:
    api.control("PUT", "faults", [{"path": "/assistants$", "action": "status", "status": 502, "body": "html"},
                                  {"path": "/assistants$", "action": "status", "status": 503, "message": "try later", "code": "overloaded"},
                                  {"path": "/assistants$", "action": "status", "status": 500}])
    html = api.request("GET", "/assistants")
    assert html.status_code == 502 and html.headers["Content-Type"] == "text/html" and "502 Bad Gateway" in html.text
    custom = api.request("GET", "/assistants")
    assert custom.status_code == 503 and custom.json()["error"] == {"message": "try later", "type": "server_error", "param": None, "code": "overloaded"}
    server_error = api.request("GET", "/assistants")
    assert server_error.status_code == 500 and server_error.json()["error"]["type"] == "server_error"
    assert api.request("GET", "/assistants").status_code == 200


def test_a_delay_rule_answers_normally_after_waiting(api) -> None:
    api.control("PUT", "faults", [{"method": "GET", "path": "/assistants$", "action": "delay", "seconds": 0.3}])
    started = time.monotonic()
    response = api.request("GET", "/assistants")
    assert response.status_code == 200 and time.monotonic() - started >= 0.3
    started = time.monotonic()
    api.request("GET", "/assistants")
    assert time.monotonic() - started < 0.3  # it fired once


def test_a_delay_rule_combines_with_a_later_status_rule(api) -> None:
    api.control("PUT", "faults", [{"action": "delay", "seconds": 0.2}, {"action": "status", "status": 503}])
    started = time.monotonic()
    assert api.request("GET", "/assistants").status_code == 503
    assert time.monotonic() - started >= 0.2


def test_drop_before_closes_the_connection_and_applies_nothing(api) -> None:
    thread_id, body = _setup(api)
    api.control("PUT", "faults", [{"method": "POST", "path": RUNS, "action": "drop_before"}])
    with pytest.raises(requests.exceptions.ConnectionError):
        api.request("POST", f"/threads/{thread_id}/runs", body)
    assert _runs(api, thread_id) == []
    entry = [e for e in api.control("GET", "requests")["requests"] if e["method"] == "POST" and e["path"].endswith("/runs")][0]
    assert (entry["status"], entry["fault"]) == (None, "drop_before")


def test_drop_after_apply_creates_the_run_so_a_blind_retry_meets_the_active_run(api) -> None:
    thread_id, body = _setup(api)
    api.control("PUT", "faults", [{"method": "POST", "path": RUNS, "action": "drop_after_apply"}])
    with pytest.raises(requests.exceptions.ConnectionError):
        api.request("POST", f"/threads/{thread_id}/runs", body)
    [run] = _runs(api, thread_id)
    retry = api.request("POST", f"/threads/{thread_id}/runs", body)
    assert retry.status_code == 400
    assert retry.json()["error"]["message"] == f"Thread {thread_id} already has an active run {run['id']}."
    assert len(_runs(api, thread_id)) == 1


def test_truncate_applies_the_request_and_cuts_the_body_short(api) -> None:
    thread_id, body = _setup(api)
    api.control("PUT", "faults", [{"method": "POST", "path": RUNS, "action": "truncate"}])
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)):
        api.request("POST", f"/threads/{thread_id}/runs", body)
    assert len(_runs(api, thread_id)) == 1


def test_not_json_applies_the_request_and_answers_garbage(api) -> None:
    thread_id, body = _setup(api)
    api.control("PUT", "faults", [{"method": "POST", "path": RUNS, "action": "not_json"}])
    response = api.request("POST", f"/threads/{thread_id}/runs", body)
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()
    assert len(_runs(api, thread_id)) == 1


def test_rules_match_on_method_and_path_and_can_skip_requests_first(api) -> None:
    api.control("PUT", "faults", [{"method": "get", "path": "^/v1/assistants$", "action": "status", "status": 500, "skip": 1, "times": 1}])
    assert api.request("POST", "/assistants", {"model": "m"}).status_code == 200  # other method
    assert api.request("GET", "/assistants/asst_x").status_code == 404  # other path
    assert [api.request("GET", "/assistants").status_code for _attempt in range(3)] == [200, 500, 200]


def test_a_rule_with_times_null_fires_until_the_rules_are_removed(api) -> None:
    api.control("POST", "faults", {"path": "/assistants", "action": "status", "status": 503, "times": None})
    assert [api.request("GET", "/assistants").status_code for _attempt in range(3)] == [503, 503, 503]
    assert api.control("DELETE", "faults") == {"rules": []}
    assert api.request("GET", "/assistants").status_code == 200


@pytest.mark.parametrize(("rule", "complaint"), [
    ({"action": "explode"}, "'action' must be one of"),
    ({"action": "status"}, "needs 'status'"),
    ({"action": "status", "status": 42}, "'status' must be a whole number between 200 and 599"),
    ({"action": "delay", "path": "(["}, "not a valid regular expression"),
    ({"action": "delay", "seconds": -1}, "'seconds' must be a number"),
    ({"action": "delay", "when": "now"}, "unknown key(s) when"),
    ({"action": "status", "status": 500, "times": 0}, "'times' must be a whole number at least 1 or null"),
])
def test_unusable_rules_are_refused_with_the_reason(api, rule, complaint) -> None:
    response = api.session.put(f"{api.base}/__control/faults", json=[rule], timeout=5)
    assert response.status_code == 400 and complaint in response.json()["error"]["message"]
    assert api.control("GET", "faults") == {"rules": []}


def test_the_request_log_shows_what_was_asked_and_answered_but_never_the_key(api) -> None:
    api.session.headers["Authorization"] = "Bearer sk-very-secret"
    thread_id, body = _setup(api)
    api.request("POST", f"/threads/{thread_id}/runs", {**body, "tools": [{"type": "code_interpreter"}]})
    api.request("GET", f"/threads/{thread_id}/runs", params={"limit": 5, "order": "asc"})
    api.request("GET", "/threads/thread_missing")
    response = api.session.get(f"{api.base}/__control/requests", timeout=5)
    assert "sk-very-secret" not in response.text
    entries = response.json()["requests"]
    create, listing, missing = entries[-3:]
    assert (create["method"], create["path"], create["status"], create["fault"]) == ("POST", f"/v1/threads/{thread_id}/runs", 200, None)
    assert create["body"]["metadata"] == {"sim_seconds": "60"} and create["body"]["tools"] == [{"type": "code_interpreter"}]
    assert create["headers"]["openai-beta"] == "assistants=v2" and "authorization" not in {k.lower() for k in create["headers"]}
    assert listing["query"] == {"limit": "5", "order": "asc"} and listing["body"] is None
    assert missing["status"] == 404
    assert [entry["seq"] for entry in entries] == sorted(entry["seq"] for entry in entries)
    assert api.control("DELETE", "requests") == {"requests": []}


def test_reset_empties_the_store(api) -> None:
    thread_id = _setup(api)[0]
    api.control("POST", "reset")
    assert api.request("GET", f"/threads/{thread_id}").status_code == 404
    assert api.get("/assistants")["data"] == []


def test_the_clock_only_moves_forward(api) -> None:
    before = api.control("GET", "clock")
    after = api.control("POST", "clock", {"advance_seconds": 100})
    assert after["offset"] == before["offset"] + 100 and after["now"] >= before["now"] + 100
    assert api.session.post(f"{api.base}/__control/clock", json={"advance_seconds": -1}, timeout=5).status_code == 400


def test_unknown_control_endpoints_answer_404_with_help(api) -> None:
    response = api.session.get(f"{api.base}/__control/nothing", timeout=5)
    assert response.status_code == 404 and "/__control/faults" in response.json()["error"]["message"]


def test_rules_can_be_given_when_the_server_starts(make_server) -> None:
    client = make_server(faults=[{"path": "/assistants$", "action": "status", "status": 418}])[1]
    assert client.request("GET", "/assistants").status_code == 418
    assert client.request("GET", "/assistants").status_code == 200


def test_stall_sends_a_streams_first_event_then_nothing_while_the_run_goes_on(api) -> None:
    thread_id = api.thread()["id"]
    api.control("PUT", "faults", [{"method": "POST", "path": RUNS, "action": "stall", "seconds": 1}])
    body = {"assistant_id": api.assistant()["id"], "metadata": {"sim_seconds": "0"}, "stream": True}
    with api.session.post(f"{api.url}/threads/{thread_id}/runs", json=body, stream=True, timeout=(5, 0.5)) as response:
        lines = response.iter_lines(decode_unicode=True)
        assert next(lines) == "event: thread.run.created"
        assert next(lines).startswith("data: ")
        assert next(lines) == ""
        with pytest.raises(requests.exceptions.ConnectionError, match="timed out"):
            next(lines)  # silent: the read times out although the run goes on
    [run] = _runs(api, thread_id)
    assert api.wait(run, "completed")["status"] == "completed"
    [rule] = api.control("GET", "faults")["rules"]
    assert rule["fired"] == 1
