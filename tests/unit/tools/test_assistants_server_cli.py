# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`python3 tools/assistants_server ...` as tests and users start it: listening line, flags, clean exits."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

REPO_ROOT = Path(__file__).resolve().parents[3]
HEADERS = {"Authorization": "Bearer k", "OpenAI-Beta": "assistants=v2"}


def _get(url: str, path: str = "/assistants", **headers: str) -> requests.Response:
    return requests.get(url + path, headers={**HEADERS, **headers}, timeout=5)


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_it_prints_the_url_serves_it_and_a_signal_stops_it_cleanly(launch, tmp_path, stop_signal) -> None:
    pid_file = tmp_path / "server.pid"
    process, url = launch("--pid-file", str(pid_file))
    assert int(url.rsplit(":", 1)[1].split("/")[0]) > 0
    assert _get(url).json() == {"object": "list", "data": [], "first_id": None, "last_id": None, "has_more": False}
    assert pid_file.read_text(encoding="ascii").strip() == str(process.pid)
    process.send_signal(stop_signal)
    assert process.wait(timeout=10) == 0
    assert not pid_file.exists()
    out, err = process.communicate()
    assert out == "" and "Traceback" not in err


def test_idle_timeout_stops_it_by_itself_only_after_requests_stop(launch) -> None:
    process, url = launch("--idle-timeout", "0.6")
    keep_alive_until = time.monotonic() + 1.5
    while time.monotonic() < keep_alive_until:
        _get(url)
        time.sleep(0.1)
    assert process.poll() is None, "it stopped although requests kept arriving"
    assert process.wait(timeout=10) == 0


def test_faults_file_api_key_and_poll_after_flags_take_effect(launch, tmp_path) -> None:
    rules = tmp_path / "faults.json"
    rules.write_text(json.dumps([{"method": "GET", "path": "/assistants$", "action": "status", "status": 503}]), encoding="utf-8")
    url = launch("--faults", str(rules), "--api-key", "sk-local", "--poll-after-ms", "0", "--run-seconds", "0")[1]
    assert _get(url, Authorization="Bearer sk-local").status_code == 503
    assert _get(url, Authorization="Bearer sk-other").status_code == 401
    headers = {**HEADERS, "Authorization": "Bearer sk-local"}
    assistant = requests.post(f"{url}/assistants", json={"model": "m"}, headers=headers, timeout=5).json()
    run = requests.post(f"{url}/threads/runs", json={"assistant_id": assistant["id"]}, headers=headers, timeout=5)
    assert "openai-poll-after-ms" not in run.headers
    again = requests.get(f"{url}/threads/{run.json()['thread_id']}/runs/{run.json()['id']}", headers=headers, timeout=5)
    assert again.json()["status"] == "completed"  # --run-seconds 0


def test_help_documents_every_flag_the_test_controls_and_the_control_api() -> None:
    result = subprocess.run([sys.executable, "tools/assistants_server", "--help"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=30, check=True)
    for text in ("--host", "--port", "--run-seconds", "--cancel-seconds", "--api-key", "--poll-after-ms", "--idle-timeout", "--pid-file", "--faults",
                 "--allow-remote-control", "--log-requests", "sim_seconds", "sim_outcome", "sim_steps", "/__control/faults", "/__control/requests",
                 "/__control/reset", "/__control/clock", "drop_after_apply", "drop_before", "truncate", "not_json", "retry_after_ms"):
        assert text in result.stdout, text


@pytest.mark.parametrize(("args", "complaint"), [
    (["--faults", "/nonexistent/faults.json"], "cannot read fault rules file"),
    (["--run-seconds", "-1"], "--run-seconds must be >= 0"),
    (["--api-key", ""], "--api-key must not be empty"),
])
def test_bad_arguments_exit_2_with_the_reason(args, complaint) -> None:
    result = subprocess.run([sys.executable, "tools/assistants_server", "--port", "0", *args], cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=30, check=False)
    assert result.returncode == 2 and complaint in result.stderr and result.stdout == ""
