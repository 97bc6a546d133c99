# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""--db: everything the server acknowledged survives a restart and a kill -9; runs cut off by a crash say so."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import TERMINAL, UPSTREAM_KEY, Api

REPO_ROOT = Path(__file__).resolve().parents[3]
WEATHER = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {}}}}


@pytest.fixture(name="start_cli")
def fixture_start_cli(launch):
    """Start `python3 tools/assistants_server --port 0 ...` as users do; returns (process, Api)."""

    def start(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, Api]:
        process, url = launch(*args, env=env)
        return process, Api(url.removesuffix("/v1"))

    return start


def _everything(api: Api) -> dict[str, Any]:
    """What a client can read back: every assistant, thread, message, run and step."""
    found: dict[str, Any] = {"assistants": api.get("/assistants", limit=100)["data"], "threads": {}}
    for thread_id in api.thread_ids:
        runs = api.get(f"/threads/{thread_id}/runs", limit=100)["data"]
        found["threads"][thread_id] = {
            "thread": api.get(f"/threads/{thread_id}"),
            "messages": api.get(f"/threads/{thread_id}/messages", limit=100)["data"],
            "runs": runs,
            "steps": {run["id"]: api.get(f"/threads/{thread_id}/runs/{run['id']}/steps", limit=100)["data"] for run in runs},
        }
    return found


def _fill(api: Api) -> None:
    api.thread_ids = []
    assistant = api.assistant(name="kept", tools=[WEATHER])
    api.post(f"/assistants/{api.assistant(name='modified')['id']}", {"name": "modified twice"})
    for number in range(3):
        thread = api.thread(f"question {number}", metadata={"n": str(number)})
        api.thread_ids.append(thread["id"])
        message = api.post(f"/threads/{thread['id']}/messages", {"role": "user", "content": "more"})
        api.post(f"/threads/{thread['id']}/messages/{message['id']}", {"metadata": {"edited": "yes"}})
        run = api.wait(api.run(thread["id"], assistant["id"], tools=[], metadata={"sim_seconds": "0"}), TERMINAL)
        assert run["status"] == "completed"
    doomed = api.thread("deleted")
    api.request("DELETE", f"/threads/{doomed['id']}")
    extra = api.post(f"/threads/{api.thread_ids[0]}/messages", {"role": "user", "content": "deleted message"})
    api.request("DELETE", f"/threads/{api.thread_ids[0]}/messages/{extra['id']}")


def test_everything_survives_a_restart_on_the_same_db(make_server, tmp_path) -> None:
    db = str(tmp_path / "state.db")
    handle, api = make_server(db=db)
    _fill(api)
    before = _everything(api)
    handle.stop()
    _handle, again = make_server(db=db)
    again.thread_ids = api.thread_ids
    assert _everything(again) == before
    assert len(before["assistants"]) == 2 and all(len(t["messages"]) == 3 for t in before["threads"].values())


@pytest.mark.parametrize("synchronous", ["full", "normal"])
def test_nothing_acknowledged_is_lost_to_a_kill_9_and_a_run_cut_off_is_failed_with_a_last_error(start_cli, tmp_path, synchronous) -> None:
    db = str(tmp_path / "state.db")
    process, api = start_cli("--db", db, "--run-seconds", "0", "--db-synchronous", synchronous)
    _fill(api)
    before = _everything(api)
    thread = api.thread("long")
    run = api.run(thread["id"], before["assistants"][-1]["id"], tools=[], metadata={"sim_seconds": "600"})
    assert run["status"] == "queued"
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    _process, again = start_cli("--db", db, "--run-seconds", "0")
    again.thread_ids = api.thread_ids
    assert _everything(again) == before
    cut = again.get_run(run)
    assert cut["status"] == "failed" and cut["last_error"]["code"] == "server_error" and "restarted" in cut["last_error"]["message"]
    assert cut["failed_at"] is not None
    again.wait(again.run(thread["id"], before["assistants"][-1]["id"], tools=[], metadata={"sim_seconds": "0"}), "completed")  # the thread is free again


def test_deleted_objects_are_gone_from_the_database_file(make_server, tmp_path) -> None:
    db = tmp_path / "state.db"
    _handle, api = make_server(db=str(db))
    thread = api.thread("secret plans")
    api.request("DELETE", f"/threads/{thread['id']}")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM objects WHERE body LIKE '%secret plans%'").fetchone()[0] == 0


def test_a_bridge_run_waiting_for_tool_outputs_takes_them_after_a_restart(make_bridge, tmp_path) -> None:
    db = str(tmp_path / "state.db")
    handle, api = make_bridge(db=db)
    thread = api.thread("please use the tool")
    run = api.wait(api.run(thread["id"], api.assistant(tools=[WEATHER])["id"]), "requires_action")
    handle.stop()
    _handle, again = make_bridge(db=db)
    call = again.get_run(run)["required_action"]["submit_tool_outputs"]["tool_calls"][0]
    again.post(f"/threads/{thread['id']}/runs/{run['id']}/submit_tool_outputs", {"tool_outputs": [{"tool_call_id": call["id"], "output": "rain"}]})
    assert again.wait(run, TERMINAL)["status"] == "completed"
    assert again.get(f"/threads/{thread['id']}/messages")["data"][0]["content"][0]["text"]["value"] == "The tool answered: rain"


def test_sigterm_lets_a_bridge_run_in_flight_finish_then_exits_0(start_cli, standin, tmp_path) -> None:
    standin.server.reset()
    standin.server.add({"text": ["one ", "two ", "three"], "chunk_delay": 0.3})
    db = str(tmp_path / "state.db")
    args = ("--db", db, "--backend", "chat", "--upstream", standin.url, "--grace-seconds", "5", "--enable-control")
    process, api = start_cli(*args, env={"ASSISTANTS_UPSTREAM_API_KEY": UPSTREAM_KEY})
    thread = api.thread("hi")
    run = api.wait(api.run(thread["id"], api.assistant()["id"]), "in_progress")
    process.send_signal(signal.SIGTERM)
    assert process.wait(10) == 0
    _process, again = start_cli(*args, env={"ASSISTANTS_UPSTREAM_API_KEY": UPSTREAM_KEY})
    assert again.get_run(run)["status"] == "completed"
    assert again.get(f"/threads/{thread['id']}/messages")["data"][0]["content"][0]["text"]["value"] == "one two three"


def test_the_upstream_key_comes_from_a_file_and_no_argument_can_carry_it(start_cli, standin, tmp_path) -> None:
    standin.server.reset()
    key_file = tmp_path / "upstream.key"
    key_file.write_text(f"{UPSTREAM_KEY}\n", encoding="ascii")
    _process, api = start_cli("--backend", "chat", "--upstream", standin.url, "--upstream-key-file", str(key_file), env={"ASSISTANTS_UPSTREAM_API_KEY": ""})
    assert api.wait(api.run(api.thread("hi")["id"], api.assistant()["id"]), TERMINAL)["status"] == "completed"
    result = subprocess.run([sys.executable, "tools/assistants_server", "--backend", "chat", "--upstream", standin.url, "--upstream-key", "x"],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 2 and "unrecognized arguments: --upstream-key" in result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (("--host", "0.0.0.0"), "--host 0.0.0.0 is not a loopback address"),
    (("--backend", "chat"), "--backend chat needs --upstream URL"),
    (("--backend", "chat", "--upstream", "ftp://x"), "--upstream must be an http:// or https:// URL"),
    (("--backend", "chat", "--upstream", "http://127.0.0.1:9/v1", "--model-map", "gpt-4o"), "--model-map must be FROM=TO"),
    (("--upstream", "http://127.0.0.1:9/v1",), "--upstream needs --backend chat"),
])
def test_bad_bridge_flags_are_refused_with_a_message_naming_the_flag(args, message) -> None:
    result = subprocess.run([sys.executable, "tools/assistants_server", "--port", "0", *args], cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=30, check=False)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_an_api_keys_file_lets_in_each_of_its_keys_and_no_other(start_cli, tmp_path) -> None:
    # (The test serves loopback only; what --host 0.0.0.0 needs is the same flag, refused above without it.)
    keys = tmp_path / "keys"
    keys.write_text("# team keys\nkey-one\nkey-two\n", encoding="ascii")
    _process, api = start_cli("--api-keys-file", str(keys))
    for key, status in (("key-two", 200), ("key-one", 200), ("key-three", 401)):
        api.session.headers["Authorization"] = f"Bearer {key}"
        assert api.request("GET", "/assistants").status_code == status
