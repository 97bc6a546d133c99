# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP plumbing: the threaded server, fault actions on the wire, and the in-process API for tests."""

from __future__ import annotations

import ipaddress
import json
import logging
import socket
import socketserver
import ssl
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from assistants_server import control
from assistants_server.app import App, Options, Reply, json_reply
from assistants_server.errors import HTML_ERROR_PAGE, error_body, invalid_url, status_error_body
from assistants_server.faults import FaultRule, parse_rules
from assistants_server.lifecycle import RunState

LOG = logging.getLogger("assistants_server")
MAX_BODY_BYTES = 16 * 1024 * 1024
_BUSY_BODY = json.dumps(error_body("The server is busy: too many connections at once. Please try again.", error_type="server_error")).encode()
BUSY_RESPONSE = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\nConnection: close\r\n"
                 + f"Content-Length: {len(_BUSY_BODY)}\r\n\r\n".encode() + _BUSY_BODY)


def fault_status_reply(rule: FaultRule) -> Reply:
    headers = dict(rule.headers)
    if rule.retry_after is not None:
        headers["retry-after"] = str(rule.retry_after)
    if rule.retry_after_ms is not None:
        headers["retry-after-ms"] = str(rule.retry_after_ms)
    if rule.body == "html":
        try:
            reason = HTTPStatus(rule.status).phrase
        except ValueError:
            reason = "Error"
        page = HTML_ERROR_PAGE.format(status=rule.status, reason=reason)
        return Reply(rule.status, page.encode(), headers, content_type="text/html")
    if rule.body == "empty":
        return Reply(rule.status, b"", headers)
    reply = json_reply(rule.status, status_error_body(rule.status, rule.message, rule.code, rule.error_type), headers)
    return reply


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the SDK's HTTP client expects
    server_version = "assistants-local/1.0"
    sys_version = ""
    server: AssistantsHTTPServer

    def setup(self) -> None:
        # A socket timeout for every read and write: a client that stalls is dropped instead of holding a thread.
        self.timeout = self.server.app.options.client_timeout or None
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle plus delayed ACKs cost ~40 ms a request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:  # pylint: disable=redefined-builtin
        LOG.debug("%s - %s", self.address_string(), format % args)

    def do_GET(self) -> None:  # pylint: disable=invalid-name
        self._dispatch()

    def do_POST(self) -> None:  # pylint: disable=invalid-name
        self._dispatch()

    def do_DELETE(self) -> None:  # pylint: disable=invalid-name
        self._dispatch()

    def do_PUT(self) -> None:  # pylint: disable=invalid-name
        self._dispatch()

    def do_PATCH(self) -> None:  # pylint: disable=invalid-name
        self._dispatch()

    # ---- reading ----

    def _read_body(self) -> bytes | None:
        """The request body, or None when it cannot be read (an error has then been answered)."""
        too_big = False
        try:
            if "chunked" in (self.headers.get("transfer-encoding") or "").lower():
                return self._read_chunked()
            length = int(self.headers.get("content-length") or 0)
            if length > MAX_BODY_BYTES:
                too_big = True
            elif length >= 0:
                return self.rfile.read(length) if length else b""
        except OverflowError:
            too_big = True
        except ValueError:
            pass
        except (TimeoutError, OSError):
            self.close_connection = True  # the client stopped sending its body: nobody left to answer
            return None
        self.close_connection = True
        message = "The request body is too large." if too_big else "The request body's length could not be read."
        self._send(json_reply(413 if too_big else 400, error_body(message)))
        return None

    def _read_chunked(self) -> bytes:
        chunks = []
        total = 0
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            total += size
            if total > MAX_BODY_BYTES:
                raise OverflowError(total)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    # ---- writing ----

    def _send(self, reply: Reply, *, truncate: bool = False) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if truncate:
            self.send_header("Connection", "close")
        self.end_headers()
        body = reply.body[: len(reply.body) // 2] if truncate else reply.body
        try:
            self.wfile.write(body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        if truncate:
            self._drop()

    def _chunk(self, data: bytes) -> None:
        """One chunk of a chunked body; empty data ends the body."""
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n" if data else b"0\r\n\r\n")
        self.wfile.flush()

    def _send_stream(self, state: RunState, reply: Reply, *, cut: bool = False, stall: float | None = None) -> None:
        """Server-sent events of one run until it is terminal or needs tool outputs, then `done`.

        `cut` closes the stream after its first event; `stall` goes silent after it for that many seconds, then closes.
        """
        app = self.server.app
        self.send_response(200)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        sent = 0
        try:
            while True:
                app.touch()  # an open stream is activity: --idle-timeout must not end it
                with app.store.lock:
                    transitions = app.lifecycle.transitions
                    # This run only (the others move when a request comes, at their scheduled times all the same), and
                    # advance() rather than tick(): after a reset or a thread delete the run is no longer ticked, and
                    # advance() then marks it done so the stream ends.
                    app.lifecycle.advance(state, app.clock.now())
                    if len(state.events or []) <= sent and state.phase not in ("done", "requires_action"):
                        # Wait for the next event (a worker notifies) or transition; wake now and then in case the clock was advanced.
                        next_at = app.lifecycle.next_transition_at(state)
                        if state.wakeup is None:
                            state.wakeup = threading.Condition(app.store.lock)
                        state.wakeup.wait(0.25 if next_at is None else min(0.25, max(0.005, next_at - app.clock.now())))
                        app.lifecycle.advance(state, app.clock.now())
                    if app.lifecycle.transitions != transitions:
                        app.store.commit()  # a run this stream is about to report ended by the clock: on disk first
                    events = list((state.events or [])[sent:])
                    ended = state.phase in ("done", "requires_action")
                    if ended:
                        state.events = None  # stop recording: nobody is listening any more
                sent += len(events)
                if (cut or stall is not None) and events:
                    name, obj = events[0]
                    self._chunk(f"event: {name}\ndata: {json.dumps(obj)}\n\n".encode())
                    if stall is not None:
                        time.sleep(stall)
                    self._drop()
                    return
                if events:
                    # what arrived since the last wake-up goes out in one write (one chunk)
                    self._chunk("".join(f"event: {name}\ndata: {json.dumps(obj)}\n\n" for name, obj in events).encode())
                if ended:
                    self._chunk(b"event: done\ndata: [DONE]\n\n")
                    self._chunk(b"")
                    return
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _drop(self) -> None:
        """Close the connection; whatever was not yet sent is never sent."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # ---- the pipeline ----

    def _dispatch(self) -> None:
        app = self.server.app
        app.touch()
        method = self.command
        split = urlsplit(self.path)
        path = split.path
        query = parse_qs(split.query, keep_blank_values=True)
        raw = self._read_body()
        if raw is None:
            return
        if path == control.CONTROL_PREFIX or path.startswith(control.CONTROL_PREFIX + "/"):
            if not app.options.control_enabled:
                self._send(json_reply(404, error_body("The control API is off (it is on with --backend simulated, or with --enable-control).")))
                return
            if not (app.options.allow_remote_control or self._client_is_loopback()):
                self._send(json_reply(403, error_body("The control API answers loopback clients only (start the server with --allow-remote-control).")))
                return
            self._send(control.handle(app, method, path, raw))
            return
        if not path.startswith("/v1/"):
            self._send(json_reply(404, invalid_url(method, path).body()))
            return
        entry = app.requests.start(method, path, query, raw, self.headers)
        delays, rule = app.faults.take(method, path)
        for delay in delays:
            time.sleep(delay.seconds)
        action = rule.action if rule else None
        if rule is not None and action == "status":
            reply = fault_status_reply(rule)
            app.requests.finish(entry, reply.status, action)
            self._send(reply)
            return
        if action == "drop_before":
            app.requests.finish(entry, None, action)
            self._drop()
            return
        reply = app.handle_api(method, path, query, self.headers, raw)
        if action == "drop_after_apply":
            app.requests.finish(entry, None, action)
            self._drop()
            return
        if action == "not_json":
            reply = Reply(reply.status, b"<html><body>upstream answered garbage: this is not JSON</body></html>", reply.headers)
        app.requests.finish(entry, reply.status, action if action != "delay" else None)
        if reply.stream is not None:
            self._send_stream(reply.stream, reply, cut=action == "truncate", stall=rule.seconds if action == "stall" else None)
        else:
            self._send(reply, truncate=action == "truncate")

    def _client_is_loopback(self) -> bool:
        try:
            address = ipaddress.ip_address(self.client_address[0])
        except ValueError:
            return False
        mapped = getattr(address, "ipv4_mapped", None)
        return address.is_loopback or bool(mapped and mapped.is_loopback)


class AssistantsHTTPServer(ThreadingHTTPServer):
    daemon_threads = True  # in-flight requests never hold up shutdown
    allow_reuse_address = True
    request_queue_size = 128  # listen backlog: socketserver's 5 drops SYNs of a burst of clients, costing them 1 s each
    block_on_close = False

    def __init__(self, host: str, port: int, app: App, tls: ssl.SSLContext | None = None) -> None:
        self.app = app
        self.tls = tls
        self.slots = threading.BoundedSemaphore(max(1, app.options.max_connections))
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host, port), Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        # At most max_connections connections are served at once; one more gets a short 503 and is closed.
        if not self.slots.acquire(blocking=False):
            try:
                request.settimeout(1.0)
                request.sendall(BUSY_RESPONSE)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def finish_request(self, request: Any, client_address: Any) -> None:
        if self.tls is None:
            super().finish_request(request, client_address)
            return
        # The handshake runs here, in the connection's own thread, so a client that stalls or refuses the
        # certificate never holds up accept() for the others.
        try:
            request = self.tls.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            LOG.debug("TLS handshake with %s failed: %s", client_address[0], exc)
            return
        try:
            super().finish_request(request, client_address)
        finally:
            self.shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that closes a kept-alive connection (a module's process ending) resets it while the handler
        # waits for the next request line: that is a normal end of a connection, not a server error.
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)):
            LOG.debug("connection from %s closed by the client", client_address[0])
            return
        super().handle_error(request, client_address)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host's FQDN, which can stall for seconds without DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    @property
    def port(self) -> int:
        return int(self.server_address[1])


def format_base(host: str, port: int, tls: bool = False) -> str:
    scheme = "https" if tls else "http"
    return f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"


def tls_context(cert_file: str, key_file: str | None = None) -> ssl.SSLContext:
    """A server-side context from a PEM certificate (chain) and its key (or a PEM holding both). Raises OSError/ssl.SSLError."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_file, key_file)
    return context


def watch_idle(httpd: AssistantsHTTPServer, idle_timeout: float, stopped: threading.Event) -> threading.Thread:
    """Stop the server once no request has arrived for `idle_timeout` seconds."""

    def watch() -> None:
        while not stopped.wait(min(1.0, idle_timeout / 4)):
            if time.monotonic() - httpd.app.last_activity >= idle_timeout:
                LOG.info("no request for %s seconds; stopping", idle_timeout)
                httpd.shutdown()
                return

    thread = threading.Thread(target=watch, name="assistants-server-idle", daemon=True)
    thread.start()
    return thread


def build_server(host: str = "127.0.0.1", port: int = 0, options: Options | None = None,
                 tls: ssl.SSLContext | None = None) -> AssistantsHTTPServer:
    return AssistantsHTTPServer(host, port, App(options or Options()), tls)


class ServerHandle:
    """A server running in a daemon thread of this process."""

    def __init__(self, httpd: AssistantsHTTPServer, host: str) -> None:
        self.httpd = httpd
        self.app = httpd.app
        self.host = host
        self.port = httpd.port
        self.base = format_base(host, self.port, httpd.tls is not None)
        self.url = f"{self.base}/v1"
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="assistants-server", daemon=True)
        self._thread.start()
        if httpd.app.options.idle_timeout > 0:
            watch_idle(httpd, httpd.app.options.idle_timeout, self._stopped)

    def _serve(self) -> None:
        try:
            self.httpd.serve_forever(poll_interval=0.1)
        finally:
            self._stopped.set()

    @property
    def running(self) -> bool:
        return not self._stopped.is_set()

    def stop(self, timeout: float = 5.0) -> None:
        if self.running:
            self.httpd.shutdown()
        self._thread.join(timeout)
        self.httpd.server_close()
        self.app.stop()

    def __enter__(self) -> ServerHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_server(host: str = "127.0.0.1", port: int = 0, *, tls_cert: str | None = None, tls_key: str | None = None,
                 **options: Any) -> ServerHandle:
    """Start a server in a daemon thread; options are the fields of `Options` (run_seconds, api_key, ...).

    `faults` may be given as rule dicts (the control API's JSON format) or parsed FaultRule objects.
    `tls_cert` (and `tls_key`, unless the certificate file holds it) serve HTTPS instead of HTTP.
    """
    rules = options.pop("faults", None) or []
    if rules and not isinstance(rules[0], FaultRule):
        rules = parse_rules(rules)
    tls = tls_context(tls_cert, tls_key) if tls_cert else None
    return ServerHandle(build_server(host, port, Options(faults=rules, **options), tls), host)
