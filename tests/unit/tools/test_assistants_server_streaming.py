# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`"stream": true` answers server-sent events in the hosted API's order, ending with `done` / `[DONE]`."""

from __future__ import annotations

import json
import threading
import time

import pytest
import requests

FUNCTION = {"type": "function", "function": {"name": "lookup"}}
START = ["thread.run.created", "thread.run.queued", "thread.run.in_progress", "thread.run.step.created", "thread.run.step.in_progress",
         "thread.message.created", "thread.message.in_progress", "thread.message.delta", "thread.message.completed", "thread.run.step.completed"]


def _events(response):
    """[(event, data)] of an event stream; data is parsed JSON except for the final [DONE]."""
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/event-stream")
    events = []
    for block in response.text.split("\n\n"):
        if not block.strip():
            continue
        fields = dict(line.split(": ", 1) for line in block.split("\n"))
        events.append((fields["event"], fields["data"] if fields["data"] == "[DONE]" else json.loads(fields["data"])))
    return events


def _stream(api, path, body):
    return _events(api.request("POST", path, {**body, "stream": True}))


def test_a_streamed_run_sends_every_event_then_done(api) -> None:
    thread = api.thread("stream this")
    events = _stream(api, f"/threads/{thread['id']}/runs", {"assistant_id": api.assistant()["id"]})
    assert [name for name, _data in events] == START + ["thread.run.completed", "done"]
    assert events[-1][1] == "[DONE]"
    runs = [data for name, data in events if name.startswith("thread.run.") and not name.startswith("thread.run.step")]
    assert [run["status"] for run in runs] == ["queued", "queued", "in_progress", "completed"]
    assert len({run["id"] for run in runs}) == 1 and runs[-1]["usage"] is not None
    delta = dict(events)["thread.message.delta"]
    assert delta["object"] == "thread.message.delta" and delta["delta"]["content"][0]["text"]["value"] == "Echo: stream this"
    assert dict(events)["thread.message.completed"]["content"][0]["text"]["value"] == "Echo: stream this"
    assert api.get_run(runs[0])["status"] == "completed"


def test_create_thread_and_run_streams_thread_created_first(api) -> None:
    events = _stream(api, "/threads/runs", {"assistant_id": api.assistant()["id"], "thread": {"messages": [{"role": "user", "content": "x"}]}})
    assert events[0][0] == "thread.created" and events[0][1]["object"] == "thread"
    assert [name for name, _data in events[1:]] == START + ["thread.run.completed", "done"]


def test_a_stream_stops_at_requires_action_and_the_tool_outputs_stream_finishes_the_run(api) -> None:
    thread = api.thread()
    events = _stream(api, f"/threads/{thread['id']}/runs", {"assistant_id": api.assistant(tools=[FUNCTION])["id"]})
    assert [name for name, _data in events] == START[:5] + ["thread.run.requires_action", "done"]
    run = dict(events)["thread.run.requires_action"]
    call_id = run["required_action"]["submit_tool_outputs"]["tool_calls"][0]["id"]
    events = _stream(api, f"/threads/{thread['id']}/runs/{run['id']}/submit_tool_outputs", {"tool_outputs": [{"tool_call_id": call_id, "output": "found"}]})
    assert [name for name, _data in events] == ["thread.run.step.completed", "thread.run.queued"] + START[2:] + ["thread.run.completed", "done"]
    assert dict(events)["thread.message.completed"]["content"][0]["text"]["value"].endswith("lookup returned: found")


@pytest.mark.parametrize(("outcome", "last"), [("failed", "thread.run.failed"), ("expired", "thread.run.expired"), ("incomplete", "thread.run.incomplete")])
def test_a_stream_ends_with_the_runs_terminal_event(api, outcome, last) -> None:
    thread = api.thread()
    events = _stream(api, f"/threads/{thread['id']}/runs", {"assistant_id": api.assistant()["id"], "metadata": {"sim_outcome": outcome}})
    assert [name for name, _data in events][-2:] == [last, "done"]
    assert events[-2][1]["status"] == outcome


def _open_stream(api, thread_id):
    """Start a 30 s streamed run in the background; returns (reader thread, result dict, run)."""
    body = {"assistant_id": api.assistant()["id"], "metadata": {"sim_seconds": "30"}, "stream": True}
    result = {}

    def read() -> None:
        # A session of its own: the stream stays open while the test acts on the run.
        response = requests.post(f"{api.url}/threads/{thread_id}/runs", json=body, headers=dict(api.session.headers), timeout=20)
        result["events"] = _events(response)

    reader = threading.Thread(target=read)
    reader.start()
    deadline = time.monotonic() + 5
    while not (runs := api.get(f"/threads/{thread_id}/runs")["data"]):
        assert time.monotonic() < deadline, "the streamed run was never created"
        time.sleep(0.01)
    return reader, result, runs[0]


def test_cancelling_a_streamed_run_ends_its_stream_with_cancelled(api) -> None:
    thread = api.thread()
    reader, result, run = _open_stream(api, thread["id"])
    api.post(f"/threads/{thread['id']}/runs/{run['id']}/cancel")
    reader.join(timeout=10)
    assert not reader.is_alive(), "the stream did not end after the run was cancelled"
    assert [name for name, _data in result["events"]][-3:] == ["thread.run.cancelling", "thread.run.cancelled", "done"]


def test_deleting_the_thread_of_a_streamed_run_ends_the_stream(api) -> None:
    thread = api.thread()
    reader, result, _run = _open_stream(api, thread["id"])
    api.ok("DELETE", f"/threads/{thread['id']}")
    reader.join(timeout=10)
    assert not reader.is_alive(), "the stream did not end after its thread was deleted"
    assert result["events"][-1] == ("done", "[DONE]")
