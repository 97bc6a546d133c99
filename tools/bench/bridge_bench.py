# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bridge case of `make bench`: tools/assistants_server --backend chat against the same conversations sent
straight to the upstream stand-in (tools/assistants_server/standin.py), both on 127.0.0.1, in one run.

  - added latency per run: a streamed run on the bridge (create run with stream: true, read to thread.run.completed)
    against one streamed chat completion sent to the stand-in directly (read to [DONE]); medians
  - added delay to the first streamed token: the first thread.message.delta against the first content chunk
  - 50 concurrent runs on 50 threads (--workers 50) against 50 concurrent chats, each answer 20 chunks 0.05 s apart
  - memory (the bridge's RSS) and database size (--db, file plus WAL) per 10,000 stored messages
BENCH_DB_SYNCHRONOUS=normal runs the bridge with --db-synchronous normal (default: full, the server's default).

Standard library only. Standalone: python3 tools/bench/bridge_bench.py [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import select
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import typing as t
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVER = ROOT / "tools" / "assistants_server"
QUICK = os.environ.get("BENCH_QUICK") == "1"
RUNS = 10 if QUICK else 40
CONCURRENT = 10 if QUICK else 50
MESSAGES = 1000 if QUICK else 10000
DB_SYNCHRONOUS = os.environ.get("BENCH_DB_SYNCHRONOUS", "full")  # the bridge's --db-synchronous
KEY = "sk-bench-bridge-upstream"
HEADERS = {"Authorization": "Bearer bench", "OpenAI-Beta": "assistants=v2", "Content-Type": "application/json"}
LISTENING = re.compile(r"listening on http://127\.0\.0\.1:(\d+)/v1")
TARGETS = {
    "bridge_latency": "added latency per run, median <= 15 ms",
    "bridge_first_token": "added delay to the first streamed token, median <= 10 ms",
    "bridge_concurrent": f"{CONCURRENT} concurrent runs <= 1.2 x the upstream's time for {CONCURRENT} concurrent chats",
}


class Process:
    """A server process (the bridge or the stand-in) and its port."""

    def __init__(self, argv: list[str], log: Path, env: dict[str, str] | None = None) -> None:
        self.log = log.open("w", encoding="utf-8")
        self.process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.log, text=True,  # pylint: disable=consider-using-with
                                        env={**os.environ, **(env or {})})
        assert self.process.stdout is not None
        if not select.select([self.process.stdout], [], [], 30)[0]:
            raise RuntimeError(f"{argv[1]} printed no address within 30 s (log: {log})")
        match = LISTENING.search(self.process.stdout.readline())
        if not match:
            raise RuntimeError(f"{argv[1]} did not start (log: {log})")
        self.port = int(match.group(1))

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.log.close()


def _request(port: int, method: str, path: str, body: t.Any = None, headers: dict[str, str] | None = None) -> t.Any:
    conn = HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers or HEADERS)
        response = conn.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError(f"{method} {path} -> {response.status} {data[:300]!r}")
        return json.loads(data) if data else None
    finally:
        conn.close()


def _stream(port: int, path: str, body: dict[str, t.Any], headers: dict[str, str], first: bytes, last: bytes) -> tuple[float, float]:
    """POST, read the event stream; (seconds to the first line starting `first`, seconds to the line starting `last`)."""
    started = time.perf_counter()
    conn = HTTPConnection("127.0.0.1", port, timeout=60)
    first_at = None
    try:
        conn.request("POST", path, body=json.dumps(body), headers=headers)
        response = conn.getresponse()
        if response.status != 200:
            raise RuntimeError(f"POST {path} -> {response.status} {response.read()[:300]!r}")
        while True:
            line = response.readline()
            if not line:
                raise RuntimeError(f"the stream of POST {path} ended before {last!r}")
            if first_at is None and line.startswith(first):
                first_at = time.perf_counter() - started
            if line.startswith(last):
                return first_at or 0.0, time.perf_counter() - started
    finally:
        conn.close()


def _script(standin: Process, replies: list[dict[str, t.Any]]) -> None:
    _request(standin.port, "POST", "/__script", replies, {"Content-Type": "application/json"})


CHAT = {"model": "gpt-4o", "stream": True, "stream_options": {"include_usage": True},
        "messages": [{"role": "system", "content": "Answer briefly."}, {"role": "user", "content": "Say something"}]}
ANSWER = {"text": ["The ", "answer ", "is ", "forty-two."]}
SLOW_ANSWER = {"text": [f"word{n} " for n in range(20)], "chunk_delay": 0.05}


def _direct(standin: Process) -> tuple[float, float]:
    return _stream(standin.port, "/v1/chat/completions", CHAT, {"Content-Type": "application/json", "Authorization": f"Bearer {KEY}"},
                   b'data: {"id": "chatcmpl-standin", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": "T',
                   b"data: [DONE]")


def _bridged(bridge: Process, thread_id: str, assistant_id: str) -> tuple[float, float]:
    return _stream(bridge.port, f"/v1/threads/{thread_id}/runs", {"assistant_id": assistant_id, "stream": True}, HEADERS,
                   b"event: thread.message.delta", b"event: thread.run.completed")


def _concurrently(count: int, work: t.Callable[[int], t.Any]) -> float:
    errors: list[BaseException] = []
    barrier = threading.Barrier(count + 1)

    def one(index: int) -> None:
        barrier.wait()
        try:
            work(index)
        except Exception as exc:  # pylint: disable=broad-exception-caught
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"{len(errors)} of {count} concurrent calls failed: {errors[0]}")
    return time.perf_counter() - started


def case_bridge(work: Path, say: t.Callable[[str], None] = lambda text: None) -> dict[str, t.Any]:
    work.mkdir(parents=True, exist_ok=True)
    db = work / "bridge.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    standin = Process([sys.executable, str(SERVER / "standin.py"), "--port", "0", "--key", KEY], work / "standin.log")
    bridge = None
    try:
        bridge = Process([sys.executable, str(SERVER), "--port", "0", "--backend", "chat", "--upstream", f"http://127.0.0.1:{standin.port}/v1",
                          "--db", str(db), "--db-synchronous", DB_SYNCHRONOUS, "--workers", str(CONCURRENT), "--poll-after-ms", "0"],
                         work / "bridge.log", env={"ASSISTANTS_UPSTREAM_API_KEY": KEY})
        say(f"bridge case: bridge :{bridge.port} --workers {CONCURRENT} --db (--db-synchronous {DB_SYNCHRONOUS}), stand-in :{standin.port}")
        assistant = _request(bridge.port, "POST", "/v1/assistants", {"model": "gpt-4o", "instructions": "Answer briefly."})["id"]
        thread = _request(bridge.port, "POST", "/v1/threads", {})["id"]
        direct, bridged = [], []
        for _n in range(RUNS):  # alternate, so load from other jobs falls on both alike
            _script(standin, [ANSWER])
            direct.append(_direct(standin))
            # each run answers one new user message, as a conversation goes
            _request(bridge.port, "POST", f"/v1/threads/{thread}/messages", {"role": "user", "content": "Say something"})
            _script(standin, [ANSWER])
            bridged.append(_bridged(bridge, thread, assistant))
        say(f"bridge case: {RUNS} runs each way done")

        _script(standin, [SLOW_ANSWER] * CONCURRENT)
        direct_wall = _concurrently(CONCURRENT, lambda _index: _direct(standin))
        threads = [_request(bridge.port, "POST", "/v1/threads", {"messages": [{"role": "user", "content": "Say something"}]})["id"]
                   for _n in range(CONCURRENT)]
        _script(standin, [SLOW_ANSWER] * CONCURRENT)
        bridge_wall = _concurrently(CONCURRENT, lambda index: _bridged(bridge, threads[index], assistant))
        say(f"bridge case: {CONCURRENT} concurrent: direct {direct_wall:.2f} s, bridge {bridge_wall:.2f} s")

        rss_before = bridge.rss_kib()
        size_before = sum(Path(f"{db}{suffix}").stat().st_size for suffix in ("", "-wal") if Path(f"{db}{suffix}").exists())
        text = "A user message of about a hundred characters, as a short question in a conversation tends to be."
        store_threads = [_request(bridge.port, "POST", "/v1/threads", {})["id"] for _n in range(MESSAGES // 100)]
        started = time.perf_counter()
        _concurrently(len(store_threads) if len(store_threads) < 10 else 10, lambda index: [
            _request(bridge.port, "POST", f"/v1/threads/{thread_id}/messages", {"role": "user", "content": text})
            for thread_id in store_threads[index::10] for _m in range(100)])
        store_seconds = time.perf_counter() - started
        rss_after = bridge.rss_kib()
        size_after = sum(Path(f"{db}{suffix}").stat().st_size for suffix in ("", "-wal") if Path(f"{db}{suffix}").exists())
        say(f"bridge case: {MESSAGES} messages stored in {store_seconds:.1f} s")
    finally:
        if bridge is not None:
            bridge.stop()
        standin.stop()
    return {
        "runs": RUNS, "concurrent": CONCURRENT, "messages": MESSAGES, "db_synchronous": DB_SYNCHRONOUS,
        "direct_total_median": statistics.median(total for _first, total in direct),
        "bridge_total_median": statistics.median(total for _first, total in bridged),
        "direct_first_median": statistics.median(first for first, _total in direct),
        "bridge_first_median": statistics.median(first for first, _total in bridged),
        "direct_concurrent": direct_wall, "bridge_concurrent": bridge_wall,
        "rss_mib_per_10k": (rss_after - rss_before) / 1024 * 10000 / MESSAGES,
        "db_mib_per_10k": (size_after - size_before) / 1024 / 1024 * 10000 / MESSAGES,
        "store_seconds": store_seconds, "messages_per_second": MESSAGES / store_seconds,
    }


def _verdict(value: float, limit: float) -> str:
    return "met" if value <= limit else "MISSED"


def rows_bridge(result: dict[str, t.Any]) -> list[list[str]]:
    added = (result["bridge_total_median"] - result["direct_total_median"]) * 1000
    first = (result["bridge_first_median"] - result["direct_first_median"]) * 1000
    ratio = result["bridge_concurrent"] / result["direct_concurrent"]
    return [
        ["bridge", "streamed run vs direct chat", str(result["runs"]), "1",
         f"{result['bridge_total_median'] * 1000:.1f} ms vs {result['direct_total_median'] * 1000:.1f} ms: +{added:.1f} ms", "",
         f"<= 15 ms: {_verdict(added, 15)}"],
        ["bridge", "first delta vs first chunk", str(result["runs"]), "1",
         f"{result['bridge_first_median'] * 1000:.1f} ms vs {result['direct_first_median'] * 1000:.1f} ms: +{first:.1f} ms", "",
         f"<= 10 ms: {_verdict(first, 10)}"],
        ["bridge", f"{result['concurrent']} concurrent runs vs chats", "1", str(result["concurrent"]),
         f"{result['bridge_concurrent']:.2f} s vs {result['direct_concurrent']:.2f} s", "", f"x{ratio:.2f} <= 1.2: {_verdict(ratio, 1.2)}"],
        ["bridge", f"{result['messages']} stored messages (--db-synchronous {result['db_synchronous']})", "1", str(result["messages"]),
         f"{result['messages_per_second']:.0f} messages/s", f"+{result['rss_mib_per_10k']:.1f} MiB / 10k",
         f"database +{result['db_mib_per_10k']:.1f} MiB / 10k"],
    ]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--work", type=Path, help="scratch directory (logs, the database); default: a temporary one")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bridge-bench-") as scratch:
        result = case_bridge(args.work or Path(scratch), lambda text: sys.stderr.write(f"{text}\n"))
    sys.stdout.write(json.dumps(result, indent=1) + "\n")
    for row in rows_bridge(result):
        sys.stdout.write(" | ".join(row) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
