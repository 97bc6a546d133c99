# Copyright: llmops.assistants contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The README's module_defaults example is the playbook that the integration target ``playbooks`` runs.

The example once used names nobody had defined (``vault_assistants_key``, ``asst_abc123``) and failed as written.
Now README.md shows ``playbooks/module_defaults_example.yml`` verbatim, and the integration target runs that file
against the local server; this test fails as soon as the two texts drift apart.
"""

from __future__ import annotations

import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def _read(*parts: str) -> str:
    with open(os.path.join(ROOT, *parts), encoding='utf-8') as handle:
        return handle.read()


def _yaml_blocks(markdown: str) -> list[str]:
    return re.findall(r'^```yaml\n(.*?)^```', markdown, flags=re.S | re.M)


def test_readme_shows_the_module_defaults_playbook_verbatim():
    playbook = _read('playbooks', 'module_defaults_example.yml')
    # The file starts with '---' and a comment that the README says in prose.
    play = playbook[playbook.index('\n- name:') + 1:]
    assert play in _yaml_blocks(_read('README.md'))


def test_every_variable_of_the_example_is_defined_in_it():
    play = _read('playbooks', 'module_defaults_example.yml')
    used = set(re.findall(r'{{\s*([a-z_]+)\b(?!\s*\()', play))
    defined = set(re.findall(r'^\s+([a-z_]+):', play, flags=re.M)) | set(re.findall(r'register: ([a-z_]+)', play))
    assert used <= defined, f'used but never defined: {sorted(used - defined)}'
