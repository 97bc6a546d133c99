#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: openai_message
short_description: Add a message to a thread, update its metadata, or delete it
version_added: 0.1.0
description:
  - Adds a message to a thread of the OpenAI Assistants API (v2), or of any server that speaks it, without starting
    a run; the next run on the thread reads it.
  - B(Idempotent without a state file), as the run modules are. The message carries a key in its metadata
    (C(ansible_idempotency_key)), derived from O(thread_id), O(role), O(content) and O(attachments), or given as
    O(idempotency_key); the same task finds its message again by listing the thread, instead of adding another.
    O(metadata) is not part of the key, so a task whose metadata changed updates its message.
  - With O(message_id), updates that message's O(metadata) (the only thing the API lets change), or deletes it
    with O(state=absent).
  - O(state=absent) without O(message_id) deletes the message the same task (with O(state=present)) added.
author:
  - llmops.assistants developers (@llmops)
options:
  thread_id:
    description: The ID of the thread.
    type: str
    required: true
  message_id:
    description:
      - The ID of an existing message, to update its O(metadata) or to delete it.
      - Cannot be combined with O(content), O(role), O(attachments) or O(idempotency_key), since a message's
        content cannot change.
    type: str
  role:
    description:
      - Who the message is from. V(assistant) inserts a message as if the assistant had written it, for example
        to give a conversation its history.
      - V(user) when not set.
    type: str
    choices: [user, assistant]
  content:
    description:
      - The message, a non-empty string, or a list of content parts as the API takes them (dicts of C(type)
        V(text) with C(text), V(image_file) with C(image_file.file_id), or V(image_url) with C(image_url.url)).
      - Required with O(state=present) unless O(message_id) is given; with O(state=absent) and no O(message_id)
        it (or O(idempotency_key)) says which message to delete.
    type: raw
  attachments:
    description:
      - Files attached to the message, each a dict with C(file_id) and C(tools) (a list of V(code_interpreter)
        or V(file_search) tools); an attachment without C(tools) gets V(file_search), with a warning.
    type: list
    elements: dict
  metadata:
    description:
      - Metadata of the message, at most 15 pairs of strings (the module keeps one for its key).
      - When set, the message's metadata becomes exactly this (and the key); when not set it is left as it is.
      - C(ansible_idempotency_key) and C(ansible_created_by) are the collection's own keys; a task that sets either fails, naming it.
    type: dict
  idempotency_key:
    description:
      - The key that finds the message again, instead of the one derived from the message. Give a new key to add
        the same text again as a new message.
    type: str
  state:
    description:
      - V(present) adds the message (or finds it) and updates its metadata; V(absent) deletes it, ignoring
        O(metadata), so a task can be flipped to V(absent) without removing it.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - llmops.assistants.connection
  - llmops.assistants.attributes
attributes:
  check_mode:
    support: full
    details:
      - Sends only reads. A message that would be added is returned as V(null).
  diff_mode:
    support: full
    details: Shows the message's ID, role, text and metadata before and after.
  idempotent:
    support: full
    details:
      - Without O(message_id), the message carries a key in its metadata (derived from O(role), O(content) and
        O(attachments), or O(idempotency_key)), and the same task finds it on the thread instead of adding another.
      - A task whose O(metadata) changed updates the message it finds.
notes:
  - The API refuses to add a message to a thread while a run on it is active (queued, in progress, waiting for tool
    outputs, or cancelling); the task fails with the API's message. Metadata can be changed at any time.
  - A create whose answer was lost (a timeout, a dropped connection) is not sent again before the thread has been
    listed for the message's key, so a retry never adds a second message.
  - A missing thread or O(message_id) fails O(state=present) with a message naming it; O(state=absent) is then
    unchanged, since there is nothing to delete.
  - Finding the message lists the thread's messages, newest first, until the key is found; on a thread with many
    messages that takes one request per 100 messages.
seealso:
  - module: llmops.assistants.openai_messages_info
  - module: llmops.assistants.openai_thread
  - module: llmops.assistants.openai_run
  - name: Messages
    description: The messages endpoints in the Assistants API reference.
    link: https://platform.openai.com/docs/api-reference/messages
"""

EXAMPLES = r"""
- name: Add a question to a thread, once however often the task runs
  llmops.assistants.openai_message:
    thread_id: thread_abc123
    content: Which of our hosts run out of disk space first?
    metadata:
      source: ansible
  register: question

- name: Give the conversation an earlier answer of the assistant
  llmops.assistants.openai_message:
    thread_id: thread_abc123
    role: assistant
    content:
      - type: text
        text: The database hosts, judging by last week's growth.

- name: Mark the question as reviewed
  llmops.assistants.openai_message:
    thread_id: thread_abc123
    message_id: "{{ question.message.id }}"
    metadata:
      source: ansible
      reviewed: "yes"

- name: Delete the question again
  llmops.assistants.openai_message:
    thread_id: thread_abc123
    message_id: "{{ question.message.id }}"
    state: absent
"""

RETURN = r"""
message:
  description:
    - The message as the API returns it, plus C(text); V(null) after a delete of a message that was not there, and
      in check mode for a message that would be added.
    - After a delete, the message as it was.
  returned: always
  type: dict
  contains:
    id:
      description: The ID of the message.
      type: str
      sample: msg_abc123
    object:
      description: The object type, always V(thread.message).
      type: str
      sample: thread.message
    created_at:
      description: When the message was created, in Unix seconds.
      type: int
      sample: 1699017614
    thread_id:
      description: The ID of the thread.
      type: str
      sample: thread_abc123
    role:
      description: V(user) or V(assistant).
      type: str
      sample: user
    content:
      description: The content parts, each with C(type) and, for V(text), C(text.value) and C(text.annotations).
      type: list
      elements: dict
      sample: [{"type": "text", "text": {"value": "Hello", "annotations": []}}]
    text:
      description: The text parts of RV(message.content) joined by a blank line; V("") when there are none.
      type: str
      sample: Hello
    attachments:
      description: The files attached to the message.
      type: list
      elements: dict
      sample: []
    assistant_id:
      description: The assistant that wrote the message, for a message a run created; else V(null).
      type: str
      sample: null
    run_id:
      description: The run that created the message; else V(null).
      type: str
      sample: null
    metadata:
      description: The message's metadata, with the module's C(ansible_idempotency_key) for a message it added.
      type: dict
      sample: {"source": "ansible", "ansible_idempotency_key": "0f3c6a..."}
thread_id:
  description: The ID of the thread.
  returned: always
  type: str
  sample: thread_abc123
api_error:
  description: The API's error, with C(status), C(type), C(code), C(param), C(message), C(method) and C(path).
  returned: when a request failed
  type: dict
  sample: {"status": 400, "type": "invalid_request_error", "code": null, "param": null,
           "message": "Can't add messages to thread_abc123 while a run run_abc123 is active.", "method": "POST",
           "path": "/threads/thread_abc123/messages"}
"""

import typing as t

from ansible_collections.llmops.assistants.plugins.module_utils._messages import MessageEngine, message_payload
from ansible_collections.llmops.assistants.plugins.module_utils._module import AssistantsModule
from ansible_collections.llmops.assistants.plugins.module_utils._errors import OptionError
from ansible_collections.llmops.assistants.plugins.module_utils._options import MESSAGE_ROLES, check_idempotency_key, check_metadata


class OpenAIMessage(AssistantsModule):
    argument_spec = {
        "thread_id": {"type": "str", "required": True},
        "message_id": {"type": "str"},
        "role": {"type": "str", "choices": list(MESSAGE_ROLES)},
        "content": {"type": "raw"},
        "attachments": {"type": "list", "elements": "dict"},
        "metadata": {"type": "dict"},
        "idempotency_key": {"type": "str", "no_log": False},
        "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    }
    module_kwargs = {"mutually_exclusive": [("message_id", option) for option in ("content", "role", "attachments", "idempotency_key")]}
    id_options = ("thread_id", "message_id")

    payload: dict[str, t.Any] | None = None

    def validate(self) -> None:
        super().validate()
        params = self.params
        check_metadata(params.get("metadata"), reserved=1)
        check_idempotency_key(params)
        if params.get("message_id"):
            return
        if params["state"] == "present" or not params.get("idempotency_key"):
            if params.get("content") is None:
                raise OptionError(
                    "content is required to add a message (or to find the one this task added); "
                    "give message_id to update or delete an existing message."
                )
            self.payload = message_payload(params, self.module.warn)  # checks role, content and attachments

    def run(self) -> dict[str, t.Any]:
        engine = MessageEngine(self.client, self.params, check_mode=self.module.check_mode, warn=self.module.warn,
                               payload=self.payload)
        return engine.present() if self.params["state"] == "present" else engine.absent()


def main() -> None:
    OpenAIMessage.execute()


if __name__ == "__main__":
    main()
