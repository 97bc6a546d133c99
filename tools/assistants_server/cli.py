# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Command line: python3 tools/assistants_server --host 127.0.0.1 --port 0"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import signal
import ssl
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from assistants_server.app import AZURE_API_VERSIONS, BACKENDS, FLAVORS, Options
from assistants_server.control import CONTROL_HELP
from assistants_server.faults import RULE_HELP, FaultRuleError, load_rules_file
from assistants_server.lifecycle import MAX_SIM_STEPS, RUN_LIFETIME_SECONDS
from assistants_server.server import build_server, format_base, tls_context, watch_idle
from assistants_server.store import SYNCHRONOUS, StoreError
from assistants_server.upstream import KEEP_ALIVE, UPSTREAM_FLAVORS, Upstream

UPSTREAM_KEY_ENV = "ASSISTANTS_UPSTREAM_API_KEY"
DESCRIPTION = """\
A local server that speaks the OpenAI Assistants API v2 (/v1/assistants, /v1/threads, messages,
runs, run steps), for tests, demos and users without a hosted backend. Requests need
'Authorization: Bearer <key>' and 'OpenAI-Beta: assistants=v2', exactly as the hosted API did.
The first line printed is 'listening on http://HOST:PORT/v1'. SIGTERM or SIGINT stop it (exit 0).
With --flavor azure it answers like Azure AI Foundry Agent Service (classic) instead (see below).
"""

EPILOG = f"""\
With --backend chat the server is a bridge: each run is answered by the OpenAI-compatible Chat Completions
API at --upstream (OpenAI, Azure OpenAI, Ollama, vLLM, LM Studio, llama.cpp's server, LiteLLM), its key read
from ${UPSTREAM_KEY_ENV} or --upstream-key-file. Function tools round-trip through requires_action;
code_interpreter and file_search are refused at create; streams carry a message delta per upstream chunk.
With --db, a run cut off by a crash is failed on the next start. See tools/assistants_server/README.md,
"Running on a real model". What follows describes --backend simulated, the default:

How runs behave:
  A run is queued, then in_progress, then ends after its duration (--run-seconds, 20% of it
  queued). The assistant's answer is a message "Echo: <last user message>", followed by one line
  "<function> returned: <output>" per submitted tool output. Token usage is deterministic
  (about one token per four characters). A run whose tools (the run's, else the assistant's)
  include a function, with tool_choice not "none", stops at requires_action with one call to the
  named function (tool_choice) or the first one; submitting its output queues it again and it
  completes. Left in requires_action it expires {RUN_LIFETIME_SECONDS} s after creation (expires_at).
  A cancelled run is cancelling for --cancel-seconds, then cancelled.
  "stream": true (create run, create thread and run, submit tool outputs) answers server-sent
  events (thread.run.created ... thread.run.completed or thread.run.requires_action), then
  "event: done" / "data: [DONE]".

Test controls, set in the run's metadata (string values; the thread's metadata is not read):
  sim_seconds   how long the run takes, e.g. "0" or "2.5" (default: --run-seconds)
  sim_outcome   completed | failed | expired | incomplete | requires_action
                failed: last_error {{"code": "server_error", ...}} and failed_at;
                expired: status expired, last_error null; incomplete: incomplete_details
                {{"reason": "max_completion_tokens"}} and an incomplete answer message;
                requires_action: needs a function tool the run may call;
                requires_approval (--flavor azure only): stops at requires_action with a
                submit_tool_approval required action for one MCP tool call (search_docs)
  sim_steps     N (1..{MAX_SIM_STEPS}): a completed run has N steps (N-1 code_interpreter
                tool_calls steps, then the message_creation step), e.g. to test step paging
  sim_tool_rounds N (1..{MAX_SIM_STEPS}): a run that asks for tool outputs asks N times (a new
                call each time) before it answers
  sim_answer    TEXT: the answer is exactly TEXT (whatever the response_format)

--flavor azure (Azure AI Foundry Agent Service, classic), unlike the default openai:
  Every /v1 request needs ?api-version={AZURE_API_VERSIONS[0]} or {AZURE_API_VERSIONS[1]}: without
  it 400 {{"error": {{"code": "MissingApiVersionParameter", ...}}}}, another value 400
  UnsupportedApiVersionValue. Credentials come as 'Authorization: Bearer <token>' or 'api-key: <key>'
  (--api-key checks either); the OpenAI-Beta header is ignored. Lists have no first_id and no
  object (data, last_id, has_more only). A run stopped at submit_tool_approval is answered on
  POST .../submit_tool_outputs with {{"tool_approvals": [{{"tool_call_id": "call_...",
  "approve": true}}]}}; it then completes, its answer ending "search_docs was approved" (or denied).

{CONTROL_HELP}
Fault rules (PUT/POST /__control/faults, or --faults FILE holding the same JSON):
{RULE_HELP}"""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python3 tools/assistants_server", description=DESCRIPTION, epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                # no abbreviations: "--upstream-key sk-..." must be refused, not taken for --upstream-key-file
                                allow_abbrev=False)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port to listen on; 0 picks a free port (default: 8000)")
    p.add_argument("--run-seconds", type=float, default=0.5, metavar="SECONDS",
                   help="how long a run takes unless its metadata sets sim_seconds (default: 0.5)")
    p.add_argument("--cancel-seconds", type=float, default=0.1, metavar="SECONDS",
                   help="how long a cancelled run stays cancelling (default: 0.1)")
    p.add_argument("--api-key", metavar="KEY",
                   help="accept only this bearer token (default: any non-empty one)")
    p.add_argument("--poll-after-ms", type=int, default=250, metavar="N",
                   help="value of the openai-poll-after-ms header on run responses; 0 sends none (default: 250)")
    p.add_argument("--idle-timeout", type=float, default=0.0, metavar="SECONDS",
                   help="exit by itself when no request arrived for this long; 0 = never (default: 0)")
    p.add_argument("--pid-file", metavar="PATH", help="write the process id here on start; removed on exit")
    p.add_argument("--faults", metavar="FILE", help="fault rules to start with (JSON; format below)")
    p.add_argument("--allow-remote-control", action="store_true",
                   help="let non-loopback clients use /__control (default: loopback only)")
    p.add_argument("--log-requests", action="store_true", help="log each request to stderr")
    p.add_argument("--tls-cert", metavar="FILE",
                   help="serve HTTPS with this PEM certificate (chain); the listening line then says https://")
    p.add_argument("--tls-key", metavar="FILE", help="the PEM private key of --tls-cert (default: read from --tls-cert)")
    p.add_argument("--flavor", choices=FLAVORS, default="openai",
                   help="answer like OpenAI's retired hosted API, or like Azure AI Foundry Agent Service (classic) (default: openai)")
    p.add_argument("--api-keys-file", metavar="PATH",
                   help="accept any of the keys in this file (one a line; blank lines and lines starting with # are ignored)")
    p.add_argument("--db", metavar="PATH", help="keep everything in this SQLite database (created if missing); default: memory only")
    p.add_argument("--db-synchronous", choices=SYNCHRONOUS, default="full",
                   help="full: every acknowledged change is fsynced first and survives a power cut; normal: it survives a killed "
                        "process and a restart, not a power cut, and writes are about twice as fast (default: full)")
    p.add_argument("--workers", type=int, default=4, metavar="N", help="runs of different threads answered at once (--backend chat; default: 4)")
    p.add_argument("--max-connections", type=int, default=128, metavar="N",
                   help="connections served at once; one more is answered 503 (default: 128)")
    p.add_argument("--client-timeout", type=float, default=60.0, metavar="SECONDS",
                   help="drop a client that sends or reads nothing for this long (default: 60)")
    p.add_argument("--grace-seconds", type=float, default=10.0, metavar="SECONDS",
                   help="on SIGTERM, how long runs in flight may take to finish before they are failed (default: 10)")
    p.add_argument("--enable-control", action="store_true",
                   help="serve /__control with --backend chat too (always loopback-only unless --allow-remote-control)")
    bridge = p.add_argument_group("running on a real model (--backend chat)")
    bridge.add_argument("--backend", choices=BACKENDS, default="simulated",
                        help="simulated: deterministic clock-driven answers (default); chat: an OpenAI-compatible Chat Completions API answers")
    bridge.add_argument("--upstream", metavar="URL", help="base URL of the OpenAI-compatible API, e.g. http://127.0.0.1:11434/v1 (needed with --backend chat)")
    bridge.add_argument("--upstream-key-file", metavar="PATH",
                        help=f"read the upstream's API key from this file (default: the environment variable {UPSTREAM_KEY_ENV}; none if unset)")
    bridge.add_argument("--upstream-flavor", choices=UPSTREAM_FLAVORS, default="auto",
                        help="azure sends the key as 'api-key' (Azure OpenAI); auto picks azure for *.openai.azure.com and similar hosts (default: auto)")
    bridge.add_argument("--model-map", action="append", default=[], metavar="FROM=TO",
                        help="send model TO upstream when a run asks for FROM (repeatable)")
    bridge.add_argument("--default-model", metavar="NAME", help="send this model upstream for any model not in --model-map (default: the run's own)")
    bridge.add_argument("--upstream-timeout", type=float, default=120.0, metavar="SECONDS",
                        help="give up on an upstream that connects or sends nothing for this long (then retried) (default: 120)")
    bridge.add_argument("--upstream-retries", type=int, default=2, metavar="N",
                        help="retries of an upstream call after 429, 5xx, a timeout or a dropped connection, with backoff honouring Retry-After (default: 2)")
    bridge.add_argument("--upstream-max-tokens-field", choices=("max_completion_tokens", "max_tokens"), default="max_completion_tokens",
                        help="the request field that carries a run's max_completion_tokens (older servers know only max_tokens)")
    bridge.add_argument("--upstream-keep-alive", choices=KEEP_ALIVE, default="auto",
                        help="keep up to 16 upstream connections open between calls; auto: for https:// upstreams only (default: auto)")
    bridge.add_argument("--max-tool-rounds", type=int, default=8, metavar="N",
                        help="tool-call rounds one run may take before it fails (default: 8)")
    return p


def _read_keys(path: str) -> list[str]:
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _bridge_options(p: argparse.ArgumentParser, args: argparse.Namespace) -> dict[str, Any]:
    """The --backend chat settings, checked; the upstream key is read here and only kept in memory."""
    if args.backend != "chat":
        for name in ("upstream", "upstream_key_file", "default_model"):
            if getattr(args, name):
                p.error(f"--{name.replace('_', '-')} needs --backend chat")
        return {}
    if not args.upstream:
        p.error("--backend chat needs --upstream URL (the base URL of an OpenAI-compatible API, e.g. http://127.0.0.1:11434/v1)")
    if args.flavor != "openai":
        p.error("--backend chat answers like OpenAI's API: --flavor must be openai")
    model_map = {}
    for item in args.model_map:
        source, sep, target = item.partition("=")
        if not sep or not source.strip() or not target.strip():
            p.error(f"--model-map must be FROM=TO, got {item!r}")
        model_map[source.strip()] = target.strip()
    key = os.environ.get(UPSTREAM_KEY_ENV) or None
    if args.upstream_key_file:
        try:
            keys = _read_keys(args.upstream_key_file)
        except (OSError, UnicodeDecodeError) as exc:
            p.error(f"cannot read --upstream-key-file: {getattr(exc, 'strerror', None) or exc}")
        if len(keys) != 1:
            p.error(f"--upstream-key-file must hold exactly one key (one line), found {len(keys)}")
        key = keys[0]
    for name in ("upstream_timeout",):
        if getattr(args, name) <= 0:
            p.error(f"--{name.replace('_', '-')} must be > 0")
    for name in ("upstream_retries",):
        if getattr(args, name) < 0:
            p.error(f"--{name.replace('_', '-')} must be >= 0")
    if args.max_tool_rounds < 1:
        p.error("--max-tool-rounds must be >= 1")
    try:
        Upstream(args.upstream, None)
    except ValueError as exc:
        p.error(str(exc))
    return {"upstream": args.upstream, "upstream_key": key, "upstream_timeout": args.upstream_timeout, "upstream_retries": args.upstream_retries,
            "upstream_flavor": args.upstream_flavor, "model_map": model_map, "default_model": args.default_model,
            "max_tokens_field": args.upstream_max_tokens_field, "max_tool_rounds": args.max_tool_rounds,
            "upstream_keep_alive": args.upstream_keep_alive}


def main(argv: list[str] | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    for name in ("run_seconds", "cancel_seconds", "idle_timeout"):
        if getattr(args, name) < 0:
            p.error(f"--{name.replace('_', '-')} must be >= 0")
    if args.poll_after_ms < 0:
        p.error("--poll-after-ms must be >= 0")
    if args.api_key is not None and not args.api_key.strip():
        p.error("--api-key must not be empty")
    for name in ("workers", "max_connections"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be >= 1")
    for name in ("client_timeout", "grace_seconds"):
        if getattr(args, name) < 0:
            p.error(f"--{name.replace('_', '-')} must be >= 0")
    api_keys: list[str] = []
    if args.api_keys_file:
        try:
            api_keys = _read_keys(args.api_keys_file)
        except (OSError, UnicodeDecodeError) as exc:
            p.error(f"cannot read --api-keys-file: {getattr(exc, 'strerror', None) or exc}")
        if not api_keys:
            p.error("--api-keys-file holds no key")
    if not _is_loopback(args.host) and args.api_key is None and not api_keys:
        p.error(f"--host {args.host} is not a loopback address: clients from elsewhere could use the server, so it needs --api-key or --api-keys-file")
    bridge = _bridge_options(p, args)
    logging.basicConfig(level=logging.DEBUG if args.log_requests else logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        rules = load_rules_file(args.faults) if args.faults else []
    except FaultRuleError as exc:
        p.error(str(exc))
    if args.tls_key and not args.tls_cert:
        p.error("--tls-key needs --tls-cert")
    try:
        tls = tls_context(args.tls_cert, args.tls_key) if args.tls_cert else None
    except (OSError, ssl.SSLError) as exc:
        p.error(f"cannot load --tls-cert/--tls-key: {exc.strerror or exc}")
    options = Options(run_seconds=args.run_seconds, cancel_seconds=args.cancel_seconds, api_key=args.api_key, poll_after_ms=args.poll_after_ms,
                      idle_timeout=args.idle_timeout, allow_remote_control=args.allow_remote_control, faults=rules, flavor=args.flavor,
                      api_keys=api_keys, backend=args.backend, db=args.db, db_synchronous=args.db_synchronous, workers=args.workers,
                      max_connections=args.max_connections,
                      client_timeout=args.client_timeout, grace_seconds=args.grace_seconds, control=True if args.enable_control else None, **bridge)
    try:
        httpd = build_server(args.host, args.port, options, tls)
    except OSError as exc:
        p.exit(1, f"error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}\n")
    except StoreError as exc:
        p.exit(1, f"error: {exc}\n")

    def stop(_signum: int, _frame: FrameType | None) -> None:
        # shutdown() waits for serve_forever, which runs in this (the main) thread: call it from another.
        threading.Thread(target=httpd.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    pid_file = Path(args.pid_file) if args.pid_file else None
    if pid_file is not None:
        pid_file.write_text(f"{os.getpid()}\n", encoding="ascii")
    stopped = threading.Event()
    try:
        print(f"listening on {format_base(args.host, httpd.port, tls is not None)}/v1", flush=True)
        if args.idle_timeout > 0:
            watch_idle(httpd, args.idle_timeout, stopped)
        httpd.serve_forever(poll_interval=0.2)
    finally:
        stopped.set()
        httpd.server_close()
        httpd.app.stop()  # runs in flight finish (or fail) within --grace-seconds; the database is closed
        if pid_file is not None:
            pid_file.unlink(missing_ok=True)
    return 0
