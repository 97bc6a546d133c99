# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A scripted stand-in for an OpenAI-compatible Chat Completions API, for the bridge's tests and benchmarks.

Standard library only, loopback only. Run it with `python3 tools/assistants_server/standin.py --port 0` (prints
`listening on http://127.0.0.1:PORT/v1`), or in-process with `start_standin()`.

Each POST /v1/chat/completions takes the next scripted reply (POST /__script with a JSON list of replies
appends to the script; DELETE /__script empties it and the request log). With nothing scripted it answers
from the conversation itself, so it needs no script for a plain run:
  - the last message is a tool result: "The tool answered: <output>"
  - the last user message contains "use the tool" and tools were sent: a call to the first tool, arguments "{}"
  - the last user message contains "slowly": the answer's words arrive 0.3 s apart
  - otherwise: "You said: <last user message>", a word per chunk
A reply is an object with any of:
  text: [chunks] | "text"      tool_calls: [{"id", "name", "arguments": "..." | [fragments]}]
  finish: "stop" | "length" | "content_filter" | "tool_calls"      usage: {...} (default: counted)
  status: N, message, retry_after (header value), retry_after_ms      (an error answer)
  delay: seconds before answering   chunk_delay: seconds between chunks
  await_requests: N (answer only once N requests have arrived in all; 500 if they do not within 10 s)
  drop: true (close without answering)   drop_after: N (close after N chunks)   stream: false (one JSON answer)
  close: true (end the stream by closing the connection; default: a chunked body on a kept-alive connection)
GET /__requests lists what was received (body, headers without the key's value, time).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def _tokens(text: str) -> int:
    return max(1, len(text) // 4)


class StandIn(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, host: str = "127.0.0.1", port: int = 0, key: str | None = None, idle_close: float | None = None) -> None:
        super().__init__((host, port), _Handler)
        self.key = key
        self.lock = threading.Lock()
        self.script: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self.started = time.monotonic()
        self.idle_close = idle_close  # close a kept-alive connection idle this long (seconds; None: never)
        self.closed = 0  # connections closed so far
        self.abandoned = 0  # streams the client closed before their end

    def server_bind(self) -> None:
        # skip HTTPServer's FQDN lookup, which can stall without DNS
        socket.socket.bind(self.socket, self.server_address)
        self.server_address = self.socket.getsockname()
        self.server_name, self.server_port = self.server_address[:2]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def add(self, *replies: dict[str, Any]) -> None:
        with self.lock:
            self.script.extend(replies)

    def reset(self) -> None:
        with self.lock:
            self.script.clear()
            self.requests.clear()

    def received(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(entry) for entry in self.requests]

    def next_reply(self, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            if self.script:
                return self.script.pop(0)
        return _from_conversation(body)


def _from_conversation(body: dict[str, Any]) -> dict[str, Any]:
    messages = body.get("messages") or []
    last = messages[-1] if messages else {}
    if last.get("role") == "tool":
        return {"text": f"The tool answered: {last.get('content')}"}
    user = next((m for m in reversed(messages) if m.get("role") == "user"), {})
    content = user.get("content")
    if isinstance(content, list):
        content = " ".join(part.get("text", "") for part in content if part.get("type") == "text")
    text = str(content or "")
    if "use the tool" in text and body.get("tools"):
        return {"tool_calls": [{"name": body["tools"][0]["function"]["name"], "arguments": "{}"}]}
    words = f"You said: {text}".split(" ")
    reply: dict[str, Any] = {"text": [word + " " for word in words[:-1]] + words[-1:]}
    if "slowly" in text:
        reply["chunk_delay"] = 0.3
    return reply


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: StandIn

    def log_message(self, format: str, *args: Any) -> None:  # pylint: disable=redefined-builtin
        pass

    def setup(self) -> None:
        self.timeout = self.server.idle_close
        super().setup()
        # as servers of real models do: without it, Nagle and delayed ACKs hold each small chunk up to 40 ms
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def finish(self) -> None:
        super().finish()
        with self.server.lock:
            self.server.closed += 1

    def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> Any:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        return json.loads(raw) if raw else None

    def do_GET(self) -> None:  # pylint: disable=invalid-name
        if self.path == "/__requests":
            self._json(200, {"requests": self.server.received()})
        elif self.path == "/v1/models":
            self._json(200, {"object": "list", "data": [{"id": "standin", "object": "model"}]})
        else:
            self._json(404, {"error": {"message": "not found"}})

    def do_DELETE(self) -> None:  # pylint: disable=invalid-name
        self.server.reset()
        self._json(200, {"ok": True})

    def do_POST(self) -> None:  # pylint: disable=invalid-name
        body = self._body()
        if self.path == "/__script":
            self.server.add(*(body if isinstance(body, list) else [body]))
            self._json(200, {"ok": True})
            return
        if not self.path.split("?")[0].endswith("/chat/completions"):
            self._json(404, {"error": {"message": f"Unknown path {self.path}"}})
            return
        headers = {name.lower(): value for name, value in self.headers.items()}
        for secret in ("authorization", "api-key"):
            if secret in headers:
                headers[secret] = "<set>"
        with self.server.lock:
            self.server.requests.append({"time": time.monotonic(), "path": self.path, "body": body, "headers": headers,
                                         "connection": self.client_address[1]})
        if self.server.key is not None:
            given = self.headers.get("api-key") or (self.headers.get("authorization") or "").removeprefix("Bearer ")
            if given != self.server.key:
                self._json(401, {"error": {"message": f"Incorrect API key provided: {given[:3]}***{given[-2:]}.", "type": "invalid_request_error",
                                           "code": "invalid_api_key"}})
                return
        reply = self.server.next_reply(body)
        if "await_requests" in reply and not self._await_requests(int(reply["await_requests"])):
            self._json(500, {"error": {"message": f"fewer than {reply['await_requests']} requests arrived within 10 s", "type": "server_error"}})
            return
        time.sleep(float(reply.get("delay", 0)))
        if reply.get("drop"):
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        if "status" in reply:
            extra = {}
            if "retry_after" in reply:
                extra["Retry-After"] = str(reply["retry_after"])
            if "retry_after_ms" in reply:
                extra["retry-after-ms"] = str(reply["retry_after_ms"])
            self._json(int(reply["status"]), {"error": {"message": reply.get("message", f"scripted {reply['status']}"), "type": "server_error"}}, extra)
            return
        if body.get("stream") and reply.get("stream", True):
            self._stream(body, reply)
        else:
            self._whole(body, reply)

    def _parts(self, body: dict[str, Any], reply: dict[str, Any]) -> tuple[list[str], list[dict[str, Any]], str, dict[str, int]]:
        text = reply.get("text", [] if "tool_calls" in reply else [""])
        chunks = [text] if isinstance(text, str) else list(text)
        calls = []
        for index, call in enumerate(reply.get("tool_calls") or []):
            arguments = call.get("arguments", "{}")
            calls.append({"id": call.get("id", f"call_standin{index}"), "name": call["name"],
                          "arguments": [arguments] if isinstance(arguments, str) else list(arguments)})
        finish = reply.get("finish", "tool_calls" if calls else "stop")
        prompt = _tokens(json.dumps(body.get("messages")))
        completion = _tokens("".join(chunks) + json.dumps(calls))
        usage = reply.get("usage", {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion})
        return chunks, calls, finish, usage

    def _whole(self, body: dict[str, Any], reply: dict[str, Any]) -> None:
        chunks, calls, finish, usage = self._parts(body, reply)
        message: dict[str, Any] = {"role": "assistant", "content": "".join(chunks) or None}
        if calls:
            message["tool_calls"] = [{"id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": "".join(c["arguments"])}}
                                     for c in calls]
        self._json(200, {"id": "chatcmpl-standin", "object": "chat.completion", "created": int(time.time()), "model": body.get("model"),
                         "choices": [{"index": 0, "message": message, "finish_reason": finish}], "usage": usage})

    def _stream(self, body: dict[str, Any], reply: dict[str, Any]) -> None:
        chunks, calls, finish, usage = self._parts(body, reply)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        # Like most servers: a chunked body on a kept-alive connection; "close": true ends the body by closing instead.
        chunked = not reply.get("close")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.close_connection = not chunked

        def send(data: bytes) -> None:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n" if chunked else data)
            self.wfile.flush()
        deltas: list[dict[str, Any]] = [{"role": "assistant", "content": ""}]
        deltas += [{"content": chunk} for chunk in chunks if chunk]
        for index, call in enumerate(calls):
            for number, fragment in enumerate(call["arguments"]):
                first = {"id": call["id"], "type": "function", "function": {"name": call["name"], "arguments": fragment}}
                deltas.append({"tool_calls": [{"index": index, **first} if number == 0 else {"index": index, "function": {"arguments": fragment}}]})
        events = [{"choices": [{"index": 0, "delta": delta, "finish_reason": None}]} for delta in deltas]
        events.append({"choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
        if body.get("stream_options", {}).get("include_usage"):
            events.append({"choices": [], "usage": usage})
        pause = float(reply.get("chunk_delay", 0))
        drop_after = reply.get("drop_after")
        try:
            for number, event in enumerate(events):
                if drop_after is not None and number >= drop_after:
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                if pause and number > 1:
                    time.sleep(pause)
                send(f"data: {json.dumps({'id': 'chatcmpl-standin', 'object': 'chat.completion.chunk', **event})}\n\n".encode())
            send(b"data: [DONE]\n\n")
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            with self.server.lock:
                self.server.abandoned += 1

    def _await_requests(self, count: int, timeout: float = 10.0) -> bool:
        """Whether `count` requests arrived in all within `timeout` (a test's proof that calls overlap)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.server.lock:
                if len(self.server.requests) >= count:
                    return True
            time.sleep(0.01)
        return False


class StandInHandle:
    """A stand-in serving in a daemon thread."""

    def __init__(self, server: StandIn) -> None:
        self.server = server
        self.url = server.url
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self._thread.join(5)
        self.server.server_close()


def start_standin(key: str | None = None, idle_close: float | None = None) -> StandInHandle:
    return StandInHandle(StandIn(key=key, idle_close=idle_close))


def _watch_idle(server: StandIn, idle_timeout: float) -> None:
    while True:
        time.sleep(min(1.0, idle_timeout / 4))
        with server.lock:
            last = server.requests[-1]["time"] if server.requests else server.started
        if time.monotonic() - last >= idle_timeout:
            server.shutdown()
            return


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python3 tools/assistants_server/standin.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--pid-file")
    p.add_argument("--key", help="demand this key (for tests; a real server reads keys from a file)")
    p.add_argument("--idle-timeout", type=float, default=0.0, help="exit after this many seconds without a request; 0 = never")
    args = p.parse_args(argv)
    server = StandIn(port=args.port, key=args.key)
    if args.idle_timeout > 0:
        threading.Thread(target=_watch_idle, args=(server, args.idle_timeout), daemon=True).start()
    if args.pid_file:
        with open(args.pid_file, "w", encoding="ascii") as handle:
            handle.write(f"{os.getpid()}\n")
    sys.stdout.write(f"listening on {server.url}\n")
    sys.stdout.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
