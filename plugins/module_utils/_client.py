# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one HTTP client of the collection: session, headers, retry on 429/5xx with backoff, safe creates, paging.

Private to llmops.assistants: not a public API, it may change in any release.
Every request goes through Client.request; every retry (of a request, and of the lookup after a create that may
have been applied) waits in Client._pause_before_retry. The event stream of a streamed create is EventStream;
the run engine reads it (_run_engine.RunEngine.wait_on_stream). Which credential is sent is decided in _auth.
"""

from __future__ import annotations

import json
import random
import re
import time
import traceback
import typing as t
from urllib.parse import quote, urlsplit

from ._auth import credential
from ._errors import ApiError, NoApiAtBase
from ._version import USER_AGENT

REQUESTS_IMPORT_ERROR: str | None
try:
    import requests
except ImportError:  # pragma: no cover - exercised by the import sanity test
    requests = None
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    REQUESTS_IMPORT_ERROR = None

DEFAULT_API_BASE = "https://api.openai.com/v1"
RETIRED_NOTE = (
    "OpenAI retired its hosted Assistants API on 2026-08-26: point api_base (or OPENAI_BASE_URL) "
    "at a server that still speaks it, such as Azure AI Foundry Agent Service (classic), a "
    "self-hosted Assistants server, or the local server in tools/assistants_server."
)
RETRY_STATUSES = frozenset({408, 409, 429})
# Statuses that prove a create was not applied, so re-sending it cannot make a second object.
NOT_APPLIED_STATUSES = frozenset({429})
# A gateway that gave up waiting: the server behind it may still apply the request, as after a read timeout.
STILL_PENDING_STATUSES = frozenset({504})
BACKOFF_INITIAL = 0.5
BACKOFF_MAX = 8.0
RETRY_AFTER_MAX = 60.0
PAGE_SIZE_MAX = 100
_ID_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,255}$")

# The last path segment of endpoints that some Assistants-compatible servers leave out, as users would name them.
OPTIONAL_ENDPOINTS = {"cancel": "cancelling runs", "steps": "listing run steps", "submit_tool_outputs": "submitting tool outputs"}
# What servers say for a path they have no route for (FastAPI/Starlette, Express, Go, the local server); any other
# 404 ("No run found with id ...", "run_1 not found") is about the object, not the endpoint.
_NO_ROUTE = re.compile(r"^(?:not found|404 page not found|invalid url \(.*\)|cannot (?:get|post|delete) \S+|http 404)\.?$", re.IGNORECASE)
HTML_PAGE_MESSAGE = "the server answered with an HTML page instead of JSON (a proxy or gateway error?)"
# What OpenSSL says when the other end answers a TLS handshake in plain text: the server does not speak TLS there.
_NOT_TLS = re.compile(r"wrong[ _]version[ _]number|record[ _]layer[ _]failure|packet[ _]length[ _]too[ _]long|unknown[ _]protocol",
                      re.IGNORECASE)


if requests is not None:
    class _CredentialAuth(requests.auth.AuthBase):
        """Set as session.auth: puts the credential in its header on each request (a token provider is asked
        each time, so a long wait gets a fresh token), and keeps requests from using ~/.netrc credentials instead."""

        def __init__(self, header: str | None, prefix: str, value: t.Callable[[], str] | None) -> None:
            self._header = header
            self._prefix = prefix
            self._value = value

        def __call__(self, request: t.Any) -> t.Any:
            if self._header and self._value is not None:
                request.headers[self._header] = f"{self._prefix}{self._value()}"
            return request


class ApiResponse(t.NamedTuple):
    data: t.Any
    headers: t.Mapping[str, str]


def path_of(*segments: str) -> str:
    """Join path segments, each URL-quoted, so that no id can change which endpoint is called."""
    parts = []
    for segment in segments:
        text = str(segment)
        if text in ("", ".", ".."):
            raise ValueError(f"invalid path segment {text!r}")
        parts.append(quote(text, safe=""))
    return "/" + "/".join(parts)


def url_userinfo(url: str | None) -> str | None:
    """The user info of a URL (user:password in http://user:password@host), a credential to keep out of any output."""
    netloc = urlsplit(url or "").netloc
    return netloc.rpartition("@")[0] or None


def is_valid_id(value: str) -> bool:
    """Ids are opaque, but never contain characters that would change a URL path or query."""
    return bool(_ID_SEGMENT.fullmatch(value))


def _header(headers: t.Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    return value.strip() if isinstance(value, str) else None


def retry_after_seconds(headers: t.Mapping[str, str]) -> float | None:
    """Seconds the server asked us to wait (retry-after-ms, then Retry-After), when sensible."""
    candidates = []
    millis = _header(headers, "retry-after-ms")
    if millis:
        try:
            candidates.append(float(millis) / 1000.0)
        except ValueError:
            pass
    seconds = _header(headers, "retry-after")
    if seconds and not candidates:
        try:
            candidates.append(float(seconds))
        except ValueError:
            from email.utils import parsedate_to_datetime  # pylint: disable=import-outside-toplevel

            try:
                candidates.append(parsedate_to_datetime(seconds).timestamp() - time.time())
            except (TypeError, ValueError):
                pass
    for delay in candidates:
        if 0 <= delay <= RETRY_AFTER_MAX:
            return delay
    return None


def backoff_seconds(attempt: int, rand: t.Callable[[], float] = random.random) -> float:
    """Exponential backoff with up to 25% jitter taken off, as the official SDK does."""
    delay = min(BACKOFF_INITIAL * (2 ** attempt), BACKOFF_MAX)
    return delay * (1 - 0.25 * rand())


def _never_sent(exc: Exception) -> bool:
    """True when a connection failure happened before the request could reach the server."""
    if requests is not None and isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    text = repr(exc)
    return any(marker in text for marker in ("NewConnectionError", "NameResolutionError", "ConnectTimeoutError"))


def _is_no_route(message: str) -> bool:
    """Whether a 404's message is the one a server gives for a path it has no route for (not a missing object)."""
    return bool(_NO_ROUTE.match(message.strip())) or message == HTML_PAGE_MESSAGE


def _missing_capability(path: str, status: int, message: str) -> str | None:
    """What a 404/405 on an optional endpoint says the server lacks; None for any other failure."""
    if status == 405 or (status == 404 and _is_no_route(message)):
        return OPTIONAL_ENDPOINTS.get(path.rsplit("/", 1)[-1])
    return None


def _error_fields(response: t.Any) -> dict[str, t.Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return body["error"]
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return {"message": body["error"]}
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return body
    if isinstance(body, dict) and isinstance(body.get("detail"), str):
        # FastAPI's own errors, e.g. {"detail": "Not Found"} for a route a self-hosted server lacks.
        return {"message": body["detail"]}
    text = (response.text or "").strip()
    if "<html" in text[:200].lower():
        text = HTML_PAGE_MESSAGE
    return {"message": text[:300] or (response.reason or "no error body")}


class EventStream:
    """The server-sent events of one streamed response: iterate for (event, data) pairs.

    data is the decoded JSON of the event, or its text when it is not JSON. A connection that breaks
    while reading raises ApiError (transient), so the caller can fall back to polling.
    """

    def __init__(self, response: t.Any, method: str, path: str, scrub: t.Callable[[str], str]) -> None:
        self._response = response
        self._method = method
        self._path = path
        self._scrub = scrub
        self._deadline: float | None = None
        self._clock: t.Callable[[], float] = time.monotonic

    def until(self, deadline: float, clock: t.Callable[[], float] = time.monotonic) -> EventStream:
        """Bound every read by the time left before `deadline` (on `clock`), and end the stream there.

        A server may send nothing for minutes while a run works, so the request's read timeout is not enough:
        the socket's timeout is set to the time left before each read (a silent stream then breaks, as a
        reset would), and no line is read once the deadline has passed.
        """
        self._deadline, self._clock = deadline, clock
        return self

    def _bound_next_read(self) -> bool:
        """Set the socket timeout to the time left; False once the deadline has passed."""
        if self._deadline is None:
            return True
        left = self._deadline - self._clock()
        if left <= 0:
            return False
        sock = getattr(getattr(getattr(self._response, "raw", None), "connection", None), "sock", None)
        if sock is not None:
            timeout = sock.gettimeout()
            sock.settimeout(left if timeout is None else min(left, timeout))
        return True

    def __iter__(self) -> t.Iterator[tuple[str, t.Any]]:
        event, data = "message", []
        # Event streams are UTF-8 by definition; requests would guess ISO-8859-1 for text/* without a charset.
        self._response.encoding = "utf-8"
        try:
            if not self._bound_next_read():
                return
            for line in self._response.iter_lines(decode_unicode=True):
                if not self._bound_next_read():
                    return
                if line:
                    field, _sep, value = line.partition(":")
                    value = value[1:] if value.startswith(" ") else value
                    if field == "event":
                        event = value
                    elif field == "data":
                        data.append(value)
                    continue
                if data:
                    text = "\n".join(data)
                    if text == "[DONE]":
                        return
                    try:
                        yield event, json.loads(text)
                    except ValueError:
                        yield event, text
                event, data = "message", []
        except (requests.exceptions.RequestException, OSError) as exc:
            raise ApiError(
                f"the event stream broke: {self._scrub(str(exc))}",
                method=self._method, path=self._path, transient=True, maybe_applied=True,
            ) from None
        finally:
            self.close()

    def close(self) -> None:
        self._response.close()


class Client:
    """A session against one Assistants-compatible server."""

    def __init__(
        self,
        *,
        api_key: str | None,
        api_base: str = DEFAULT_API_BASE,
        organization: str | None = None,
        project: str | None = None,
        request_timeout: float = 60.0,
        max_retries: int = 3,
        validate_certs: bool = True,
        ca_path: str | None = None,
        api_version: str | None = None,
        auth_type: str = "bearer",
        azure_ad_token: str | None = None,
        token_provider: t.Callable[[], str] | None = None,
        send_beta_header: bool = True,
        session: t.Any = None,
        sleep: t.Callable[[float], None] = time.sleep,
        clock: t.Callable[[], float] = time.monotonic,
        on_retry: t.Callable[[str], None] | None = None,
    ) -> None:
        if requests is None:
            raise RuntimeError("the requests Python library is required")
        self.api_base = api_base.rstrip("/")
        self.request_timeout = request_timeout
        self.max_retries = max_retries
        self.verify: bool | str = ca_path if (validate_certs and ca_path) else validate_certs
        # Sent as the api-version query parameter of every request (Azure requires it), pager calls included.
        self.api_version = api_version or None
        api_key = api_key.strip() if api_key else api_key
        azure_ad_token = azure_ad_token.strip() if azure_ad_token else azure_ad_token
        self._secrets = {secret for secret in (api_key, azure_ad_token, url_userinfo(self.api_base)) if secret}
        # What messages show of api_base: without its user info.
        self.shown_base = self.scrub(self.api_base)
        self._sleep = sleep
        self._clock = clock
        self._on_retry = on_retry
        self.session = session if session is not None else requests.Session()
        self.session.headers.update(self._headers(organization, project, send_beta_header))
        self.session.auth = self._credential_auth(credential(auth_type, api_key, azure_ad_token, token_provider))

    def _credential_auth(self, sent: t.Any) -> t.Any:
        if sent.secret:
            return _CredentialAuth(sent.header, sent.prefix, lambda: sent.secret)
        if sent.provider is not None:
            return _CredentialAuth(sent.header, sent.prefix, lambda: self._remember_secret(sent.provider()))
        return _CredentialAuth(None, "", None)

    def _remember_secret(self, secret: str) -> str:
        self._secrets.add(secret)
        return secret

    @staticmethod
    def _headers(organization: str | None, project: str | None, send_beta_header: bool = True) -> dict[str, str]:
        headers = {
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
        }
        if send_beta_header:
            headers["OpenAI-Beta"] = "assistants=v2"
        if organization:
            headers["OpenAI-Organization"] = organization
        if project:
            headers["OpenAI-Project"] = project
        return headers

    def scrub(self, text: str) -> str:
        """Belt and braces: a server that echoes the key (or a token) must not make us print it."""
        for secret in self._secrets:
            text = text.replace(secret, "********")
        return text

    def _is_openai(self) -> bool:
        return (urlsplit(self.api_base).hostname or "").lower() == "api.openai.com"

    # The public verbs. Segments are path parts under api_base, each quoted by path_of().
    def get(self, *segments: str, params: dict[str, t.Any] | None = None, deadline: float | None = None) -> ApiResponse:
        return self.request("GET", segments, params=params, deadline=deadline)

    def post(self, *segments: str, body: dict[str, t.Any] | None = None, deadline: float | None = None) -> ApiResponse:
        """A POST that is safe to send twice (modify, cancel, submit_tool_outputs)."""
        return self.request("POST", segments, body=body or {}, deadline=deadline)

    def delete(self, *segments: str, deadline: float | None = None) -> ApiResponse:
        return self.request("DELETE", segments, deadline=deadline)

    def create(
        self,
        *segments: str,
        body: dict[str, t.Any],
        find_existing: t.Callable[[], t.Any] | None = None,
        deadline: float | None = None,
        stream: bool = False,
    ) -> ApiResponse:
        """A POST that creates something, and so must never make two.

        When a failure leaves it unknown whether the server applied the create, `find_existing`
        is asked; what it finds is the result. Without it, such a failure is final.
        With `stream`, a server that answers with server-sent events gives an EventStream as the data.
        """
        return self.request(
            "POST", segments, body=body, creates=True, find_existing=find_existing, deadline=deadline, stream=stream
        )

    def request(
        self,
        method: str,
        segments: t.Sequence[str],
        *,
        params: dict[str, t.Any] | None = None,
        body: dict[str, t.Any] | None = None,
        creates: bool = False,
        find_existing: t.Callable[[], t.Any] | None = None,
        deadline: float | None = None,
        stream: bool = False,
    ) -> ApiResponse:
        path = path_of(*segments)
        url = self.api_base + path
        query = {key: value for key, value in (params or {}).items() if value is not None}
        if self.api_version:
            query["api-version"] = self.api_version
        attempt = 0
        while True:
            outcome = self._send_once(method, path, url, query, body, stream)
            if isinstance(outcome, ApiResponse):
                return outcome
            error = outcome
            if creates and error.maybe_applied:
                if find_existing is None:
                    error.message = (
                        f"{error.message}. The server may have applied this create before failing and it cannot be "
                        "looked up, so it was not sent again"
                    )
                    raise error
                found = self._find_after_failure(find_existing, deadline)
                if found is not None:
                    return ApiResponse(found, {})
                if error.still_pending:
                    # Not found yet proves nothing while the server may still be applying it: a resend could make two.
                    error.message = (
                        f"{error.message}. It was not found afterwards, but the server may still apply it, so it was not "
                        "sent again (that could make two). Raise request_timeout, or run the task again once the server "
                        "has caught up: a create that was applied is then found"
                    )
                    raise error
            self._pause_before_retry(error, attempt, deadline, f"{method} {path}")
            attempt += 1

    def _find_after_failure(self, find_existing: t.Callable[[], t.Any], deadline: float | None) -> t.Any:
        attempt = 0
        while True:
            try:
                return find_existing()
            except ApiError as exc:
                self._pause_before_retry(exc, attempt, deadline)
            attempt += 1

    def _pause_before_retry(self, error: ApiError, attempt: int, deadline: float | None, request: str | None = None) -> None:
        """The one retry rule: wait before another try of a transient failure, or raise the error when it is final.

        Final: not transient, max_retries used up, or the wait (Retry-After, else backoff) would pass the deadline.
        With `request` (the request's method and path), the message says why it gave up and each retry is logged.
        """
        if not error.transient or attempt >= self.max_retries:
            if request and attempt:
                error.message = f"{error.message} (gave up after {attempt + 1} attempts; max_retries is {self.max_retries})"
            raise error
        delay = error.retry_after if error.retry_after is not None else backoff_seconds(attempt)
        if deadline is not None and self._clock() + delay > deadline:
            if request:
                error.message = f"{error.message} (no time left before the deadline to retry)"
            raise error
        if request and self._on_retry:
            self._on_retry(f"{request}: {error.message}; retrying in {delay:.1f}s")
        self._sleep(delay)

    def _send_once(
        self, method: str, path: str, url: str, query: dict[str, t.Any], body: t.Any, stream: bool = False
    ) -> ApiResponse | ApiError:
        try:
            response = self.session.request(
                method, url, params=query or None, json=body, timeout=self.request_timeout, verify=self.verify,
                allow_redirects=False, stream=stream, headers={"Accept": "text/event-stream"} if stream else None,
            )
        except requests.exceptions.SSLError as exc:
            if _NOT_TLS.search(str(exc)):
                return ApiError(
                    f"the server at {self.shown_base} does not speak TLS there: it answered the https:// handshake in "
                    f"plain HTTP ({self.scrub(str(exc))}). Use http:// in api_base for a plain-HTTP server, or the "
                    "address where it serves HTTPS",
                    method=method, path=path,
                )
            return ApiError(
                f"TLS verification failed for {self.shown_base}: {self.scrub(str(exc))}. Set validate_certs to false "
                "or give a CA bundle with ca_path (or REQUESTS_CA_BUNDLE)",
                method=method, path=path,
            )
        except (
            requests.exceptions.ConnectionError, requests.exceptions.Timeout,
            # The answer broke off (or could not be decoded) after the server had begun to send it.
            requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError,
        ) as exc:
            never_sent = _never_sent(exc)
            if isinstance(exc, requests.exceptions.Timeout):
                kind = "timed out"
            elif isinstance(exc, requests.exceptions.ConnectionError):
                kind = "connection failed"
            else:
                kind = "answer broke off"
            return ApiError(
                f"request {kind} talking to {self.shown_base}: {self.scrub(str(exc))}",
                method=method, path=path, transient=True, maybe_applied=not never_sent,
                still_pending=isinstance(exc, requests.exceptions.ReadTimeout),
            )
        except requests.exceptions.RequestException as exc:
            return ApiError(f"request failed: {self.scrub(str(exc))}", method=method, path=path)
        except ApiError as exc:
            # The token provider failed, so nothing was sent: say which request needed the token.
            exc.method, exc.path = method, path
            exc.message = self.scrub(exc.message)
            return exc
        if 200 <= response.status_code < 300:
            if stream and response.headers.get("content-type", "").startswith("text/event-stream"):
                return ApiResponse(EventStream(response, method, path, self.scrub), response.headers)
            if not response.content and method == "DELETE":
                return ApiResponse({}, response.headers)
            try:
                return ApiResponse(response.json(), response.headers)
            except ValueError:
                return ApiError(
                    f"the server answered HTTP {response.status_code} with a body that is not JSON",
                    method=method, path=path, status=response.status_code, transient=True, maybe_applied=True,
                )
        return self._failure_from(response, method, path)

    def _failure_from(self, response: t.Any, method: str, path: str) -> ApiError:
        status = response.status_code
        fields = _error_fields(response)
        if 300 <= status < 400:
            fields = {"message": f"the server redirected to {response.headers.get('Location')!r}; set api_base to the address it answers on"}
        message = self.scrub(str(fields.get("message") or f"HTTP {status}"))
        capability = _missing_capability(path, status, message)
        if capability:
            message = f"the server does not support {capability} (it answered: {message})"
        elif status == 404 and _is_no_route(message):
            error = ApiError(message, method=method, path=path, status=status, error_type=fields.get("type"), code=fields.get("code"))
            raise NoApiAtBase(self._no_api_message(error), error)
        if status == 404 and self._is_openai():
            message = f"{message}. {RETIRED_NOTE}"
        should_retry = _header(response.headers, "x-should-retry")
        if should_retry in ("true", "false"):
            transient = should_retry == "true"
        else:
            transient = status in RETRY_STATUSES or status >= 500
        return ApiError(
            message, method=method, path=path, status=status,
            error_type=fields.get("type"), code=fields.get("code"), param=fields.get("param"),
            transient=transient, maybe_applied=transient and status not in NOT_APPLIED_STATUSES,
            still_pending=status in STILL_PENDING_STATUSES,
            retry_after=retry_after_seconds(response.headers),
        )

    def _no_api_message(self, error: ApiError) -> str:
        """What a 404 for the route (not for an object) says: api_base is not where the Assistants API is."""
        said = f"{error.method} {error.path} answered HTTP 404: {error.message}"
        if self._is_openai():
            hint = RETIRED_NOTE
        elif urlsplit(self.api_base).path.rstrip("/").endswith("/v1"):
            hint = "Check that api_base is the address of an Assistants-compatible server (on most, a path that ends in /v1)."
        else:
            hint = f"The Assistants API is under /v1 on most servers: try api_base {self.shown_base}/v1."
        return f"api_base {self.shown_base} has no Assistants API at that path ({said}). {hint}"

    def pages(
        self,
        *segments: str,
        params: dict[str, t.Any] | None = None,
        limit: int = PAGE_SIZE_MAX,
        order: str | None = None,
        after: str | None = None,
        before: str | None = None,
    ) -> t.Iterator[dict[str, t.Any]]:
        """Every page of a list, following the cursor in the direction asked for.

        Paging with `before` walks backwards, so the next cursor is the page's first id; servers
        that omit first_id/last_id (Azure) are paged on the ids of the data itself.
        """
        backwards = before is not None and after is None
        cursor = before if backwards else after
        while True:
            query = dict(params or {}, limit=min(limit, PAGE_SIZE_MAX), order=order)
            query["before" if backwards else "after"] = cursor
            page = self.get(*segments, params=query).data
            if not isinstance(page, dict) or not isinstance(page.get("data"), list):
                raise ApiError(
                    "the server answered a list request with something that is not a list",
                    method="GET", path=path_of(*segments),
                )
            yield page
            data = page["data"]
            if not page.get("has_more") or not data:
                return
            if backwards:
                next_cursor = page.get("first_id") or data[0].get("id")
            else:
                next_cursor = page.get("last_id") or data[-1].get("id")
            if not next_cursor or next_cursor == cursor:
                raise ApiError(
                    "the server said a list has more items but gave no new cursor to continue from",
                    method="GET", path=path_of(*segments),
                )
            cursor = next_cursor

    def items(self, *segments: str, **kwargs: t.Any) -> t.Iterator[dict[str, t.Any]]:
        for page in self.pages(*segments, **kwargs):
            yield from page["data"]
