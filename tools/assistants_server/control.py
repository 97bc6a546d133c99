# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The test control API under /__control: fault rules, request log, reset, clock, run timings."""

from __future__ import annotations

import json
import math
from typing import Any, Callable

from assistants_server.app import App, Reply, json_reply
from assistants_server.errors import error_body
from assistants_server.faults import FaultRuleError, parse_rules

CONTROL_PREFIX = "/__control"

CONTROL_HELP = """\
Control API (no Authorization needed; answers loopback clients only unless --allow-remote-control):
  GET    /__control/health     {"status": "ok"}
  GET    /__control/faults     {"rules": [...]}: the rules in force, each with "fired" and "remaining"
  PUT    /__control/faults     replace the rules: a JSON list of rules (or {"rules": [...]})
  POST   /__control/faults     add rules after the ones in force
  DELETE /__control/faults     remove all rules
  GET    /__control/requests   {"requests": [...]}: the /v1 requests received, oldest first, each with
                               seq, time, method, path, query, body (a summary), headers (a few, never
                               Authorization), status (null if none was sent) and fault (action or null)
  DELETE /__control/requests   empty that log
  POST   /__control/reset      empty the store and the log, remove all rules, reset the clock
  GET    /__control/clock      {"now": <server time>, "offset": <seconds added>}
  POST   /__control/clock      {"advance_seconds": N}: move the server clock forward (e.g. past expires_at)
  GET    /__control/timings    {"runs": [...]}: every run, oldest first: id, thread_id, status (null until it
                               ends), created and ended (float server seconds; ended null until it ends)
"""


def _error(status: int, message: str) -> Reply:
    return json_reply(status, error_body(message))


def _health(_app: App, _body: Any) -> Reply:
    return json_reply(200, {"status": "ok"})


def _get_faults(app: App, _body: Any) -> Reply:
    return json_reply(200, {"rules": app.faults.describe()})


def _put_faults(app: App, body: Any) -> Reply:
    app.faults.replace(parse_rules(body if body is not None else []))
    return _get_faults(app, None)


def _post_faults(app: App, body: Any) -> Reply:
    app.faults.extend(parse_rules(body if body is not None else []))
    return _get_faults(app, None)


def _delete_faults(app: App, _body: Any) -> Reply:
    app.faults.clear()
    return _get_faults(app, None)


def _get_requests(app: App, _body: Any) -> Reply:
    return json_reply(200, {"requests": app.requests.entries()})


def _delete_requests(app: App, _body: Any) -> Reply:
    app.requests.clear()
    return _get_requests(app, None)


def _reset(app: App, _body: Any) -> Reply:
    app.reset()
    return json_reply(200, {"reset": True})


def _get_clock(app: App, _body: Any) -> Reply:
    return json_reply(200, {"now": app.clock.now(), "offset": app.clock.offset})


def _advance_clock(app: App, body: Any) -> Reply:
    seconds = body.get("advance_seconds") if isinstance(body, dict) else None
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not math.isfinite(seconds) or seconds < 0:
        return _error(400, "POST /__control/clock needs {\"advance_seconds\": N} with N a number >= 0")
    with app.store.lock:
        app.clock.advance(float(seconds))
    return _get_clock(app, None)


def _get_timings(app: App, _body: Any) -> Reply:
    with app.store.lock:
        app.lifecycle.tick()  # a run whose end is due has ended, as any /v1 request would see
        runs = [dict(timing) for timing in app.lifecycle.timings.values()]
    return json_reply(200, {"runs": runs})


ENDPOINTS: dict[tuple[str, str], Callable[[App, Any], Reply]] = {
    ("GET", "health"): _health,
    ("GET", "faults"): _get_faults,
    ("PUT", "faults"): _put_faults,
    ("POST", "faults"): _post_faults,
    ("DELETE", "faults"): _delete_faults,
    ("GET", "requests"): _get_requests,
    ("DELETE", "requests"): _delete_requests,
    ("POST", "reset"): _reset,
    ("GET", "clock"): _get_clock,
    ("POST", "clock"): _advance_clock,
    ("GET", "timings"): _get_timings,
}


def handle(app: App, method: str, path: str, raw: bytes) -> Reply:
    endpoint = ENDPOINTS.get((method, path[len(CONTROL_PREFIX):].strip("/")))
    if endpoint is None:
        return _error(404, f"Unknown control endpoint ({method} {path}).\n{CONTROL_HELP}")
    try:
        body = json.loads(raw.decode("utf-8")) if raw.strip() else None
    except (UnicodeDecodeError, ValueError) as exc:
        return _error(400, f"control request body is not valid JSON: {exc}")
    try:
        return endpoint(app, body)
    except FaultRuleError as exc:
        return _error(400, str(exc))
