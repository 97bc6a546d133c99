# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The server's state and the /v1 request pipeline, independent of socket handling."""

from __future__ import annotations

import hmac
import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Mapping

from assistants_server import routes
from assistants_server.clock import Clock
from assistants_server.errors import ApiError, AzureError, error_body, invalid_url
from assistants_server.faults import FaultRule, Faults
from assistants_server.lifecycle import Lifecycle, RunState
from assistants_server.chat import ChatLifecycle
from assistants_server.store import SqliteStore, Store
from assistants_server.upstream import Upstream

LOG = logging.getLogger("assistants_server")

MISSING_KEY = (
    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth "
    "(i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API "
    "from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys."
)
# Unlike the hosted API this never echoes even a masked key: server logs and test output must not carry it.
WRONG_KEY = "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys."
MISSING_BETA = ("You must provide the 'OpenAI-Beta' header to access the Assistants API. "
                "Please try again by setting the header 'OpenAI-Beta: assistants=v2'.")
OLD_BETA = "The v1 Assistants API has been deprecated. Please try again by setting the header 'OpenAI-Beta: assistants=v2'."
BAD_JSON = (
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. "
    "The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, "
    "please contact us through our help center at help.openai.com.)"
)
# --flavor azure answers like Azure AI Foundry Agent Service (classic): api-version required, the beta header
# ignored, lists without first_id and object, and tool approvals (sim_outcome requires_approval).
FLAVORS = ("openai", "azure")
BACKENDS = ("simulated", "chat")
AZURE_API_VERSIONS = ("2025-05-01", "2025-05-15-preview")
# Azure's REST guidelines (github.com/microsoft/api-guidelines, azure/Guidelines.md) fix these codes and messages.
MISSING_API_VERSION = "The api-version query parameter (?api-version=) is required for all requests."
AZURE_MISSING_CREDENTIALS = ("Access denied due to missing or invalid credentials. Send an Entra ID token as 'Authorization: Bearer <token>' "
                             "or a key as 'api-key: <key>'.")
LOGGED_HEADERS = ("openai-beta", "content-type", "idempotency-key", "user-agent", "x-stainless-retry-count", "x-stainless-poll-helper")
REQUEST_LOG_LIMIT = 10000


@dataclass
class Options:
    """Everything the command line can set; `start_server(**options)` takes the same names."""

    run_seconds: float = 0.5
    cancel_seconds: float = 0.1
    api_key: str | None = None
    poll_after_ms: int = 250
    idle_timeout: float = 0.0
    allow_remote_control: bool = False
    faults: list[FaultRule] = field(default_factory=list)
    flavor: str = "openai"
    api_keys: list[str] = field(default_factory=list, repr=False)  # more accepted keys (--api-keys-file)
    backend: str = "simulated"
    db: str | None = None
    db_synchronous: str = "full"
    workers: int = 4
    max_connections: int = 128
    client_timeout: float = 60.0
    grace_seconds: float = 10.0
    control: bool | None = None  # /__control: None = on for the simulated backend, off for chat
    # --backend chat
    upstream: str | None = None
    upstream_key: str | None = field(default=None, repr=False)
    upstream_timeout: float = 120.0
    upstream_retries: int = 2
    upstream_backoff: float = 0.5
    upstream_flavor: str = "auto"
    model_map: dict[str, str] = field(default_factory=dict)
    default_model: str | None = None
    max_tokens_field: str = "max_completion_tokens"
    upstream_keep_alive: str = "auto"
    max_tool_rounds: int = 8

    def __post_init__(self) -> None:
        if self.flavor not in FLAVORS:
            raise ValueError(f"flavor must be one of {', '.join(FLAVORS)}; got {self.flavor!r}")
        if self.backend not in BACKENDS:
            raise ValueError(f"backend must be one of {', '.join(BACKENDS)}; got {self.backend!r}")
        if self.backend == "chat" and not self.upstream:
            raise ValueError("backend chat needs upstream (the base URL of an OpenAI-compatible API)")
        if self.backend == "chat" and self.flavor != "openai":
            raise ValueError("backend chat answers like OpenAI's API only (flavor openai)")

    @property
    def control_enabled(self) -> bool:
        return self.backend == "simulated" if self.control is None else self.control

    def accepts(self, token: str) -> bool:
        """Whether a client's key is one of the accepted ones (any non-empty key when none is set)."""
        keys = ([self.api_key] if self.api_key is not None else []) + list(self.api_keys)
        if not keys:
            return True
        # compare_digest against every key, so the time taken does not tell which one nearly matched
        return sum(hmac.compare_digest(token.encode(), key.encode()) for key in keys) > 0


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"
    stream: RunState | None = None


def json_reply(status: int, body: Any, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, json.dumps(body).encode(), dict(headers or {}))


def error_reply(error: ApiError) -> Reply:
    return json_reply(error.status, error.body(), error.headers)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"not JSON: {name}")


def parse_json(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError):
        raise ApiError(400, BAD_JSON) from None


def _short(value: Any, depth: int = 0) -> Any:
    if isinstance(value, str):
        return value if len(value) <= 200 else value[:200] + "..."
    if isinstance(value, dict):
        if depth >= 3 or len(value) > 16:
            return f"<object with {len(value)} keys>"
        return {key: _short(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list):
        if depth >= 3 or len(value) > 5:
            return f"<array of {len(value)} items>"
        return [_short(item, depth + 1) for item in value]
    return value


def summarize_body(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return _short(json.loads(raw.decode("utf-8")))
    except (UnicodeDecodeError, ValueError):
        return f"<{len(raw)} bytes, not JSON>"


class RequestLog:
    """What /v1 received and answered, for tests to inspect. Never holds the Authorization header."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[dict[str, Any]] = []
        self._counter = 0

    def start(self, method: str, path: str, query: dict[str, list[str]], raw: bytes, headers: Mapping[str, str]) -> dict[str, Any]:
        entry = {
            "method": method,
            "path": path,
            "query": {key: values[-1] if len(values) == 1 else values for key, values in query.items()},
            "body": summarize_body(raw),
            "headers": {name: headers[name] for name in LOGGED_HEADERS if headers.get(name) is not None},
            "status": None,
            "fault": None,
            "time": time.time(),
        }
        with self._lock:
            self._counter += 1
            entry["seq"] = self._counter
            self._entries.append(entry)
            del self._entries[:-REQUEST_LOG_LIMIT]
        return entry

    def finish(self, entry: dict[str, Any], status: int | None, fault: str | None = None) -> None:
        with self._lock:
            entry["status"] = status
            entry["fault"] = fault

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(entry) for entry in self._entries]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class App:
    def __init__(self, options: Options) -> None:
        self.options = options
        self.store = SqliteStore(options.db, options.db_synchronous) if options.db else Store()
        self.clock = Clock()
        self.lifecycle: Lifecycle
        if options.backend == "chat":
            upstream = Upstream(options.upstream or "", options.upstream_key, timeout=options.upstream_timeout, retries=options.upstream_retries,
                                backoff=options.upstream_backoff, flavor=options.upstream_flavor, model_map=options.model_map,
                                default_model=options.default_model, max_tokens_field=options.max_tokens_field,
                                keep_alive=options.upstream_keep_alive)
            self.lifecycle = ChatLifecycle(self.store, self.clock, upstream, workers=options.workers, max_tool_rounds=options.max_tool_rounds,
                                           cancel_seconds=options.cancel_seconds)
        else:
            self.lifecycle = Lifecycle(self.store, self.clock, run_seconds=options.run_seconds, cancel_seconds=options.cancel_seconds,
                                       approvals=options.flavor == "azure")
        with self.store.lock:
            self.lifecycle.recover()
        self.faults = Faults(options.faults)
        self.requests = RequestLog()
        self.last_activity = time.monotonic()
        self._stopped = False

    def touch(self) -> None:
        self.last_activity = time.monotonic()

    def stop(self) -> None:
        """After the HTTP layer stopped: let runs in flight finish (chat) and close the database."""
        if self._stopped:
            return
        self._stopped = True
        drain = getattr(self.lifecycle, "drain", None)
        if drain is not None:
            drain(self.options.grace_seconds)
        self.store.close()

    def reset(self) -> None:
        with self.store.lock:
            self.store.clear()
            self.lifecycle.clear()
            self.clock.reset()
        self.faults.clear()
        self.requests.clear()

    def _check_azure_request(self, headers: Mapping[str, str], query: dict[str, list[str]]) -> None:
        versions = query.get("api-version") or [""]
        if not versions[-1]:
            raise AzureError(400, MISSING_API_VERSION, code="MissingApiVersionParameter")
        if versions[-1] not in AZURE_API_VERSIONS:
            raise AzureError(400, f"Unsupported api-version '{versions[-1]}'. The supported api-versions are '{', '.join(AZURE_API_VERSIONS)}'.",
                             code="UnsupportedApiVersionValue")
        scheme, _space, token = (headers.get("authorization") or "").strip().partition(" ")
        token = token.strip() if scheme.lower() == "bearer" else ""
        token = token or (headers.get("api-key") or "").strip()
        if not token or not self.options.accepts(token):
            raise AzureError(401, AZURE_MISSING_CREDENTIALS, code="401")

    def _check_headers(self, headers: Mapping[str, str]) -> None:
        auth = (headers.get("authorization") or "").strip()
        scheme, _space, token = auth.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise ApiError(401, MISSING_KEY)
        if not self.options.accepts(token):
            raise ApiError(401, WRONG_KEY, code="invalid_api_key")
        betas = [part.strip() for part in (headers.get("openai-beta") or "").split(",")]
        if "assistants=v2" not in betas:
            raise ApiError(400, OLD_BETA if "assistants=v1" in betas else MISSING_BETA, code="invalid_beta")

    def handle_api(self, method: str, path: str, query: dict[str, list[str]], headers: Mapping[str, str], raw: bytes) -> Reply:
        started = time.monotonic()
        try:
            if self.options.flavor == "azure":
                self._check_azure_request(headers, query)
            else:
                self._check_headers(headers)
            found = routes.resolve(method, path)
            if found is None:
                raise invalid_url(method, path)
            endpoint, params = found
            body = parse_json(raw) if method == "POST" else None
            with self.store.lock:
                now = self.lifecycle.tick()
                try:
                    result = endpoint(routes.Call(params=params, query=query, body=body, now=now, store=self.store, lifecycle=self.lifecycle))
                finally:
                    self.store.commit()  # before the answer: what a client is told happened is on disk
                if result.stream is not None:
                    reply = Reply(200, b"", content_type="text/event-stream; charset=utf-8", stream=result.stream)
                elif self.options.flavor == "azure" and result.body.get("object") == "list":
                    # Azure's lists may come without first_id and object; clients page on last_id or the data's ids.
                    reply = json_reply(200, {key: value for key, value in result.body.items() if key not in ("object", "first_id")})
                else:
                    reply = json_reply(200, result.body)  # serialised under the lock: a consistent snapshot
        except ApiError as error:
            reply = error_reply(error)
        except Exception:  # pylint: disable=broad-exception-caught
            # A bug here must still answer like the hosted API does (500, error body), not drop the connection.
            LOG.exception("unexpected error handling %s %s", method, path)
            reply = json_reply(500, error_body("The server had an error while processing your request. Sorry about that!", error_type="server_error"))
        else:
            if result.is_run and result.stream is None and self.options.poll_after_ms > 0:
                reply.headers["openai-poll-after-ms"] = str(self.options.poll_after_ms)
        reply.headers.setdefault("x-request-id", f"req_{secrets.token_hex(16)}")
        reply.headers["openai-version"] = "2020-10-01"
        reply.headers["openai-processing-ms"] = str(int((time.monotonic() - started) * 1000))
        return reply
