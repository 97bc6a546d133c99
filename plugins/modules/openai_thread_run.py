#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: openai_thread_run
short_description: Create a thread and run an assistant on it in one call, or run on an existing thread
version_added: 0.1.0
description:
  - Creates a thread with its messages and starts a run of an assistant on it in one request, with the OpenAI
    Assistants API (v2) or any server that speaks it, and by default waits for the answer.
  - With O(existing_thread_id) (or O(thread_id)) it runs on that thread instead and behaves exactly like
    M(llmops.assistants.openai_run), idempotency included.
  - With O(state=absent) it leaves nothing running, and deletes the thread if this module created it.
author:
  - llmops.assistants developers (@llmops)
options:
  thread:
    description:
      - The thread to create. Mutually exclusive with O(existing_thread_id) and O(thread_id).
      - Without O(thread_id), O(existing_thread_id) and O(run_id), every run of the task creates a new thread,
        because the API cannot list threads to find one made earlier. Register the result and pass
        RV(thread_id) and the C(id) of RV(run) back in to manage that run later.
    type: dict
    suboptions:
      messages:
        description:
          - Messages to start the thread with.
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
          - Key-value pairs stored on the thread, at most 15 (the module keeps C(ansible_created_by) for itself,
            which is how O(state=absent) knows it may delete the thread).
          - C(ansible_idempotency_key) and C(ansible_created_by) are the collection's own keys; a task that sets either fails, naming it.
        type: dict
      tool_resources:
        description: Resources for the thread's tools, such as C({"file_search":{"vector_store_ids":[...]}}).
        type: dict
  existing_thread_id:
    description:
      - The ID of an existing thread to run on instead of creating one. The thread is never deleted by this module.
      - Mutually exclusive with O(thread) and O(thread_id).
    type: str
  thread_id:
    description:
      - The ID of a thread this module created earlier (its RV(thread_id)), to manage its run, answer its tool
        calls, or with O(state=absent) cancel its run and delete the thread.
      - Mutually exclusive with O(thread) and O(existing_thread_id).
    type: str
  tool_resources:
    description:
      - Resources for the assistant's tools on the new thread. Only when a thread is created.
      - A dict with C(code_interpreter) (C(file_ids), at most 20) and C(file_search) (C(vector_store_ids), at most 1);
        the API takes no C(vector_stores) here (O(thread.tool_resources) does).
    type: dict
extends_documentation_fragment:
  - llmops.assistants.connection
  - llmops.assistants.run
  - llmops.assistants.attributes
attributes:
  check_mode:
    support: full
    details: Creating a new thread is reported as a change; nothing is created.
  diff_mode:
    support: full
    details: Shows the run's status and metadata before and after.
  idempotent:
    support: partial
    details:
      - With O(existing_thread_id) (or O(thread_id)), the run is found again by its idempotency key, as
        M(llmops.assistants.openai_run) does.
      - Without O(thread_id), O(existing_thread_id) and O(run_id), every run creates a new thread and a run on it,
        because the API cannot list threads to find one made earlier (see O(thread)).
seealso:
  - module: llmops.assistants.openai_run
  - module: llmops.assistants.openai_run_info
"""

EXAMPLES = r"""
# Creates a new thread with a first message and runs the assistant on it, in one request.
- name: Create a thread and run the assistant on it, in one call
  llmops.assistants.openai_thread_run:
    assistant_id: asst_abc123
    thread:
      messages:
        - role: user
          content: Hello, can you help me with a question?
  register: combined_thread_run

- name: Print the answer and where to find it again
  ansible.builtin.debug:
    msg: "{{ combined_thread_run.output_text }} (thread {{ combined_thread_run.thread_id }})"

# Creates a thread whose second message attaches a file for file_search, and overrides the run's tools and sampling.
- name: Ask an expert with tools, a file attachment and overrides
  llmops.assistants.openai_thread_run:
    assistant_id: "{{ expert.assistant_id }}"
    thread:
      messages:
        - role: user
          content: Hello, can you help me with a question about Terraform?
        - role: user
          content: What are the best practices for organizing Terraform modules?
          attachments:
            - file_id: "{{ documentation_file_id }}"
              tools:
                - type: file_search
    instructions: You are a helpful Terraform expert assistant.
    model: gpt-4o
    tools:
      - type: file_search  # the provider's retrieval, by its v2 name
      - type: function
        function:
          name: get_weather
          description: Get the current weather in a given location
          parameters: '{"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}'
    temperature: 0.7
    max_completion_tokens: 1024

# Runs the assistant on a thread that already exists, with instructions and a model for this run only.
- name: Run on an existing thread
  llmops.assistants.openai_thread_run:
    assistant_id: "{{ expert.assistant_id }}"
    existing_thread_id: "{{ existing_thread.thread_id }}"
    instructions: Please analyze the data in this thread.
    model: gpt-4o-mini

- name: Answer the tool calls of a thread run
  llmops.assistants.openai_thread_run:
    thread_id: "{{ combined_thread_run.thread_id }}"
    run_id: "{{ combined_thread_run.run.id }}"
    tool_outputs:
      - tool_call_id: "{{ combined_thread_run.run.required_action.submit_tool_outputs.tool_calls[0].id }}"
        output: 22 degrees and sunny
  when: combined_thread_run.run.status == 'requires_action'

- name: Stop the run and delete the thread this module created
  llmops.assistants.openai_thread_run:
    thread_id: "{{ combined_thread_run.thread_id }}"
    state: absent
"""

RETURN = r"""
run:
  description:
    - The run as the API returns it, after waiting with O(wait=true); the same fields as
      RV(llmops.assistants.openai_run#module:run).
    - V(null) in check mode when a thread and run would be created, and with O(state=absent) when there is no run.
  returned: always
  type: dict
  sample: {"id": "run_abc123", "object": "thread.run", "status": "completed", "thread_id": "thread_abc123"}
thread_id:
  description: The ID of the thread of the run; pass it back as O(thread_id) to manage the run later.
  returned: always
  type: str
  sample: thread_abc123
thread_deleted:
  description: Whether the thread was deleted (or would be, in check mode).
  returned: when O(state=absent)
  type: bool
messages:
  description: The assistant messages the run created, oldest first, as the API returns them.
  returned: when the run completed
  type: list
  elements: dict
output_text:
  description: The text of RV(messages), joined with blank lines.
  returned: when the run completed
  type: str
expires_in:
  description: Seconds left before a run in V(requires_action) expires.
  returned: when the run is in requires_action
  type: int
active_run:
  description: The run that keeps the thread busy, when the task failed because of it.
  returned: >-
    when the thread had an active run the task could not wait past (O(on_active_run=fail), or O(on_active_run=wait)
    timing out or meeting a run in V(requires_action))
  type: dict
api_error:
  description: The API's error, with C(status), C(type), C(code), C(param), C(message), C(method) and C(path).
  returned: when a request failed
  type: dict
"""

import typing as t

from ansible_collections.llmops.assistants.plugins.module_utils._api import find_thread
from ansible_collections.llmops.assistants.plugins.module_utils._errors import OptionError
from ansible_collections.llmops.assistants.plugins.module_utils._idempotency import (
    THREAD_OWNER,
    THREAD_OWNER_METADATA_KEY,
    created_by_thread_run,
)
from ansible_collections.llmops.assistants.plugins.module_utils._module import RunModule
from ansible_collections.llmops.assistants.plugins.module_utils._options import (
    RUN_MUTUALLY_EXCLUSIVE,
    check_metadata,
    check_shape,
    check_tool_resources,
    normalize_messages,
    run_argument_spec,
)
from ansible_collections.llmops.assistants.plugins.module_utils._run_engine import CREATE_RUN_ONLY_FIELDS, RUN_FIELDS


class OpenAIThreadRun(RunModule):
    argument_spec = {
        **run_argument_spec(),
        "thread": {"type": "dict"},
        "existing_thread_id": {"type": "str"},
        "tool_resources": {"type": "dict"},
    }
    module_kwargs = {
        "mutually_exclusive": RUN_MUTUALLY_EXCLUSIVE + [
            ("thread", "existing_thread_id", "thread_id"),
            ("tool_resources", "existing_thread_id", "thread_id"),
        ],
        "required_if": [("state", "absent", ("thread_id", "existing_thread_id"), True)],
    }
    id_options = ("thread_id", "existing_thread_id", "run_id", "assistant_id")
    _thread_run_payload: dict[str, t.Any] | None = None

    @property
    def target_thread(self) -> str | None:
        return self.params.get("thread_id") or self.params.get("existing_thread_id")

    def validate(self) -> None:
        if self.params.get("run_id") and not self.target_thread:
            raise OptionError("run_id needs thread_id (or existing_thread_id): a run is found on its thread.")
        if self.target_thread is None and self.params["state"] == "present":
            # The API's create-thread-and-run request has none of these: they would be dropped silently.
            given = [name for name in CREATE_RUN_ONLY_FIELDS if self.params.get(name) is not None]
            if given:
                raise OptionError(
                    f"{', '.join(given)} can only be used on an existing thread (existing_thread_id or thread_id); "
                    "a new thread's messages go in thread.messages, and its instructions in instructions."
                )
        super().validate()

    def request_body(self) -> dict[str, t.Any]:
        return self.engine.run_payload() if self.target_thread is not None else self.thread_run_payload()

    def run_id_needed_for_absent(self) -> bool:
        # With thread_id, a thread this module created is found and emptied without naming its run.
        return self.params.get("thread_id") is None

    def thread_payload(self) -> dict[str, t.Any]:
        thread = dict(self.params.get("thread") or {})
        check_metadata(thread.get("metadata"), "thread.metadata", reserved=1)
        messages = thread.get("messages")
        if isinstance(messages, list):
            thread["messages"] = normalize_messages(messages, self.module.warn, "thread.messages")
        check_shape(thread, "thread", "thread")
        check_tool_resources(thread.get("tool_resources"), "thread.tool_resources")
        thread["metadata"] = dict(thread.get("metadata") or {}, **{THREAD_OWNER_METADATA_KEY: THREAD_OWNER})
        return thread

    def thread_run_payload(self) -> dict[str, t.Any]:
        """The request body for a new thread and its run; built (and so checked) once."""
        if self._thread_run_payload is None:
            check_tool_resources(self.params.get("tool_resources"), shape="run.tool_resources")
            payload = self.engine.build_payload(RUN_FIELDS + ("tool_resources",))
            payload["thread"] = self.thread_payload()
            self._thread_run_payload = payload
        return self._thread_run_payload

    def run(self) -> dict[str, t.Any]:
        thread_id = self.target_thread
        if self.params["state"] == "absent":
            return self.absent(thread_id)
        if thread_id is not None:
            return self.engine.present(thread_id)
        return self.engine.create_thread_and_run(self.thread_run_payload())

    def absent(self, thread_id: str) -> dict[str, t.Any]:
        engine = self.engine
        owned = self.params.get("thread_id") is not None and self.created_here(thread_id)
        if owned is None:
            result = engine.unchanged(thread_id)
            result["thread_deleted"] = False
            return result
        if self.params.get("run_id") or not owned:
            self.check_run_identity()
            result = engine.absent(thread_id)
        else:
            result = engine.cancel_newest(thread_id)
        result["thread_deleted"] = bool(owned)
        if owned:
            engine.changed = result["changed"] = True
            if not self.module.check_mode:
                self.client.delete("threads", thread_id)
        return result

    def created_here(self, thread_id: str) -> bool | None:
        """Whether this module created the thread (None when the thread is gone)."""
        thread = find_thread(self.client, thread_id)
        return None if thread is None else created_by_thread_run(thread)


def main() -> None:
    OpenAIThreadRun.execute()


if __name__ == "__main__":
    main()
