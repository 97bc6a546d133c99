# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Modules that change things: each states its own support level.
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check mode and return a changed status prediction without modifying anything.
  diff_mode:
    description: Will return details on what has changed (or would change in check mode), when in diff mode.
  idempotent:
    description:
      - When run twice in a row outside check mode, with the same arguments, the second invocation indicates no change.
      - This assumes that the system controlled/queried by the module has not changed in a relevant way.
  action_group:
    description: Use C(group/llmops.assistants.openai) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - llmops.assistants.openai
"""

    # Read-only modules.
    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check mode and return a changed status prediction without modifying anything.
    support: full
    details: This module only reads; it runs the same in check mode.
  diff_mode:
    description: Will return details on what has changed (or would change in check mode), when in diff mode.
    support: N/A
    details: This module only reads.
  idempotent:
    description:
      - When run twice in a row outside check mode, with the same arguments, the second invocation indicates no change.
      - This assumes that the system controlled/queried by the module has not changed in a relevant way.
    support: full
    details: This module only reads, so it never reports a change.
  action_group:
    description: Use C(group/llmops.assistants.openai) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - llmops.assistants.openai
"""
