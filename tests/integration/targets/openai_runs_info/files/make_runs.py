# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Create many finished runs on one thread, fast, for the paging cases of the openai_runs_info target.

ansible.builtin.uri costs one module run per request (half a second on a busy machine), so 250 runs
made with it would take minutes; this makes them in one process, with the standard library only.

    python make_runs.py API_BASE THREAD_ID ASSISTANT_ID OUTCOMES_JSON   (the key in ASSISTANTS_API_KEY)

ASSISTANTS_API_QUERY, if set and not empty (e.g. api-version=2025-05-01), is the query string every request
needs (an azure-flavoured server; see setup_assistants_server's assistants_api_query).

OUTCOMES_JSON is a JSON list with the sim_outcome of each run, in creation order. Every run has
sim_seconds 0, so it has ended by the next request and the thread is free for the next run.
Prints the JSON list of the run ids, oldest first.
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.request

ATTEMPTS = 50


def create_run(api_base: str, thread_id: str, body: bytes, headers: dict) -> str:
    query = os.environ.get("ASSISTANTS_API_QUERY")
    url = f"{api_base}/threads/{thread_id}/runs" + (f"?{query}" if query else "")
    for attempt in range(ATTEMPTS):
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.load(response)["id"]
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")
            # The previous run may not have been seen ending yet: the thread holds one active run.
            if exc.code == 400 and "active run" in detail and attempt + 1 < ATTEMPTS:
                time.sleep(0.05)
                continue
            raise SystemExit(f"POST {url} answered HTTP {exc.code}: {detail}")
    raise SystemExit(f"POST {url}: the thread stayed busy")


def main() -> None:
    api_base, thread_id, assistant_id, outcomes = sys.argv[1:5]
    headers = {
        "Authorization": f"Bearer {os.environ['ASSISTANTS_API_KEY']}",
        "OpenAI-Beta": "assistants=v2",
        "Content-Type": "application/json",
    }
    ids = []
    for outcome in json.loads(outcomes):
        body = {"assistant_id": assistant_id, "metadata": {"sim_seconds": "0", "sim_outcome": outcome}}
        ids.append(create_run(api_base, thread_id, json.dumps(body).encode(), headers))
    print(json.dumps(ids))


if __name__ == "__main__":
    main()
