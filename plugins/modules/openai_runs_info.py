#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: openai_runs_info
short_description: List the runs of a thread, optionally of some statuses only, page by page or all at once
version_added: 0.1.0
description:
  - Lists the runs of a thread of the OpenAI Assistants API (v2), or of any server that speaks it, newest first by
    default.
  - Pages exactly. Passing RV(last_id) as O(after) continues right after the last run returned, and RV(first_id)
    as O(before) right before the first one, also with a O(status) filter, so no run is skipped or returned twice.
  - The counterpart of the Terraform C(openai_runs) data source.
author:
  - llmops.assistants developers (@llmops)
options:
  thread_id:
    description:
      - The ID of the thread to list the runs of.
    type: str
    required: true
  limit:
    description:
      - How many runs to return at most, any positive number; V(20) when not set.
      - The API returns at most 100 runs a page, so the module reads as many pages as needed.
      - Cannot be combined with O(all_pages=true).
    type: int
  order:
    description:
      - Sort order by creation time, V(asc) for oldest first or V(desc) for newest first.
    type: str
    choices: [asc, desc]
    default: desc
  after:
    description:
      - The ID of a run; return the runs that follow it in O(order).
      - Pass the RV(last_id) of the previous call to get the next page.
    type: str
  before:
    description:
      - The ID of a run; return the runs immediately preceding it in O(order), still sorted in O(order).
      - Pass the RV(first_id) of the previous call to page backwards.
      - Cannot be combined with O(after).
    type: str
  status:
    description:
      - Return only runs with this status, or with one of these statuses.
      - The API cannot filter by status, so the module filters while paging, reading pages until O(limit) runs
        match or the list ends. With a filter, RV(has_more) is known only by finding the next matching run, which
        can take further requests on a long thread.
      - Statuses change while a run progresses, so the result depends on when the task runs.
    type: list
    elements: str
    choices: [queued, in_progress, requires_action, cancelling, cancelled, failed, completed, incomplete, expired]
  all_pages:
    description:
      - Return every run (that matches O(status)) after O(after) or before O(before), or of the whole thread,
        instead of at most O(limit).
      - Reads pages of 100, so N runs take ceil(N / 100) requests; RV(has_more) is then always V(false).
    type: bool
    default: false
extends_documentation_fragment:
  - llmops.assistants.connection
  - llmops.assistants.attributes.info_module
notes:
  - A missing thread fails the task with a message that names it, as does an O(after) or O(before) run that is not
    on the thread.
  - RV(runs) holds the runs as the API lists them, without steps; look one up with M(llmops.assistants.openai_run_info)
    for its steps and answer.
  - Without O(status), O(limit) runs take ceil(O(limit) / 100) requests.
seealso:
  - module: llmops.assistants.openai_run_info
  - module: llmops.assistants.openai_run
  - name: List runs
    description: The list runs endpoint in the Assistants API reference.
    link: https://platform.openai.com/docs/api-reference/runs/listRuns
"""

EXAMPLES = r"""
# Lists the ten newest runs of a thread, and shows how many there are.
- name: List the runs of a thread
  llmops.assistants.openai_runs_info:
    thread_id: thread_abc123
    limit: 10
  register: thread_history

- name: Output the recent runs and their count
  ansible.builtin.debug:
    msg:
      recent_runs: "{{ thread_history.runs }}"
      total_runs_count: "{{ thread_history.runs | length }}"

# Lists up to 25 completed runs of a thread that an earlier task used.
- name: List the completed runs
  llmops.assistants.openai_runs_info:
    thread_id: "{{ example_thread_id }}"
    limit: 25
    status: completed
  register: completed_runs

- name: Output how many runs completed
  ansible.builtin.debug:
    msg: "completed_runs_count: {{ completed_runs.runs | length }}"

# Lists runs in pages of five, the second page continuing where the first ended.
- name: List the first page
  llmops.assistants.openai_runs_info:
    thread_id: "{{ conversation_thread_id }}"
    limit: 5
  register: first_page

- name: List the second page
  llmops.assistants.openai_runs_info:
    thread_id: "{{ conversation_thread_id }}"
    limit: 5
    after: "{{ first_page.last_id }}"
  register: second_page
  when: first_page.has_more

- name: Output all runs of both pages
  ansible.builtin.debug:
    msg: "{{ first_page.runs + (second_page.runs | default([])) }}"

# Lists every run of some statuses, and goes backwards from a run.
- name: List every failed or expired run of a thread, oldest first
  llmops.assistants.openai_runs_info:
    thread_id: thread_abc123
    status: [failed, expired]
    order: asc
    all_pages: true
  register: broken

- name: Page backwards, to the five runs just before the first run of the second page
  llmops.assistants.openai_runs_info:
    thread_id: "{{ conversation_thread_id }}"
    limit: 5
    before: "{{ second_page.first_id }}"
  register: previous_page
  when: second_page.first_id is defined and second_page.first_id
"""

RETURN = r"""
runs:
  description:
    - The runs, sorted in O(order), as the API lists them.
    - Each is a run object as M(llmops.assistants.openai_run_info) documents it under RV(llmops.assistants.openai_run_info#module:run),
      without C(steps).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The ID of the run.
      type: str
      sample: run_abc123
    object:
      description: The object type, always V(thread.run).
      type: str
      sample: thread.run
    created_at:
      description: When the run was created, in Unix seconds.
      type: int
      sample: 1699063290
    thread_id:
      description: The ID of the thread the run belongs to.
      type: str
      sample: thread_abc123
    assistant_id:
      description: The ID of the assistant used for the run.
      type: str
      sample: asst_abc123
    status:
      description:
        - The status of the run, one of V(queued), V(in_progress), V(requires_action), V(cancelling), V(cancelled),
          V(failed), V(completed), V(incomplete) or V(expired).
      type: str
      sample: completed
    started_at:
      description: When the run started, in Unix seconds; V(null) if it has not started.
      type: int
      sample: 1699063291
    completed_at:
      description: When the run completed, in Unix seconds; V(null) if it has not completed.
      type: int
      sample: 1699063298
    cancelled_at:
      description: When the run was cancelled, in Unix seconds; else V(null).
      type: int
      sample: null
    failed_at:
      description: When the run failed, in Unix seconds; else V(null).
      type: int
      sample: null
    expires_at:
      description: When the run expires if it is not finished, in Unix seconds; V(null) once it has ended.
      type: int
      sample: null
    model:
      description: The model used for the run.
      type: str
      sample: gpt-4o
    instructions:
      description: The instructions used for the run.
      type: str
      sample: You are a helpful assistant.
    tools:
      description: The tools available to the assistant during the run.
      type: list
      elements: dict
      sample: [{"type": "code_interpreter"}]
    file_ids:
      description:
        - The file IDs available during the run, a field of Assistants v1 runs that the Terraform data source lists.
        - Assistants v2 servers do not send it; files belong to the assistant's and thread's C(tool_resources).
      returned: when the server sends it
      type: list
      elements: str
      sample: []
    metadata:
      description: The metadata attached to the run.
      type: dict
      sample: {"ticket": "SEC-2024-001"}
    usage:
      description: Token usage, with C(prompt_tokens), C(completion_tokens) and C(total_tokens); V(null) until the run ends.
      type: dict
      sample: {"prompt_tokens": 123, "completion_tokens": 456, "total_tokens": 579}
    last_error:
      description: The last error of the run, with C(code) and C(message); else V(null).
      type: dict
      sample: null
    required_action:
      description: What the run needs to continue when its status is V(requires_action), else V(null).
      type: dict
      sample: null
    incomplete_details:
      description: Why the run is V(incomplete), with C(reason); else V(null).
      type: dict
      sample: null
first_id:
  description:
    - The ID of the first run in RV(runs); V(null) when no run was returned.
    - Pass it as O(before) to page backwards.
  returned: always
  type: str
  sample: run_abc123
last_id:
  description:
    - The ID of the last run in RV(runs); V(null) when no run was returned.
    - Pass it as O(after) to get the next page.
  returned: always
  type: str
  sample: run_abc456
has_more:
  description:
    - Whether a further call would return more runs, exactly, also with O(status).
    - That call is the same task with O(after) set to RV(last_id), or, when paging with O(before), with O(before)
      set to RV(first_id).
  returned: always
  type: bool
  sample: false
thread_id:
  description: The ID of the thread.
  returned: always
  type: str
  sample: thread_abc123
api_error:
  description: The API's error, with C(status), C(type), C(code), C(param), C(message), C(method) and C(path).
  returned: when a request failed
  type: dict
  sample: {"status": 404, "type": "invalid_request_error", "code": null, "param": null,
           "message": "No thread found with id 'thread_abc123'.", "method": "GET", "path": "/threads/thread_abc123/runs"}
"""

import typing as t

from ansible_collections.llmops.assistants.plugins.module_utils._api import DEFAULT_LIMIT, check_paging, list_runs, not_found, paging_argument_spec
from ansible_collections.llmops.assistants.plugins.module_utils._errors import ApiError
from ansible_collections.llmops.assistants.plugins.module_utils._module import AssistantsModule
from ansible_collections.llmops.assistants.plugins.module_utils._run_engine import RUN_STATUSES


class RunsInfo(AssistantsModule):
    argument_spec = {
        "thread_id": {"type": "str", "required": True},
        **paging_argument_spec(),
        "status": {"type": "list", "elements": "str", "choices": list(RUN_STATUSES)},
    }
    module_kwargs = {"mutually_exclusive": [("after", "before")]}
    id_options = ("thread_id", ("after", "run_abc123"), ("before", "run_abc123"))

    def validate(self) -> None:
        super().validate()
        check_paging(self.params, "run")

    def run(self) -> dict[str, t.Any]:
        params = self.params
        thread_id: str = params["thread_id"]
        try:
            listing = list_runs(
                self.client,
                thread_id,
                limit=params["limit"] or DEFAULT_LIMIT,
                order=params["order"],
                after=params["after"],
                before=params["before"],
                statuses=params["status"],
                all_pages=params["all_pages"],
            )
        except ApiError as exc:
            if exc.status != 404:
                raise
            cursor = params["after"] or params["before"]
            raise not_found(self.client, exc, thread_id, cursor) from exc
        return {"changed": False, "thread_id": thread_id, **listing}


def main() -> None:
    RunsInfo.execute()


if __name__ == "__main__":
    main()
