# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Command line: python3 tools/assistants_server --host 127.0.0.1 --port 0"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import ssl
import sys
import threading
from pathlib import Path
from types import FrameType

from assistants_server.app import AZURE_API_VERSIONS, FLAVORS, Options
from assistants_server.control import CONTROL_HELP
from assistants_server.faults import RULE_HELP, FaultRuleError, load_rules_file
from assistants_server.lifecycle import MAX_SIM_STEPS, RUN_LIFETIME_SECONDS
from assistants_server.server import build_server, format_base, tls_context, watch_idle

DESCRIPTION = """\
A local server that speaks the OpenAI Assistants API v2 (/v1/assistants, /v1/threads, messages,
runs, run steps), for tests, demos and users without a hosted backend. Requests need
'Authorization: Bearer <key>' and 'OpenAI-Beta: assistants=v2', exactly as the hosted API did.
The first line printed is 'listening on http://HOST:PORT/v1'. SIGTERM or SIGINT stop it (exit 0).
With --flavor azure it answers like Azure AI Foundry Agent Service (classic) instead (see below).
"""

EPILOG = f"""\
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
                                formatter_class=argparse.RawDescriptionHelpFormatter)
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
    return p


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
                      idle_timeout=args.idle_timeout, allow_remote_control=args.allow_remote_control, faults=rules, flavor=args.flavor)
    try:
        httpd = build_server(args.host, args.port, options, tls)
    except OSError as exc:
        p.exit(1, f"error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}\n")

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
        if pid_file is not None:
            pid_file.unlink(missing_ok=True)
    return 0
