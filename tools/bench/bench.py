# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The benchmark behind `make bench` (tools/bench/run.sh sets up what it needs, then runs this).

Measures the collection beside the official openai SDK and ansible.builtin.uri, against the local server
(tools/assistants_server) on 127.0.0.1, and prints one table; the same figures go to a JSON file.

  1. waiting: runs of 1, 5 and 30 s; openai_run streaming, openai_run polling (stream: false) and the SDK's
     runs.create_and_poll, each with and without the server's openai-poll-after-ms header
  2. listing: 1,000 and 10,000 runs of one thread; openai_runs_info all_pages, the SDK's auto-paging
     runs.list and a uri loop playbook
  3. task overhead: 50 openai_run_info tasks against 50 ansible.builtin.uri GETs of the same run
  4. fan-out: 50 forks each starting and waiting on a run on its own thread
  5. bridge: the server's --backend chat against the same conversations sent straight to the upstream stand-in
     (added latency, first token, 50 concurrent runs, memory and database size per 10,000 messages; bridge_bench.py)

Requests are counted from the server's request log, run ends come from its /__control/timings (float
seconds) and task returns from the bench_timer callback, all on this machine's wall clock.

Usage: python bench.py --collections DIR --work DIR --out DIR   (see run.sh)
       python bench.py sdk-list URL THREAD_ID                    (one SDK listing, run as its own process)
"""

from __future__ import annotations

import argparse
import copy
import datetime
import http.client
import json
import math
import os
import platform
import select
import signal
import statistics
import subprocess
import sys
import threading
import time
import typing as t
import warnings
from pathlib import Path
from urllib.parse import urlsplit

import bridge_bench  # tools/bench/, next to this file (sys.path[0] when run as a script)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PLAYBOOKS = HERE / "playbooks"
API_KEY = "sk-bench-local-server-0123456789abcdef"  # the local server takes any key; long so no_log masks nothing else
QUICK = os.environ.get("BENCH_QUICK") == "1"  # a short smoke run of every case, for working on this file

# (sim seconds, repetitions); the 30 s runs are done once per client to keep the whole run near 15 minutes.
WAIT_PLAN = [("1", 2), ("5", 1)] if QUICK else [("1", 5), ("5", 3), ("30", 1)]
LIST_SIZES = [200, 1000] if QUICK else [1000, 10000]
LIST_REPS = 1 if QUICK else 2  # openai_runs_info, the SDK and the bare client; the uri loop runs once
OVERHEAD_TASKS = 10 if QUICK else 50
FANOUT_HOSTS = 10 if QUICK else 50
# BENCH_CASES="waiting listing" runs only those cases (default: all five).
SELECTED = os.environ.get("BENCH_CASES", "waiting listing overhead fanout bridge").split()
FANOUT_SECONDS = "3" if QUICK else "30"

TARGETS = {
    "stream": "one request creates and waits (+ lookup + answer read); median lag <= 0.05 s",
    "poll_lag": "median lag <= 1.0 s past the run's duration",
    "poll_requests": "create+wait requests <= the SDK's for the same run",
    "poll_ratio": "create+wait requests <= 0.6 x the SDK's (30 s, no poll-after header)",
    "list_requests": "exactly ceil(N/100) list requests",
    "list_wall": "wall time <= 1.2 x the SDK's (10,000 runs)",
    "overhead": "wall time <= 1.15 x ansible.builtin.uri",
    "fanout": "total wall time <= 1.5 x the longest single run",
}


class BenchError(Exception):
    pass


# ---- the local server -------------------------------------------------------------------------------


class Server:
    """tools/assistants_server on 127.0.0.1 with --port 0, and a keep-alive HTTP client for it."""

    def __init__(self, python: str, poll_after_ms: int, log_path: Path) -> None:
        self.poll_after_ms = poll_after_ms
        self.log = open(log_path, "wb")  # pylint: disable=consider-using-with
        # --idle-timeout: should this script die without stopping it, the server still ends by itself.
        self.process = subprocess.Popen(  # pylint: disable=consider-using-with
            [python, str(ROOT / "tools" / "assistants_server"), "--host", "127.0.0.1", "--port", "0",
             "--poll-after-ms", str(poll_after_ms), "--idle-timeout", "900"],
            stdout=subprocess.PIPE, stderr=self.log,
        )
        line = b""
        ready, _unused, _unused2 = select.select([self.process.stdout], [], [], 30)
        if ready:
            line = self.process.stdout.readline()
        words = line.decode().split()
        if not words or words[0] != "listening":
            self.stop()
            raise BenchError(f"the local server did not start (see {log_path})")
        self.url = words[-1]
        parts = urlsplit(self.url)
        self.host, self.port = parts.hostname, parts.port
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)

    def client(self) -> Server:
        """The same server with an HTTP connection of its own, for another thread."""
        other = copy.copy(self)
        other.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        return other

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def call(self, method: str, path: str, body: t.Any = None, *, api: bool = True) -> t.Any:
        headers = {"Content-Type": "application/json"}
        if api:
            path = "/v1" + path
            headers.update({"Authorization": f"Bearer {API_KEY}", "OpenAI-Beta": "assistants=v2"})
        data = json.dumps(body).encode() if body is not None else None
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                raw = response.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                if attempt == 2:
                    raise
        if response.status != 200:
            raise BenchError(f"{method} {path} answered {response.status}: {raw[:300]!r}")
        return json.loads(raw)

    def control(self, method: str, name: str) -> t.Any:
        return self.call(method, f"/__control/{name}", api=False)

    def assistant(self) -> str:
        return self.call("POST", "/assistants", {"model": "gpt-4o", "instructions": "Answer briefly."})["id"]

    def thread(self) -> str:
        return self.call("POST", "/threads", {"messages": [{"role": "user", "content": "How long is a run?"}]})["id"]

    def requests_log(self) -> list[dict[str, t.Any]]:
        return self.control("GET", "requests")["requests"]

    def timings(self) -> dict[str, dict[str, t.Any]]:
        return {item["id"]: item for item in self.control("GET", "timings")["runs"]}


# ---- running things ---------------------------------------------------------------------------------


def wait_measured(process: subprocess.Popen, limit: float) -> tuple[int, float]:
    """Wait for the process; its exit status and the peak resident memory (MiB) of it and its descendants."""
    deadline = time.monotonic() + limit
    try:
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                process.returncode = os.waitstatus_to_exitcode(status)
                return process.returncode, usage.ru_maxrss / 1024.0
            if time.monotonic() > deadline:
                raise BenchError(f"{process.args[0]} took more than {limit:g} s and was stopped")
            time.sleep(0.02)
    except BaseException:
        # Stopped, timed out or interrupted: end what it started too (it leads its own process group).
        stop_group(process)
        raise


def stop_group(process: subprocess.Popen) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        time.sleep(1)
    try:
        os.waitpid(process.pid, 0)
    except ChildProcessError:
        pass


class Ansible:
    """ansible-playbook of the venv, with only the installed collection and the bench_timer callback."""

    def __init__(self, venv_bin: Path, collections: Path, work: Path) -> None:
        self.venv_bin = venv_bin
        self.work = work
        (work / "ansible.cfg").write_text("[defaults]\n", encoding="utf-8")
        self.env = dict(
            os.environ,
            ANSIBLE_CONFIG=str(work / "ansible.cfg"),
            ANSIBLE_COLLECTIONS_PATH=str(collections),
            ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
            ANSIBLE_CALLBACK_PLUGINS=str(HERE / "callback_plugins"),
            ANSIBLE_CALLBACKS_ENABLED="bench_timer",
            ANSIBLE_PYTHON_INTERPRETER=str(venv_bin / "python"),
            ANSIBLE_LOCALHOST_WARNING="false",
            ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
            ANSIBLE_LOCAL_TEMP=str(work / "ansible-local"),
            ANSIBLE_REMOTE_TEMP=str(work / "ansible-remote"),
            ANSIBLE_NOCOLOR="1",
            OPENAI_API_KEY=API_KEY,
            PATH=f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
        )
        self.count = 0
        self.lock = threading.Lock()

    def play(self, server: Server, playbook: Path, extra: dict[str, t.Any], *, inventory: Path | None = None,
             forks: int | None = None, limit: float = 900) -> dict[str, t.Any]:
        """Run a playbook; its timer events, wall time and peak memory."""
        with self.lock:
            self.count += 1
            name = f"{self.count:02d}-{playbook.stem}"
        timings = self.work / f"{name}.timings.jsonl"
        extra_file = self.work / f"{name}.vars.json"
        extra_file.write_text(json.dumps(extra), encoding="utf-8")
        command = [str(self.venv_bin / "ansible-playbook"), str(playbook), "-e", f"@{extra_file}"]
        command += ["-i", str(inventory)] if inventory else ["-i", "localhost,", "-c", "local"]
        if forks:
            command += ["--forks", str(forks)]
        env = dict(self.env, OPENAI_BASE_URL=server.url, BENCH_TIMINGS=str(timings))
        log_path = self.work / f"{name}.log"
        with open(log_path, "wb") as log:
            started = time.time()
            process = subprocess.Popen(command, cwd=self.work, env=env, stdout=log, stderr=subprocess.STDOUT,  # pylint: disable=consider-using-with
                                       stdin=subprocess.DEVNULL, start_new_session=True)
            status, peak = wait_measured(process, limit)
            wall = time.time() - started
        events = [json.loads(line) for line in timings.read_text(encoding="utf-8").splitlines()] if timings.exists() else []
        failed = [event for event in events if event["event"] in ("failed", "item_failed")]
        if status != 0 or failed:
            tail = log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
            raise BenchError(f"ansible-playbook {playbook.name} failed (exit {status}); end of {log_path}:\n{tail}")
        return {"events": events, "wall": wall, "peak_mib": peak, "started": started}


def task_span(events: list[dict[str, t.Any]], task: str) -> tuple[float, float]:
    """When a task started and when its last result came back."""
    start = next(event["time"] for event in events if event["event"] == "task_start" and event["task"] == task)
    end = max(event["time"] for event in events if event["event"] in ("ok", "item_ok") and event["task"] == task)
    return start, end


def median(values: t.Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


# ---- case 1: waiting --------------------------------------------------------------------------------


def classify(entries: list[dict[str, t.Any]], thread_id: str) -> dict[str, t.Any]:
    """The requests one client made for the run on its own thread, by kind."""
    mine = [entry for entry in entries if f"/threads/{thread_id}/" in entry["path"] + "/"]
    kinds = {"lookup": 0, "create": 0, "poll": 0, "answer": 0, "other": 0}
    for entry in mine:
        rest = entry["path"].split(thread_id, 1)[1]
        if entry["method"] == "GET" and rest == "/runs":
            kinds["lookup"] += 1
        elif entry["method"] == "POST" and rest == "/runs":
            kinds["create"] += 1
        elif entry["method"] == "GET" and rest.startswith("/runs/") and rest.count("/") == 2:
            kinds["poll"] += 1
        elif entry["method"] == "GET" and rest == "/messages":
            kinds["answer"] += 1
        else:
            kinds["other"] += 1
    return {"total": len(mine), "create_wait": kinds["create"] + kinds["poll"], "kinds": kinds, "times": [entry["time"] for entry in mine]}


def noticed_at(times: list[float], ended: float) -> float | None:
    """The first request the client sent once the run had ended: the moment it knew."""
    after = [moment for moment in times if moment >= ended]
    return min(after) if after else None


def wait_ansible(ansible: Ansible, server: Server, assistant: str, stream: bool) -> list[dict[str, t.Any]]:
    runs = [{"thread_id": server.thread(), "sim_seconds": seconds} for seconds, reps in WAIT_PLAN for _rep in range(reps)]
    outcome = ansible.play(server, PLAYBOOKS / "wait.yml", {"bench_assistant_id": assistant, "bench_stream": stream, "bench_runs": runs})
    log, timings = server.requests_log(), server.timings()
    samples = []
    for event in outcome["events"]:
        if event["event"] != "item_ok":
            continue
        timing = timings[event["run_id"]]
        counted = classify(log, event["thread_id"])
        noticed = noticed_at(counted.pop("times"), timing["ended"])
        samples.append({
            "sim_seconds": event["item"]["sim_seconds"], "run_id": event["run_id"], "status": event["run_status"],
            "duration": timing["ended"] - timing["created"], "lag": event["time"] - timing["ended"],
            "noticed_lag": None if noticed is None else noticed - timing["ended"], **counted,
        })
    return samples


def wait_sdk(server: Server, assistant: str) -> list[dict[str, t.Any]]:
    import openai  # pylint: disable=import-outside-toplevel

    client = openai.OpenAI(base_url=server.url, api_key=API_KEY)
    samples = []
    for seconds, reps in WAIT_PLAN:
        for _rep in range(reps):
            thread_id = server.thread()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # the Assistants API is deprecated in the SDK
                run = client.beta.threads.runs.create_and_poll(thread_id=thread_id, assistant_id=assistant, metadata={"sim_seconds": seconds})
            returned = time.time()
            timing = server.timings()[run.id]
            counted = classify(server.requests_log(), thread_id)
            times = counted.pop("times")
            # The poll that saw the end was sent before its answer came back: the last request is the one.
            samples.append({
                "sim_seconds": seconds, "run_id": run.id, "status": run.status, "duration": timing["ended"] - timing["created"],
                "lag": returned - timing["ended"], "noticed_lag": max(times) - timing["ended"], **counted,
            })
    return samples


def case_waiting(ansible: Ansible, servers: dict[int, Server]) -> dict[str, list[dict[str, t.Any]]]:
    """Every request is told apart by its thread (one per run), so clients can run side by side.

    The SDK's runs go on in a thread of their own beside the playbooks, and the two polling playbooks (one per
    server) side by side after the streaming one: they mostly sleep, and running them one after another would
    add minutes. The streaming playbook, whose target is tightest, runs beside the SDK only.
    """
    results: dict[str, list[dict[str, t.Any]]] = {}
    assistants = {}
    for hint, server in servers.items():
        server.control("POST", "reset")
        assistants[hint] = server.assistant()
    labels = {hint: "header 250 ms" if hint else "no header" for hint in servers}
    failures: list[BaseException] = []

    def in_thread(name: str, work: t.Callable[[], None]) -> threading.Thread:
        def guarded() -> None:
            try:
                work()
            except BaseException as exc:  # pylint: disable=broad-exception-caught
                failures.append(exc)
        thread = threading.Thread(target=guarded, name=name, daemon=True)
        thread.start()
        return thread

    def sdk_runs() -> None:
        for hint, server in servers.items():
            results[f"SDK create_and_poll, {labels[hint]}"] = wait_sdk(server.client(), assistants[hint])

    def poll_runs(hint: int) -> None:
        results[f"openai_run poll, {labels[hint]}"] = wait_ansible(ansible, servers[hint].client(), assistants[hint], stream=False)

    say(f"waiting ({plan_text()}): the SDK's create_and_poll, with and without the header, in a thread of its own")
    threads = [in_thread("sdk", sdk_runs)]
    say("waiting: openai_run streaming")
    results["openai_run stream"] = wait_ansible(ansible, servers[250], assistants[250], stream=True)
    say("waiting: openai_run stream=false, with and without the header, side by side")
    threads += [in_thread(f"poll-{hint}", lambda hint=hint: poll_runs(hint)) for hint in servers]
    for thread in threads:
        thread.join()
    if failures:
        raise BenchError(f"waiting failed: {failures[0]!r}")
    order = ["openai_run stream"] + [f"{client}, {labels[hint]}" for hint in servers for client in ("openai_run poll", "SDK create_and_poll")]
    return {name: results[name] for name in order}


def plan_text() -> str:
    return ", ".join(f"{seconds} s x{reps}" for seconds, reps in WAIT_PLAN)


# ---- case 2: listing --------------------------------------------------------------------------------


def seed_runs(server: Server, assistant: str, count: int) -> str:
    """A thread with `count` completed runs, created through the API one after another (each ends at once)."""
    thread_id = server.thread()
    body = {
        "assistant_id": assistant, "metadata": {"sim_seconds": "0"},
        # One new user message per run and a one-message prompt keep each create O(1) on the server.
        "additional_messages": [{"role": "user", "content": "next"}],
        "truncation_strategy": {"type": "last_messages", "last_messages": 1},
    }
    for _index in range(count):
        server.call("POST", f"/threads/{thread_id}/runs", body)
    return thread_id


def list_requests(server: Server, thread_id: str) -> list[float]:
    """When each list request of the thread's runs arrived."""
    return [entry["time"] for entry in server.requests_log() if entry["method"] == "GET" and entry["path"] == f"/v1/threads/{thread_id}/runs"]


def phases(start: float, requests: list[float], end: float) -> dict[str, t.Any]:
    """Requests, and where the time went: before the first list request, while paging, after the last one."""
    return {"requests": len(requests), "before": requests[0] - start, "paging": requests[-1] - requests[0], "after": end - requests[-1]}


def sdk_list_process(venv_python: str, server: Server, thread_id: str, expected: int) -> dict[str, t.Any]:
    started = time.time()
    with subprocess.Popen([venv_python, str(Path(__file__).resolve()), "sdk-list", server.url, thread_id],  # pylint: disable=consider-using-with
                          stdout=subprocess.PIPE, start_new_session=True) as process:
        output = process.stdout.read()
        status, peak = wait_measured(process, 600)
    wall = time.time() - started
    if status != 0:
        raise BenchError(f"the SDK listing failed (exit {status})")
    result = json.loads(output)
    if result["count"] != expected:
        raise BenchError(f"the SDK listed {result['count']} runs, not {expected}")
    return {"wall": wall, "in_process": result["seconds"], "listing": result["listing"], "peak_mib": peak,
            "started_at": result["started_at"], "ended_at": result["ended_at"]}


def raw_list(server: Server, thread_id: str) -> tuple[int, float]:
    """Every page with a bare keep-alive HTTP client: what the server alone manages."""
    started = time.perf_counter()
    pages, after = 0, None
    while True:
        page = server.call("GET", f"/threads/{thread_id}/runs?limit=100" + (f"&after={after}" if after else ""))
        pages += 1
        if not page["has_more"]:
            break
        after = page["last_id"]
    return pages, time.perf_counter() - started


def case_listing(ansible: Ansible, server: Server, venv_python: str) -> dict[str, t.Any]:
    server.control("POST", "reset")
    assistant = server.assistant()
    results: dict[str, t.Any] = {}
    for size in LIST_SIZES:
        say(f"listing: seeding a thread with {size} runs")
        started = time.perf_counter()
        thread_id = seed_runs(server, assistant, size)
        seeded = time.perf_counter() - started
        entry: dict[str, t.Any] = {"seed_seconds": seeded, "module": [], "sdk": [], "uri": [], "server": []}
        say(f"listing {size} runs: openai_runs_info, the SDK, the server alone (x{LIST_REPS} each), a uri loop (x1)")
        for _rep in range(LIST_REPS):
            server.control("DELETE", "requests")
            outcome = ansible.play(server, PLAYBOOKS / "list_module.yml", {"bench_thread_id": thread_id, "bench_expected": size})
            start, end = task_span(outcome["events"], "List all pages")
            entry["module"].append(dict(phases(start, list_requests(server, thread_id), end), task=end - start, wall=outcome["wall"],
                                        peak_mib=outcome["peak_mib"]))
            server.control("DELETE", "requests")
            sdk = sdk_list_process(venv_python, server, thread_id, size)
            entry["sdk"].append(dict(sdk, **phases(sdk["started_at"], list_requests(server, thread_id), sdk["ended_at"])))
            pages, seconds = raw_list(server, thread_id)
            entry["server"].append({"requests": pages, "seconds": seconds, "rps": pages / seconds})
        server.control("DELETE", "requests")
        outcome = ansible.play(server, PLAYBOOKS / "list_uri.yml", {"bench_thread_id": thread_id, "bench_expected": size})
        first = min(event["time"] for event in outcome["events"] if event["event"] == "task_start")
        last = max(event["time"] for event in outcome["events"] if event["event"] == "ok" and event["task"] == "Parse the pages into one list of runs")
        entry["uri"].append(dict(phases(first, list_requests(server, thread_id), last), task=last - first, wall=outcome["wall"],
                                 peak_mib=outcome["peak_mib"]))
        results[str(size)] = entry
    return results


def sdk_list(url: str, thread_id: str) -> None:
    """Run as its own process (python bench.py sdk-list URL THREAD) so its peak memory is its own."""
    started_at = time.time()
    started = time.perf_counter()
    import openai  # pylint: disable=import-outside-toplevel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        client = openai.OpenAI(base_url=url, api_key=API_KEY)
        listing = time.perf_counter()
        runs = list(client.beta.threads.runs.list(thread_id=thread_id, limit=100))
    done = time.perf_counter()
    sys.stdout.write(json.dumps({"count": len(runs), "seconds": done - started, "listing": done - listing,
                                 "started_at": started_at, "ended_at": time.time()}) + "\n")


# ---- case 3: task overhead --------------------------------------------------------------------------


def overhead_playbook(path: Path, count: int) -> None:
    """openai_run_info and uri tasks in turn (so a change of machine load hits both alike), each once to warm up."""
    info = {"llmops.assistants.openai_run_info": {"thread_id": "{{ bench_thread_id }}", "run_id": "{{ bench_run_id }}", "include_steps": False}}
    uri = {"ansible.builtin.uri": {
        "url": "{{ lookup('ansible.builtin.env', 'OPENAI_BASE_URL') }}/threads/{{ bench_thread_id }}/runs/{{ bench_run_id }}",
        "headers": {"Authorization": "Bearer {{ lookup('ansible.builtin.env', 'OPENAI_API_KEY') }}", "OpenAI-Beta": "assistants=v2"},
    }}
    tasks = [dict(info, name="warm-up info"), dict(uri, name="warm-up uri")]
    for index in range(count):
        tasks += [dict(info, name=f"info {index}"), dict(uri, name=f"uri {index}")]
    play = [{"name": "openai_run_info against ansible.builtin.uri", "hosts": "localhost", "gather_facts": False, "tasks": tasks}]
    path.write_text(json.dumps(play, indent=1), encoding="utf-8")  # JSON is YAML


def case_overhead(ansible: Ansible, server: Server) -> dict[str, t.Any]:
    say(f"task overhead: {OVERHEAD_TASKS} openai_run_info tasks and {OVERHEAD_TASKS} uri GETs of the same run, in turn")
    server.control("POST", "reset")
    assistant = server.assistant()
    thread_id = server.thread()
    run = server.call("POST", f"/threads/{thread_id}/runs", {"assistant_id": assistant, "metadata": {"sim_seconds": "0"}})
    playbook = ansible.work / "overhead.yml"
    overhead_playbook(playbook, OVERHEAD_TASKS)
    server.control("DELETE", "requests")
    outcome = ansible.play(server, playbook, {"bench_thread_id": thread_id, "bench_run_id": run["id"]})
    spans: dict[str, list[float]] = {"info": [], "uri": []}
    for index in range(OVERHEAD_TASKS):
        for kind in spans:
            start, end = task_span(outcome["events"], f"{kind} {index}")
            spans[kind].append(end - start)
    log = [entry for entry in server.requests_log() if thread_id in entry["path"]]
    names = ["warm-up info", "warm-up uri"] + [f"{kind} {index}" for index in range(OVERHEAD_TASKS) for kind in ("info", "uri")]
    if len(log) != len(names):
        raise BenchError(f"task overhead: expected one request per task ({len(names)}), the server saw {len(log)}")
    # Each task sends one request; from it to the task's result is module exit plus Ansible's result path.
    returned = {event["task"]: event["time"] for event in outcome["events"] if event["event"] == "ok"}
    tails: dict[str, list[float]] = {"info": [], "uri": []}
    for name, entry in zip(names, log):
        if not name.startswith("warm-up"):
            tails[name.split()[0]].append(returned[name] - entry["time"])
    return {"info": sum(spans["info"]), "uri": sum(spans["uri"]), "info_median": median(spans["info"]), "uri_median": median(spans["uri"]),
            "info_tail_median": median(tails["info"]), "uri_tail_median": median(tails["uri"]), "requests": len(log), "wall": outcome["wall"]}


# ---- case 4: fan-out --------------------------------------------------------------------------------


def case_fanout(ansible: Ansible, server: Server) -> dict[str, t.Any]:
    say(f"fan-out: {FANOUT_HOSTS} forks, each a {FANOUT_SECONDS} s run on its own thread")
    server.control("POST", "reset")
    assistant = server.assistant()
    hosts = {f"bench{index:02d}": {"bench_thread_id": server.thread()} for index in range(FANOUT_HOSTS)}
    inventory = ansible.work / "fanout-inventory.json"
    inventory.write_text(json.dumps({"all": {"hosts": hosts, "vars": {"ansible_connection": "local"}}}), encoding="utf-8")
    outcome = ansible.play(server, PLAYBOOKS / "fanout.yml", {"bench_assistant_id": assistant, "bench_sim_seconds": FANOUT_SECONDS},
                           inventory=inventory, forks=FANOUT_HOSTS)
    timings = server.timings()
    start, end = task_span(outcome["events"], "Create a run and wait for its answer")
    results = [event for event in outcome["events"] if event["event"] == "ok"]
    if len(results) != FANOUT_HOSTS:
        raise BenchError(f"fan-out: {len(results)} of {FANOUT_HOSTS} hosts returned")
    runs = [timings[event["run_id"]] for event in results]
    creates = {entry["path"].split("/")[3]: entry["time"] for entry in server.requests_log() if entry["method"] == "POST" and entry["path"].endswith("/runs")}
    return {
        # A run as its host saw it: from its create request to its task's result.
        "longest_seen": max(event["time"] - creates[event["thread_id"]] for event in results),
        "hosts": FANOUT_HOSTS, "sim_seconds": float(FANOUT_SECONDS), "task": end - start, "wall": outcome["wall"],
        "longest_run": max(run["ended"] - run["created"] for run in runs),
        "longest_task": max(event["time"] - start for event in results),
        "creates_spread": max(run["created"] for run in runs) - min(run["created"] for run in runs),
        "first_create_after_start": min(run["created"] for run in runs) - start,
        "last_lag": max(event["time"] - timings[event["run_id"]]["ended"] for event in results),
        "peak_mib": outcome["peak_mib"],
    }


# ---- the table --------------------------------------------------------------------------------------


def verdict(value: float, limit: float, unit: str = "", *, ratio: bool = False) -> str:
    if value <= limit:
        return "met"
    over = value - limit
    if ratio:
        return f"MISSED by {over:.2f}x"
    return f"MISSED by {over:.2f}{unit}"


def rows_waiting(results: dict[str, list[dict[str, t.Any]]]) -> list[list[str]]:
    rows = []
    sdk_requests = {}
    for name, samples in results.items():
        if name.startswith("SDK"):
            hint = name.split(", ", 1)[1]
            for seconds, _reps in WAIT_PLAN:
                sdk_requests[(hint, seconds)] = median([s["create_wait"] for s in samples if s["sim_seconds"] == seconds])
    for name, samples in results.items():
        for seconds, reps in WAIT_PLAN:
            mine = [s for s in samples if s["sim_seconds"] == seconds]
            lag = median([s["lag"] for s in mine])
            noticed = median([s["noticed_lag"] for s in mine if s["noticed_lag"] is not None])
            total = median([s["total"] for s in mine])
            create_wait = median([s["create_wait"] for s in mine])
            checks = []
            if name == "openai_run stream":
                one = all(s["create_wait"] == 1 and s["kinds"]["lookup"] == 1 and s["kinds"]["answer"] == 1 for s in mine)
                checks.append("1 request waits: " + ("met" if one else "MISSED"))
                checks.append("lag: " + verdict(lag, 0.05, " s"))
            elif name.startswith("openai_run poll"):
                hint = name.split(", ", 1)[1]
                sdk = sdk_requests.get((hint, seconds))
                checks.append("lag: " + verdict(lag, 1.0, " s"))
                if sdk is not None:
                    checks.append(f"reqs vs SDK {create_wait:g}/{sdk:g}: " + verdict(create_wait, sdk, " req"))
                    if seconds == "30" and hint == "no header":
                        checks.append(f"ratio {create_wait / sdk:.2f}: " + verdict(create_wait / sdk, 0.6, ratio=True))
            rows.append([
                f"wait {seconds} s", name, str(reps), f"{total:g} ({create_wait:g} create+wait)",
                f"lag {lag:.3f} s (noticed {noticed:.3f} s)", "", "; ".join(checks) or "reference",
            ])
    return rows


def rows_listing(results: dict[str, t.Any]) -> list[list[str]]:
    rows = []
    for size, entry in results.items():
        pages = math.ceil(int(size) / 100)
        sdk_task = median([item["in_process"] for item in entry["sdk"]])
        sdk_wall = median([item["wall"] for item in entry["sdk"]])
        server_rps = median([item["rps"] for item in entry["server"]])
        for label, items in (("openai_runs_info all_pages", entry["module"]), ("SDK runs.list (auto-paging)", entry["sdk"]),
                             ("uri loop playbook", entry["uri"])):
            requests = median([item["requests"] for item in items])
            task = median([item.get("task", item.get("in_process", 0.0)) for item in items])
            wall = median([item["wall"] for item in items])
            peak = median([item["peak_mib"] for item in items])
            checks = []
            if label.startswith("openai_runs_info"):
                checks.append(f"requests = {pages}: " + ("met" if all(item["requests"] == pages for item in items) else "MISSED"))
                if size == str(LIST_SIZES[-1]):
                    checks.append(f"x{task / sdk_task:.2f} SDK (task/import+list), x{wall / sdk_wall:.2f} (command): "
                                  + verdict(task / sdk_task, 1.2, ratio=True))
            split = "/".join(f"{median([item[part] for item in items]):.1f}" for part in ("before", "paging", "after"))
            rows.append([
                f"list {int(size):,}", label, str(len(items)), f"{requests:g}",
                f"{task:.2f} s {'import+list' if 'SDK' in label else 'task'} ({split} s before/paging/after), {wall:.2f} s command",
                f"{peak:.0f} MiB", "; ".join(checks) or ("reference" if "SDK" in label else "comparison"),
            ])
        rows.append([f"list {int(size):,}", "server alone (bare HTTP client)", str(len(entry["server"])), f"{pages}",
                     f"{median([item['seconds'] for item in entry['server']]):.2f} s = {server_rps:.0f} req/s", "",
                     f"seeded {int(size):,} runs in {entry['seed_seconds']:.1f} s"])
    return rows


def rows_overhead(result: dict[str, t.Any]) -> list[list[str]]:
    ratio = result["info"] / result["uri"]
    return [
        ["overhead", f"{OVERHEAD_TASKS} x openai_run_info", "1", f"{OVERHEAD_TASKS}",
         f"{result['info']:.2f} s (task {result['info_median']:.3f} s, request->return {result['info_tail_median']:.3f} s)",
         "", f"ratio {ratio:.2f}: " + verdict(ratio, 1.15, ratio=True)],
        ["overhead", f"{OVERHEAD_TASKS} x ansible.builtin.uri", "1", f"{OVERHEAD_TASKS}",
         f"{result['uri']:.2f} s (task {result['uri_median']:.3f} s, request->return {result['uri_tail_median']:.3f} s)", "", "reference"],
    ]


def rows_fanout(result: dict[str, t.Any]) -> list[list[str]]:
    ratio = result["task"] / result["longest_run"]
    return [["fan-out", f"{result['hosts']} forks x openai_run", "1", f"{result['hosts']} runs",
             f"{result['task']:.2f} s task ({result['wall']:.2f} s command); longest run {result['longest_run']:.2f} s "
             f"({result['longest_seen']:.2f} s create->return); creates spread over {result['creates_spread']:.2f} s",
             f"{result['peak_mib']:.0f} MiB",
             f"x{ratio:.2f} run (x{result['task'] / result['longest_seen']:.2f} create->return): " + verdict(ratio, 1.5, ratio=True)]]


def format_table(rows: list[list[str]]) -> str:
    header = ["case", "client", "reps", "requests (median)", "time (median)", "peak RSS", "target"]
    widths = [max(len(row[index]) for row in [header] + rows) for index in range(len(header))]
    lines = [" | ".join(cell.ljust(width) for cell, width in zip(header, widths)).rstrip()]
    lines.append("-+-".join("-" * width for width in widths))
    lines += [" | ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines)


# ---- main -------------------------------------------------------------------------------------------


def say(text: str) -> None:
    sys.stderr.write(f"[{time.strftime('%H:%M:%S')}] {text}\n")
    sys.stderr.flush()


def machine() -> dict[str, t.Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines()
                if line.startswith("model name")), platform.processor())
    memory = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines()
                   if line.startswith("MemTotal:")), 0)
    return {"nproc": os.cpu_count(), "cpu": cpu, "memory_gib": round(memory / 1024 / 1024, 1), "kernel": platform.release()}


def versions() -> dict[str, str]:
    import ansible.release  # pylint: disable=import-outside-toplevel
    import openai  # pylint: disable=import-outside-toplevel
    import requests  # pylint: disable=import-outside-toplevel

    return {"python": platform.python_version(), "ansible-core": ansible.release.__version__, "openai": openai.__version__,
            "requests": requests.__version__}


def main(argv: list[str]) -> int:
    if argv[:1] == ["sdk-list"]:
        sdk_list(argv[1], argv[2])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--collections", required=True, type=Path, help="collections path holding the installed llmops.assistants")
    parser.add_argument("--work", required=True, type=Path, help="scratch directory (playbook logs, server logs)")
    parser.add_argument("--out", required=True, type=Path, help="where the JSON result goes")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))

    venv_bin = Path(sys.executable).parent
    ansible = Ansible(venv_bin, args.collections, args.work)
    started = time.time()
    load_before = os.getloadavg()
    servers: dict[int, Server] = {}
    try:
        for hint in (250, 0):
            servers[hint] = Server(sys.executable, hint, args.work / f"server-{hint}.log")
        say(f"local servers: {servers[250].url} (openai-poll-after-ms 250), {servers[0].url} (no header)")
        cases = {
            "waiting": lambda: case_waiting(ansible, servers),
            "listing": lambda: case_listing(ansible, servers[250], sys.executable),
            "overhead": lambda: case_overhead(ansible, servers[250]),
            "fanout": lambda: case_fanout(ansible, servers[250]),
            "bridge": lambda: bridge_bench.case_bridge(args.work / "bridge", say),
        }
        results = {name: run_case() for name, run_case in cases.items() if name in SELECTED}
    finally:
        for server in servers.values():
            server.stop()
    shapes = {"waiting": rows_waiting, "listing": rows_listing, "overhead": rows_overhead, "fanout": rows_fanout, "bridge": bridge_bench.rows_bridge}
    rows = [row for name, shape in shapes.items() if name in results for row in shape(results[name])]
    table = format_table(rows)
    finished = time.time()
    report = {
        "started": datetime.datetime.fromtimestamp(started, datetime.timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(finished - started, 1), "quick": QUICK,
        "machine": dict(machine(), loadavg_before=load_before, loadavg_after=os.getloadavg()),
        "versions": versions(), "plan": {"waiting": WAIT_PLAN, "list_sizes": LIST_SIZES, "list_reps": LIST_REPS,
                                         "overhead_tasks": OVERHEAD_TASKS, "fanout_hosts": FANOUT_HOSTS, "fanout_seconds": FANOUT_SECONDS},
        "targets": {**TARGETS, **bridge_bench.TARGETS}, "table": rows, "results": results,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"bench-{time.strftime('%Y%m%d-%H%M%S', time.localtime(started))}.json"
    out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    info = report["machine"]
    sys.stdout.write(
        f"\nllmops.assistants benchmark: {info['nproc']} x {info['cpu']}, {info['memory_gib']} GiB; "
        + ", ".join(f"{name} {version}" for name, version in report["versions"].items())
        + f"; load average {load_before[0]:.1f} before, {info['loadavg_after'][0]:.1f} after; {report['seconds']:.0f} s\n\n"
        + table + "\n\nlag = from the run's end (server clock, float) to the task's return; noticed = to the client's first request after it.\n"
        + f"JSON: {out}\n"
    )
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except BenchError as exc:
        sys.stderr.write(f"bench: {exc}\n")
        sys.exit(1)
