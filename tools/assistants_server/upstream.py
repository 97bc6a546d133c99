# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client of the upstream Chat Completions API (--backend chat): request, stream, retry, error mapping.

The upstream key is sent in a header and nowhere else: it is never logged, and it is cut out of any
message the upstream sends back before that message can reach a run's last_error.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import logging
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Iterator
from urllib.parse import urlsplit

LOG = logging.getLogger("assistants_server.upstream")
AZURE_HOST_SUFFIXES = (".openai.azure.com", ".cognitiveservices.azure.com", ".services.ai.azure.com")
UPSTREAM_FLAVORS = ("auto", "openai", "azure")
KEEP_ALIVE = ("auto", "yes", "no")
RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 60.0
MAX_MESSAGE = 500
POOL_SIZE = 16  # kept-alive upstream connections (a TLS handshake saved per call)
DRAIN_SECONDS = 1.0  # how long to wait for the end of a stream's body after [DONE] before giving the connection up


class UpstreamError(Exception):
    """The upstream call failed for good; `code` is the run's last_error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Aborted(Exception):
    """The call was abandoned (the run was cancelled, or the server is stopping)."""


@dataclass
class Call:
    """One run's upstream call in flight: abort() from any thread ends it at once."""

    aborted: threading.Event = field(default_factory=threading.Event)
    _conn: http.client.HTTPConnection | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def attach(self, conn: http.client.HTTPConnection | None) -> None:
        with self._lock:
            self._conn = conn
            if conn is not None and self.aborted.is_set():
                _shut(conn)

    def abort(self) -> None:
        with self._lock:
            self.aborted.set()
            if self._conn is not None:
                _shut(self._conn)


def _shut(conn: http.client.HTTPConnection) -> None:
    sock = conn.sock
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def retry_after(headers: http.client.HTTPMessage | None) -> float | None:
    """Seconds the upstream asked us to wait: retry-after-ms, or Retry-After in seconds or as an HTTP date."""
    if headers is None:
        return None
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return max(0.0, float(raw_ms) / 1000)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class Upstream:
    """An OpenAI-compatible API: OpenAI, Azure OpenAI, Ollama, vLLM, LM Studio, llama.cpp's server, LiteLLM, ..."""

    def __init__(self, base_url: str, key: str | None, *, timeout: float = 60.0, retries: int = 2, backoff: float = 0.5,
                 flavor: str = "auto", model_map: dict[str, str] | None = None, default_model: str | None = None,
                 max_tokens_field: str = "max_completion_tokens", keep_alive: str = "auto") -> None:
        split = urlsplit(base_url)
        if split.scheme not in ("http", "https") or not split.hostname:
            raise ValueError(f"--upstream must be an http:// or https:// URL, got {base_url!r}")
        self.scheme = split.scheme
        self.host = split.hostname
        self.port = split.port
        self.path = split.path.rstrip("/") + "/chat/completions" + (f"?{split.query}" if split.query else "")
        if flavor == "auto":
            flavor = "azure" if self.host.endswith(AZURE_HOST_SUFFIXES) else "openai"
        self.flavor = flavor
        self._key = key or None
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.model_map = dict(model_map or {})
        self.default_model = default_model
        self.max_tokens_field = max_tokens_field
        self._tls = ssl.create_default_context() if self.scheme == "https" else None
        if keep_alive not in KEEP_ALIVE:
            raise ValueError(f"keep_alive must be one of {', '.join(KEEP_ALIVE)}; got {keep_alive!r}")
        # auto: for https only. There a kept connection saves a TLS handshake per call; over plain http (a model on
        # this host or this network) a new connection costs next to nothing, and a kept one can meet a server that
        # leaves Nagle on (llama.cpp's), whose small chunks then wait for delayed ACKs, up to 40 ms each.
        self.keep_alive = keep_alive == "yes" or (keep_alive == "auto" and self.scheme == "https")
        # Connections whose last answer ended at [DONE], kept with that answer: the rest of its body (the end of
        # the chunked encoding) is read when the connection is next taken, so no run waits for it.
        self._pool: list[tuple[http.client.HTTPConnection, http.client.HTTPResponse]] = []
        self._pool_lock = threading.Lock()

    def model(self, name: str) -> str:
        """The upstream's name for a model a playbook asked for."""
        if name in self.model_map:
            return self.model_map[name]
        return self.default_model or name

    def redact(self, text: str) -> str:
        if self._key:
            text = text.replace(self._key, "***")
        # OpenAI quotes part of a wrong key back ("Incorrect API key provided: sk-ab***yz."): keep none of it.
        head, found, _tail = text.partition("API key provided:")
        if found:
            text = head + "API key provided."
        return text

    def _headers(self, length: int) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "text/event-stream", "Content-Length": str(length),
                   "User-Agent": "assistants-local-bridge/1.0"}
        if self._key:
            if self.flavor == "azure":
                headers["api-key"] = self._key
            else:
                headers["Authorization"] = f"Bearer {self._key}"
        return headers

    def _connect(self) -> http.client.HTTPConnection:
        if self._tls is not None:
            return http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout, context=self._tls)
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def _error_message(self, status: int, raw: bytes) -> str:
        text = raw.decode("utf-8", "replace").strip()
        message = text
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, dict):
            error = data.get("error", data.get("detail", data.get("message")))
            if isinstance(error, dict):
                error = error.get("message") or json.dumps(error)
            if isinstance(error, list):
                error = json.dumps(error)
            if error:
                message = str(error)
        message = " ".join(message.split())[:MAX_MESSAGE] or f"HTTP {status}"
        return self.redact(f"The upstream model API answered {status}: {message}")

    def stream(self, body: dict[str, Any], call: Call) -> Iterator[dict[str, Any]]:
        """The chunks of one streamed chat completion, retrying transient failures until the first chunk arrived.

        Raises UpstreamError once retries are spent (or at once for a non-transient answer), Aborted when
        call.abort() was called.
        """
        payload = json.dumps({**body, "stream": True, "stream_options": {"include_usage": True}}).encode()
        attempt = 0
        while True:
            delay: float | None = None
            yielded = False
            try:
                for chunk in self._attempt(payload, call):
                    yielded = True
                    yield chunk
                return
            except _Transient as exc:
                if yielded or attempt >= self.retries:
                    raise UpstreamError(exc.code, exc.message) from None
                delay = exc.retry_after
            if call.aborted.is_set():
                raise Aborted()
            wait = min(MAX_RETRY_AFTER, delay if delay is not None else self.backoff * (2 ** attempt))
            attempt += 1
            LOG.info("upstream call failed (transient); retry %d in %.2fs", attempt, wait)
            if call.aborted.wait(wait):
                raise Aborted()

    def _send(self, payload: bytes, call: Call) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
        conn, reused = self._take()
        for _try in range(2):
            conn = conn or self._connect()
            call.attach(conn)
            try:
                conn.request("POST", self.path, body=payload, headers=self._headers(len(payload)))
                return conn, conn.getresponse()
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                if not reused or isinstance(exc, TimeoutError) or call.aborted.is_set():
                    raise self._io_error(exc, call, f"did not answer within {self.timeout:g} s",
                                         f"could not be reached: {exc.__class__.__name__}: {exc}") from None
                # The server closed the kept-alive connection while it was idle: once more on a new one, as any
                # HTTP client does; no answer came, so this is not a retry of the call.
                conn, reused = None, False
        raise AssertionError("unreachable")

    def _keep(self, conn: http.client.HTTPConnection, response: http.client.HTTPResponse) -> bool:
        """Put the connection in the pool if the server keeps it open."""
        if not self.keep_alive or response.will_close or conn.sock is None:
            return False
        with self._pool_lock:
            if len(self._pool) >= POOL_SIZE:
                return False
            self._pool.append((conn, response))
        return True

    def _take(self) -> tuple[http.client.HTTPConnection | None, bool]:
        """A kept-alive connection whose last body has ended, or (None, False)."""
        while True:
            with self._pool_lock:
                if not self._pool:
                    return None, False
                conn, response = self._pool.pop()
            try:
                if conn.sock is not None:
                    conn.sock.settimeout(DRAIN_SECONDS)
                    rest = response.read()  # after [DONE], only the end of a chunked body is left
                    if conn.sock is not None and not rest.strip():
                        conn.sock.settimeout(self.timeout)
                        return conn, True
            except (OSError, http.client.HTTPException):
                pass
            conn.close()

    def _attempt(self, payload: bytes, call: Call) -> Iterator[dict[str, Any]]:
        conn = None
        kept = False
        try:
            conn, response = self._send(payload, call)
            if response.status != 200:
                raw = self._read_all(response, call)
                message = self._error_message(response.status, raw)
                if response.status in RETRY_STATUSES:
                    code = "rate_limit_exceeded" if response.status == 429 else "server_error"
                    raise _Transient(code, message, retry_after(response.headers))
                raise UpstreamError("invalid_prompt" if response.status < 500 else "server_error", message)
            content_type = (response.headers.get("content-type") or "").lower()
            if "text/event-stream" not in content_type:
                # Some servers ignore stream: true and answer the whole completion at once.
                raw = self._read_all(response, call)
                completion = self._parse(raw)
                if "choices" not in completion:
                    raise UpstreamError("server_error", self._error_message(200, raw))
                yield _as_chunk(completion)
            else:
                yield from self._events(response, call)
            call.attach(None)
            kept = self._keep(conn, response)
        finally:
            call.attach(None)
            if conn is not None and not kept:
                conn.close()

    def _read_all(self, response: http.client.HTTPResponse, call: Call) -> bytes:
        try:
            return response.read()
        except (OSError, http.client.HTTPException) as exc:
            self._check_aborted(call)
            raise _Transient("server_error", f"The upstream model API dropped the connection: {exc.__class__.__name__}.") from None

    def _parse(self, raw: bytes) -> dict[str, Any]:
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise UpstreamError("server_error", "The upstream model API answered something that is not JSON.") from None
        if not isinstance(data, dict):
            raise UpstreamError("server_error", "The upstream model API answered JSON that is not a chat completion.")
        return data

    def _events(self, response: http.client.HTTPResponse, call: Call) -> Iterator[dict[str, Any]]:
        done = False
        while True:
            try:
                line = response.readline()
            except (OSError, http.client.HTTPException) as exc:
                raise self._io_error(exc, call, f"stopped sending for {self.timeout:g} s mid-answer",
                                     f"dropped the connection mid-answer: {exc.__class__.__name__}") from None
            if not line:
                self._check_aborted(call)
                if done:
                    return
                raise _Transient("server_error", "The upstream model API closed the stream before it finished the answer.")
            line = line.strip()
            if not line.startswith(b"data:"):
                continue
            data = line[5:].strip()
            if data == b"[DONE]":
                return
            chunk = self._parse(data)
            if "error" in chunk and "choices" not in chunk:
                raise UpstreamError("server_error", self._error_message(200, data))
            if any(choice.get("finish_reason") for choice in chunk.get("choices") or []):
                done = True  # a usage chunk and [DONE] may follow; a close now loses nothing
            yield chunk

    def _io_error(self, exc: BaseException, call: Call, timed_out: str, failed: str) -> Exception:
        """What a socket error means: the run was cancelled (Aborted), or a transient failure worth a retry."""
        self._check_aborted(call)
        what = timed_out if isinstance(exc, TimeoutError) else failed
        return _Transient("server_error", self.redact(f"The upstream model API {what}."))

    @staticmethod
    def _check_aborted(call: Call) -> None:
        if call.aborted.is_set():
            raise Aborted()


class _Transient(Exception):
    def __init__(self, code: str, message: str, retry_after_seconds: float | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retry_after = retry_after_seconds


def _as_chunk(completion: dict[str, Any]) -> dict[str, Any]:
    """A whole (non-streamed) completion as one stream chunk."""
    choices = []
    for choice in completion.get("choices") or []:
        message = choice.get("message") or {}
        calls = [{"index": index, **call} for index, call in enumerate(message.get("tool_calls") or [])]
        delta = {"role": "assistant", "content": message.get("content"), "refusal": message.get("refusal")}
        if calls:
            delta["tool_calls"] = calls
        choices.append({"index": choice.get("index", 0), "delta": delta, "finish_reason": choice.get("finish_reason")})
    return {"choices": choices, "usage": completion.get("usage")}
