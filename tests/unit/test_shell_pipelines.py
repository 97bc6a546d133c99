# Copyright: llmops.assistants contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""No shell script of the project pipes into a reader that may stop reading early.

Under ``set -o pipefail`` a pipeline such as ``ansible --version | head -1`` fails whenever ``head`` closes the
pipe before the writer has finished: the writer dies of SIGPIPE (ansible exits 250), so ``make demo`` failed about
one run in three. ``grep -q`` and ``grep -m`` stop early the same way. This test reads every script and fails on
such a pipeline, so the race cannot come back.
"""

from __future__ import annotations

import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SKIP_DIRS = {'.git', '.venv', '.build', 'output', 'node_modules', '__pycache__'}
# A pipe (not ||) followed by a reader that may exit before its input ends.
EARLY_READER = re.compile(r'(?<![|])\|\s*(head\b|grep\s+(-\w*[qm]\w*\b|--quiet|--max-count)|sed\s+-n\s+\S*q)')


def _scripts():
    for top, dirs, files in os.walk(ROOT):
        dirs[:] = [name for name in dirs if name not in SKIP_DIRS]
        for name in files:
            if name.endswith('.sh'):
                yield os.path.join(top, name)


def early_readers(text: str) -> list[str]:
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        code = line.split(' #', 1)[0]
        if code.lstrip().startswith('#'):
            continue
        if EARLY_READER.search(code):
            found.append(f'{number}: {line.strip()}')
    return found


def test_the_pattern_catches_the_demo_race():
    assert early_readers('"$VENV/bin/ansible" --version | head -1')
    assert early_readers("tr '\\0' ' ' < f | grep -q assistants_server")
    assert not early_readers('cmd || head_of_queue')
    assert not early_readers('# a comment about | head -1')


def test_no_script_pipes_into_an_early_reader():
    scripts = list(_scripts())
    assert any(path.endswith(os.path.join('tools', 'demo.sh')) for path in scripts)
    offenders = {}
    for path in scripts:
        with open(path, encoding='utf-8') as handle:
            found = early_readers(handle.read())
        if found:
            offenders[os.path.relpath(path, ROOT)] = found
    assert not offenders, f'pipelines that can die of SIGPIPE under pipefail: {offenders}'
