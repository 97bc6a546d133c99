# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The client under broken answers (issue #7): a body that breaks off is retried like a dropped connection,
and a create that got no answer in time is never sent again, because the server may still apply it.

Same fakes as test_client.py: a real requests.Session on ScriptedAdapter and the fake clock.
"""

from __future__ import annotations

import pytest
import requests
from urllib3 import exceptions as u3

from ansible_collections.llmops.assistants.plugins.module_utils._errors import ApiError
from ansible_collections.llmops.assistants.tests.unit.plugins.fakes import (
    connection_reset,
    read_timeout,
)

THREAD = {"id": "thread_1", "object": "thread", "created_at": 1700000000, "metadata": {}}
RUN = {"id": "run_1", "object": "thread.run", "thread_id": "thread_1", "status": "queued", "metadata": {}}


class _BrokenBody:
    """A urllib3 body whose connection closes halfway, as after the server's `truncate` fault."""

    def __init__(self, first: bytes) -> None:
        self.first = first

    def stream(self, _chunk_size, decode_content=True):  # noqa: D102 - the urllib3 API requests reads
        yield self.first
        raise u3.ProtocolError(
            f"Connection broken: IncompleteRead({len(self.first)} bytes read, {len(self.first)} more expected)",
        )

    def release_conn(self) -> None:
        pass

    def close(self) -> None:
        pass


def broken_body(status: int = 200, first: bytes = b'{"id": "thread_1", "obj'):
    """The headers arrive, then the body breaks off: requests raises ChunkedEncodingError reading it."""

    def respond(_request):
        response = requests.Response()
        response.status_code = status
        response.headers["Content-Type"] = "application/json"
        response.raw = _BrokenBody(first)
        return response

    return respond


class Lookup:
    """find_existing: answers from a script, counting its calls."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return self.answers.pop(0) if self.answers else None


def test_a_body_that_breaks_off_is_retried_for_a_read(make_client, server, clock):
    server.add(broken_body(), (200, THREAD))
    assert make_client().get("threads", "thread_1").data == THREAD
    assert server.methods == ["GET", "GET"]
    assert len(clock.sleeps) == 1


def test_a_body_that_breaks_off_on_every_try_fails_with_a_clear_message(make_client, server):
    server.add(*[broken_body()] * 3)
    with pytest.raises(ApiError) as caught:
        make_client(max_retries=2).get("threads", "thread_1")
    message = str(caught.value)
    assert "answer broke off" in message
    assert "gave up after 3 attempts; max_retries is 2" in message
    assert "Traceback" not in message


def test_a_create_whose_answer_broke_off_is_found_not_sent_again(make_client, server):
    find = Lookup(THREAD)
    server.add(broken_body())
    assert make_client().create("threads", body={}, find_existing=find).data == THREAD
    assert server.methods == ["POST"]
    assert find.calls == 1


def test_a_create_whose_answer_broke_off_without_a_lookup_is_final(make_client, server):
    server.add(broken_body())
    with pytest.raises(ApiError, match="cannot be looked up, so it was not sent again"):
        make_client().create("threads", "runs", body={})
    assert server.methods == ["POST"]


@pytest.mark.parametrize(
    "failure",
    [read_timeout("/v1/threads/thread_1/runs"), (504, "<html><body><h1>504 Gateway Time-out</h1></body></html>")],
    ids=["read-timeout", "504-gateway-timeout"],
)
def test_a_create_that_timed_out_and_is_not_found_is_not_sent_again(make_client, server, clock, failure):
    # The server got the request and may apply it after we stopped waiting: a resend could make a second run.
    find = Lookup(None)
    server.add(failure)
    with pytest.raises(ApiError) as caught:
        make_client().create("threads", "thread_1", "runs", body={}, find_existing=find)
    assert server.methods == ["POST"]
    assert find.calls == 1
    assert clock.sleeps == []
    message = str(caught.value)
    assert "may still apply it, so it was not sent again" in message
    assert "request_timeout" in message


def test_a_create_that_timed_out_and_is_found_returns_it(make_client, server):
    find = Lookup(RUN)
    server.add(read_timeout("/v1/threads/thread_1/runs"))
    assert make_client().create("threads", "thread_1", "runs", body={}, find_existing=find).data == RUN
    assert server.methods == ["POST"]


@pytest.mark.parametrize("failure", [connection_reset(), (502, "bad gateway"), (500, "oops"), (503, "busy")],
                         ids=["reset", "502", "500", "503"])
def test_a_create_that_failed_for_good_and_is_not_found_is_still_sent_again(make_client, server, failure):
    # The server is done with it: the lookup that follows sees whatever it applied, so a resend is safe.
    find = Lookup(None)
    server.add(failure, (200, RUN))
    assert make_client().create("threads", "thread_1", "runs", body={}, find_existing=find).data == RUN
    assert server.methods == ["POST", "POST"]


def test_a_read_that_timed_out_is_retried(make_client, server):
    server.add(read_timeout(), (200, THREAD))
    assert make_client().get("threads", "thread_1").data == THREAD
    assert server.methods == ["GET", "GET"]
