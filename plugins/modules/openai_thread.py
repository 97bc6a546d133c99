#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: openai_thread
short_description: Create a thread with its first messages, update its metadata, or delete it
version_added: 0.1.0
description:
  - Creates a thread of the OpenAI Assistants API (v2), or of any server that speaks it, with its first messages,
    metadata and tool resources.
  - With O(thread_id), updates that thread's O(metadata) and O(tool_resources), or deletes it (O(state=absent)).
  - B(A thread cannot be found again without its ID.) The API has no way to list or search threads, so without
    O(thread_id) every run of the task creates a new thread (and check mode reports that it would). Register the
    result and keep RV(thread_id) (in a variable, an inventory, or the metadata of an assistant) to manage the thread
    later.
  - The counterpart of the Terraform C(openai_thread) resource.
author:
  - llmops.assistants developers (@llmops)
options:
  state:
    description:
      - V(present) creates a thread (without O(thread_id)) or updates the thread O(thread_id).
      - V(absent) deletes the thread O(thread_id), with its messages and runs; a thread that does not exist is
        reported unchanged. The options that only create or update a thread (O(messages), O(metadata),
        O(tool_resources)) are then ignored.
    type: str
    choices: [present, absent]
    default: present
  thread_id:
    description:
      - The ID of the thread to manage, as returned in RV(thread_id) by the task that created it.
      - Required with O(state=absent).
    type: str
  messages:
    description:
      - The messages to start a new thread with, oldest first.
      - Sent only when the thread is created. With O(thread_id) they are neither compared nor sent, so a task can
        keep its messages and be pointed at the thread it created earlier.
      - Ignored (neither checked nor sent) with O(state=absent), like O(metadata) and O(tool_resources), so a task
        can be flipped to O(state=absent) without removing them.
    type: list
    elements: dict
    suboptions:
      role:
        description: Who wrote the message.
        type: str
        choices: [user, assistant]
        required: true
      content:
        description: The text of the message, or a list of content parts as the API takes them.
        type: raw
        required: true
      attachments:
        description:
          - Files attached to the message, each a dict with C(file_id) and C(tools) (a list of
            C({"type":"file_search"}) or C({"type":"code_interpreter"})).
          - The API v1 form C({"file_id":...}) is sent with C(tools) set to C([{"type":"file_search"}]) and a warning.
        type: list
        elements: dict
      metadata:
        description: Key-value pairs stored on the message; not C(ansible_idempotency_key) or C(ansible_created_by).
        type: dict
  metadata:
    description:
      - Key-value pairs stored on the thread, at most 16. Keys at most 64 characters, values strings of at most
        512 characters.
      - This is the whole set, so with O(thread_id) keys the thread has and this option lacks are removed. V({})
        removes them all; leaving the option out leaves the metadata as it is.
      - C(ansible_idempotency_key) and C(ansible_created_by) are the collection's own keys; a task that sets either fails, naming it.
    type: dict
  tool_resources:
    description:
      - Resources for the tools of runs on the thread, a dict with C(code_interpreter) (C(file_ids), at most 20) and
        C(file_search) (C(vector_store_ids), at most 1).
      - C(file_search.vector_stores), a list of one vector store to create (with C(file_ids)), is sent only when the
        thread is created.
    type: dict
extends_documentation_fragment:
  - llmops.assistants.connection
  - llmops.assistants.attributes
attributes:
  check_mode:
    support: full
    details:
      - Sends only reads.
      - Without O(thread_id) it always reports a change, because the task would create a thread; RV(thread) and
        RV(thread_id) are then V(null).
  diff_mode:
    support: full
    details: Shows the thread's metadata and tool resources (and, for a new thread, its messages) before and after.
  idempotent:
    support: partial
    details:
      - With O(thread_id), the thread is compared and only O(metadata) and O(tool_resources) that differ are sent.
      - Without O(thread_id), every run creates a new thread, because the API cannot list threads to find one
        made earlier; give later runs the RV(thread_id) of the first.
notes:
  - After a create or an update the module compares the server's answer with what it asked for; a field the server
    did not keep (or does not return at all, so that it cannot be compared) is a warning that names it, never silence.
  - A create whose answer was lost (a timeout or a dropped connection after the server may have made the thread) is
    not sent again, since the thread could not be found to check; the task fails and says so, and reports
    C(changed) (the thread may exist) with RV(thread_id) V(null). Creates refused outright (HTTP 429) are retried as
    usual.
  - Likewise an update or a delete that failed after the server may have applied it (a lost answer, a 5xx) fails
    with C(changed) and the thread's RV(thread_id); one refused outright (a 4xx) changed nothing.
seealso:
  - module: llmops.assistants.openai_assistant
  - module: llmops.assistants.openai_run
  - module: llmops.assistants.openai_thread_run
  - name: Threads
    description: The threads endpoints in the Assistants API reference.
    link: https://platform.openai.com/docs/api-reference/threads
"""

EXAMPLES = r"""
- name: Create a thread with a question
  llmops.assistants.openai_thread:
    messages:
      - role: user
        content: Hello! Can you help me understand how runs work?
        metadata:
          type: initial_question
    metadata:
      source: ansible_example
      run_type: basic_run
  register: thread

- name: Run an assistant on it
  llmops.assistants.openai_run:
    thread_id: "{{ thread.thread_id }}"
    assistant_id: asst_abc123

# Re-running a playbook creates a new thread each time unless it is given the ID of the one it made:
# with thread_id set, the same task checks that thread instead (its messages are not sent again).
- name: Create the thread, or reuse the one passed in with -e example_thread_id=thread_...
  llmops.assistants.openai_thread:
    thread_id: "{{ example_thread_id | default(omit) }}"
    messages:
      - role: user
        content: What is 2 + 2?
    metadata:
      purpose: demonstration

- name: Give a thread a vector store for file_search
  llmops.assistants.openai_thread:
    thread_id: thread_abc123
    tool_resources:
      file_search:
        vector_store_ids: [vs_abc123]

- name: Delete the thread
  llmops.assistants.openai_thread:
    thread_id: "{{ thread.thread_id }}"
    state: absent
"""

RETURN = r"""
thread:
  description:
    - The thread as the API returns it, after the create or update (in check mode, as it is now).
    - V(null) in check mode when it would be created, and with O(state=absent).
  returned: always
  type: dict
  contains:
    id:
      description: The ID of the thread.
      type: str
      sample: thread_abc123
    object:
      description: Always V(thread).
      type: str
      sample: thread
    created_at:
      description: When the thread was created, in Unix seconds.
      type: int
      sample: 1699012949
    metadata:
      description: The key-value pairs stored on the thread.
      type: dict
      sample: {"source": "ansible_example"}
    tool_resources:
      description: The resources of the tools of runs on the thread.
      type: dict
      sample: {"code_interpreter": {"file_ids": []}}
thread_id:
  description:
    - The ID of the thread; keep it to manage the thread, or to run on it, later.
    - V(null) in check mode when a thread would be created.
  returned: always
  type: str
  sample: thread_abc123
api_error:
  description: The API's error, with C(status), C(type), C(code), C(param), C(message), C(method) and C(path).
  returned: when a request failed
  type: dict
"""

import typing as t

from ansible_collections.llmops.assistants.plugins.module_utils._desired_state import DesiredState
from ansible_collections.llmops.assistants.plugins.module_utils._errors import TaskFailed
from ansible_collections.llmops.assistants.plugins.module_utils._module import AssistantsModule
from ansible_collections.llmops.assistants.plugins.module_utils._options import (
    check_metadata,
    check_tool_resources,
    normalize_messages,
)

# The settings of an existing thread that can change; diff mode shows these.
FIELDS = ("metadata", "tool_resources")


class OpenAIThread(AssistantsModule):
    argument_spec = {
        "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
        "thread_id": {"type": "str"},
        "messages": {
            "type": "list",
            "elements": "dict",
            "options": {
                "role": {"type": "str", "required": True, "choices": ["user", "assistant"]},
                "content": {"type": "raw", "required": True},
                "attachments": {"type": "list", "elements": "dict"},
                "metadata": {"type": "dict"},
            },
        },
        "metadata": {"type": "dict"},
        "tool_resources": {"type": "dict"},
    }
    module_kwargs = {"required_if": [("state", "absent", ("thread_id",))]}
    id_options = ("thread_id",)

    desired: dict[str, t.Any]

    def validate(self) -> None:
        super().validate()
        params = self.params
        self.desired = {}
        if params["state"] == "absent":
            # Ignored, not refused: a task whose state is flipped to absent keeps its other options.
            return
        check_metadata(params.get("metadata"))
        check_tool_resources(params.get("tool_resources"))
        messages = params.get("messages")
        if messages is not None:
            # Suboptions add the keys a message leaves out as None; the API takes only those that are set.
            messages = [{key: value for key, value in message.items() if value is not None} for message in messages]
            messages = normalize_messages(messages, self.module.warn, "messages")
        self.desired = {
            key: value
            for key, value in (("messages", messages), ("metadata", params.get("metadata")), ("tool_resources", params.get("tool_resources")))
            if value is not None
        }

    def run(self) -> dict[str, t.Any]:
        state = DesiredState(self.client, kind="thread", fields=FIELDS, check_mode=self.module.check_mode, warn=self.module.warn)
        thread_id = self.params.get("thread_id")
        if thread_id is None:
            # No find_existing: a thread cannot be looked up, so a create that may have been applied is never re-sent.
            return state.create(self.desired)
        current = state.find(thread_id)
        if self.params["state"] == "absent":
            return state.delete(current, thread_id)
        if current is None:
            raise TaskFailed(
                f"Thread {thread_id} was not found (deleted?). Leave thread_id out to create a new thread.",
                changed=False, thread=None, thread_id=thread_id,
            )
        return state.update(current, {key: value for key, value in self.desired.items() if key in FIELDS})


def main() -> None:
    OpenAIThread.execute()


if __name__ == "__main__":
    main()
