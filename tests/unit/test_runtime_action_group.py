# Copyright: llmops.assistants contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""meta/runtime.yml must list every module in the ``openai`` action group, and nothing else.

``module_defaults: {group/llmops.assistants.openai: {...}}`` only reaches the modules listed in
``action_groups.openai``; a module left out silently ignores the connection settings a playbook
gave the group, so this test fails as soon as the group and ``plugins/modules/`` disagree.
"""

from __future__ import annotations

import os

import yaml

COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTION_PREFIX = 'llmops.assistants.'


def _runtime():
    with open(os.path.join(COLLECTION_ROOT, 'meta', 'runtime.yml'), encoding='utf-8') as handle:
        return yaml.safe_load(handle) or {}


def _modules():
    modules_dir = os.path.join(COLLECTION_ROOT, 'plugins', 'modules')
    if not os.path.isdir(modules_dir):
        return set()
    return {
        name[:-3]
        for name in os.listdir(modules_dir)
        if name.endswith('.py') and not name.startswith('_')
    }


def _group_entries():
    group = (_runtime().get('action_groups') or {}).get('openai')
    assert isinstance(group, list), 'meta/runtime.yml has no list action_groups.openai'
    # A group may start with a {'metadata': ...} mapping; only the names are modules.
    names = [entry for entry in group if isinstance(entry, str)]
    return [name[len(COLLECTION_PREFIX):] if name.startswith(COLLECTION_PREFIX) else name for name in names]


def test_requires_ansible():
    assert _runtime().get('requires_ansible') == '>=2.18.0'


def test_action_group_lists_every_module():
    missing = sorted(_modules() - set(_group_entries()))
    assert not missing, 'modules missing from action_groups.openai in meta/runtime.yml: %s' % ', '.join(missing)


def test_action_group_lists_only_existing_modules():
    unknown = sorted(set(_group_entries()) - _modules())
    assert not unknown, 'action_groups.openai lists modules that plugins/modules/ does not have: %s' % ', '.join(unknown)


def test_action_group_has_no_duplicates():
    entries = _group_entries()
    duplicates = sorted({name for name in entries if entries.count(name) > 1})
    assert not duplicates, 'action_groups.openai lists these modules more than once: %s' % ', '.join(duplicates)
