# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fault injection rules: make chosen /v1 requests fail the way real networks and servers do."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ACTIONS = ("status", "delay", "drop_before", "drop_after_apply", "truncate", "stall", "not_json")
BODIES = ("json", "html", "empty")
_KEYS = {"method", "path", "action", "times", "skip", "status", "body", "message", "code", "type", "retry_after", "retry_after_ms", "headers", "seconds"}

RULE_HELP = """\
A rule is a JSON object:
  {"method": "POST", "path": "/threads/[^/]+/runs$", "action": "status", "status": 429,
   "retry_after": 1, "retry_after_ms": 50, "times": 3}
  method          HTTP method to match; omitted or "*" matches any
  path            regular expression searched in the request path, with or without the
                  /v1 prefix, query string excluded; omitted matches every /v1 request
  action          status | delay | drop_before | drop_after_apply | truncate | stall | not_json
  times           how many times the rule fires (default 1; null = every time)
  skip            let this many matching requests through before firing (default 0)
  status          (action status) the HTTP status to answer, e.g. 429, 500, 502, 503
  body            (action status) "json" (OpenAI error body, default), "html", "empty"
  message, code, type  (action status) override the JSON error's fields
  retry_after     (action status) Retry-After header, in seconds
  retry_after_ms  (action status) retry-after-ms header
  headers         (action status) extra response headers, {"name": "value"}
  seconds         (action delay) how long to wait before handling the request (default 1);
                  (action stall) how long the stream stays silent before it closes
Actions:
  status            answer that status without applying the request
  delay             wait, then handle the request normally; other rules are still checked
  drop_before       close the connection without answering; the request is NOT applied
  drop_after_apply  apply the request, then close the connection without answering
  truncate          apply the request, then send only the first half of the body and close
                    (Content-Length announces the whole body); a stream closes after its first event
  stall             apply the request; a stream sends its first event, then nothing for `seconds`
                    (the run goes on), then closes: a server that sends no keep-alives; a
                    non-streamed answer is sent as usual
  not_json          apply the request, then answer its status with a body that is not JSON
"""


class FaultRuleError(ValueError):
    """A rule that cannot be used, with a message naming what is wrong."""


@dataclass
class FaultRule:
    action: str
    method: str | None = None
    path: re.Pattern[str] | None = None
    times: int | None = 1
    skip: int = 0
    status: int = 500
    body: str = "json"
    message: str | None = None
    code: str | None = None
    error_type: str | None = None
    retry_after: int | None = None
    retry_after_ms: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 1.0
    source: dict[str, Any] = field(default_factory=dict)
    seen: int = 0
    fired: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method.upper():
            return False
        if self.path is None:
            return True
        short = path[3:] if path.startswith("/v1/") else path
        return bool(self.path.search(short) or self.path.search(path))

    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times

    def describe(self) -> dict[str, Any]:
        remaining = None if self.times is None else max(0, self.times - self.fired)
        return {**self.source, "fired": self.fired, "remaining": remaining}


def _int(rule: dict[str, Any], key: str, index: int, *, minimum: int, maximum: int | None = None, nullable: bool = False) -> int | None:
    value = rule[key]
    if value is None and nullable:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum or (maximum is not None and value > maximum):
        limits = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise FaultRuleError(f"fault rule {index}: '{key}' must be a whole number {limits}{' or null' if nullable else ''}, got {json.dumps(value)}")
    return value


def parse_rule(rule: Any, index: int = 0) -> FaultRule:
    if not isinstance(rule, dict):
        raise FaultRuleError(f"fault rule {index}: expected a JSON object, got {json.dumps(rule)}")
    unknown = sorted(set(rule) - _KEYS)
    if unknown:
        raise FaultRuleError(f"fault rule {index}: unknown key(s) {', '.join(unknown)}; known keys are {', '.join(sorted(_KEYS))}")
    action = rule.get("action")
    if action not in ACTIONS:
        raise FaultRuleError(f"fault rule {index}: 'action' must be one of {', '.join(ACTIONS)}, got {json.dumps(action)}")
    parsed = FaultRule(action=action, source=dict(rule))
    method = rule.get("method")
    if method is not None:
        if not isinstance(method, str):
            raise FaultRuleError(f"fault rule {index}: 'method' must be a string such as \"POST\"")
        parsed.method = None if method == "*" else method.upper()
    if rule.get("path") is not None:
        try:
            parsed.path = re.compile(rule["path"])
        except (re.error, TypeError) as exc:
            raise FaultRuleError(f"fault rule {index}: 'path' is not a valid regular expression: {exc}") from None
    if "times" in rule:
        parsed.times = _int(rule, "times", index, minimum=1, nullable=True)
    if "skip" in rule:
        parsed.skip = _int(rule, "skip", index, minimum=0) or 0
    if action == "status":
        if "status" not in rule:
            raise FaultRuleError(f"fault rule {index}: action 'status' needs 'status', e.g. 429 or 503")
        parsed.status = _int(rule, "status", index, minimum=200, maximum=599) or 500
    if "body" in rule:
        if rule["body"] not in BODIES:
            raise FaultRuleError(f"fault rule {index}: 'body' must be one of {', '.join(BODIES)}, got {json.dumps(rule['body'])}")
        parsed.body = rule["body"]
    for key, attr in (("message", "message"), ("code", "code"), ("type", "error_type")):
        if rule.get(key) is not None:
            if not isinstance(rule[key], str):
                raise FaultRuleError(f"fault rule {index}: '{key}' must be a string")
            setattr(parsed, attr, rule[key])
    if rule.get("retry_after") is not None:
        parsed.retry_after = _int(rule, "retry_after", index, minimum=0)
    if rule.get("retry_after_ms") is not None:
        parsed.retry_after_ms = _int(rule, "retry_after_ms", index, minimum=0)
    if "headers" in rule:
        headers = rule["headers"]
        if not isinstance(headers, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items()):
            raise FaultRuleError(f"fault rule {index}: 'headers' must map header names to string values")
        parsed.headers = dict(headers)
    if "seconds" in rule:
        seconds = rule["seconds"]
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds <= 3600:
            raise FaultRuleError(f"fault rule {index}: 'seconds' must be a number between 0 and 3600, got {json.dumps(seconds)}")
        parsed.seconds = float(seconds)
    return parsed


def parse_rules(data: Any) -> list[FaultRule]:
    """Rules as a JSON list, or as {"rules": [...]}; a single rule object is accepted too."""
    if isinstance(data, dict) and "rules" in data:
        data = data["rules"]
    elif isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise FaultRuleError("fault rules must be a JSON list of rule objects (or {\"rules\": [...]})")
    return [parse_rule(rule, index) for index, rule in enumerate(data)]


def load_rules_file(path: str) -> list[FaultRule]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise FaultRuleError(f"cannot read fault rules file {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise FaultRuleError(f"fault rules file {path} is not valid JSON: {exc}") from None
    return parse_rules(data)


class Faults:
    """The rules in force; safe to change while requests are being served."""

    def __init__(self, rules: list[FaultRule] | None = None) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = list(rules or [])

    def replace(self, rules: list[FaultRule]) -> None:
        with self._lock:
            self._rules = list(rules)

    def extend(self, rules: list[FaultRule]) -> None:
        with self._lock:
            self._rules.extend(rules)

    def clear(self) -> None:
        self.replace([])

    def describe(self) -> list[dict[str, Any]]:
        with self._lock:
            return [rule.describe() for rule in self._rules]

    def take(self, method: str, path: str) -> tuple[list[FaultRule], FaultRule | None]:
        """The delay rules and the one other rule (if any) that fire for this request, counted as fired."""
        delays: list[FaultRule] = []
        with self._lock:
            for rule in self._rules:
                if rule.exhausted() or not rule.matches(method, path):
                    continue
                rule.seen += 1
                if rule.seen <= rule.skip:
                    continue
                rule.fired += 1
                if rule.action == "delay":
                    delays.append(rule)
                    continue
                return delays, rule
        return delays, None
