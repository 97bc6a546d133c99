#!/usr/bin/env python
# Copyright: llmops.assistants contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write offline stand-ins for the pip bootstrap scripts that ansible-test downloads.

``ansible-test ... --venv`` (and every sanity test that needs its own virtual environment) bootstraps
pip into an empty venv with a ``get-pip.py`` script that it downloads from a host this CI cannot
reach, unless the script is already cached at ``~/.ansible/test/cache/get_pip_<X_Y>.py``.

This tool reads the pip version(s) the installed ansible-test wants from its own source, downloads
that pip wheel from the package index with pip, and writes a cache file that embeds the wheel and
behaves like the real ``get-pip.py``: it installs pip from the embedded wheel, with no network.

ansible-test runs the cached file through ``quiet_pip.py`` with ``runpy.run_module(..., run_name='__main__')``
and the arguments ``--disable-pip-version-check pip==X [--no-setuptools] [--no-wheel]``.

Usage: make_get_pip.py PYTHON_OF_THE_ANSIBLE_CORE_VENV [CACHE_DIR]
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
import tempfile

TEMPLATE = '''#!/usr/bin/env python
"""Offline get-pip.py stand-in for pip %(version)s, written by tools/ci/make_get_pip.py."""
import base64
import os
import shutil
import sys
import tempfile

WHEEL_NAME = %(wheel_name)r
WHEEL_DATA = """
%(wheel_data)s
"""


def main():
    """Install pip from the embedded wheel, without any index."""
    tmp = tempfile.mkdtemp(prefix='get-pip-offline-')
    try:
        wheel = os.path.join(tmp, WHEEL_NAME)
        with open(wheel, 'wb') as handle:
            handle.write(base64.b64decode(WHEEL_DATA))
        sys.path.insert(0, wheel)
        from pip._internal.cli.main import main as pip_main  # pylint: disable=import-outside-toplevel
        # setuptools and wheel are never installed by this stand-in, so those flags mean nothing here.
        args = [arg for arg in sys.argv[1:] if arg not in ('--no-setuptools', '--no-wheel')]
        return pip_main(['install', '--upgrade', '--force-reinstall', '--no-index', '--find-links', tmp] + args)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
'''


def wanted_pip_versions(python):
    """Return the pip versions the ansible-test installed for ``python`` bootstraps into its venvs."""
    source_path = subprocess.check_output(
        [python, '-c', 'import os, ansible_test; print(os.path.dirname(ansible_test.__file__))'],
        text=True,
    ).strip()
    source_path = os.path.join(source_path, '_internal', 'python_requirements.py')
    with open(source_path, encoding='utf-8') as handle:
        source = handle.read()
    match = re.search(r'^def get_venv_packages\(.*?(?=^def )', source, re.S | re.M)
    if not match:
        raise SystemExit('make_get_pip: get_venv_packages() not found in %s; ansible-test changed, update this tool' % source_path)
    versions = sorted(set(re.findall(r'''\bpip\s*[=:]\s*['"]([0-9][0-9.]*)['"]''', match.group(0))))
    if not versions:
        raise SystemExit('make_get_pip: no pip version found in get_venv_packages() of %s' % source_path)
    return versions


def write_bootstrap(python, version, cache_dir):
    """Download pip ``version`` as a wheel and write the cache file ansible-test looks for."""
    target = os.path.join(cache_dir, 'get_pip_%s.py' % version.replace('.', '_'))
    with tempfile.TemporaryDirectory(prefix='make-get-pip-') as download_dir:
        subprocess.check_call(
            [python, '-m', 'pip', 'download', '--quiet', '--no-deps', '--only-binary', ':all:',
             '--dest', download_dir, 'pip==%s' % version],
        )
        wheels = [name for name in os.listdir(download_dir) if name.endswith('.whl')]
        if len(wheels) != 1:
            raise SystemExit('make_get_pip: expected one pip wheel, got %r' % wheels)
        with open(os.path.join(download_dir, wheels[0]), 'rb') as handle:
            data = base64.b64encode(handle.read()).decode('ascii')
    lines = '\n'.join(data[i:i + 100] for i in range(0, len(data), 100))
    content = TEMPLATE % dict(version=version, wheel_name=wheels[0], wheel_data=lines)
    os.makedirs(cache_dir, exist_ok=True)
    temp_path = target + '.tmp'
    with open(temp_path, 'w', encoding='utf-8') as handle:
        handle.write(content)
    os.replace(temp_path, target)
    print('make_get_pip: pip %s bootstrap written to %s (from %s)' % (version, target, wheels[0]))


def main():
    """Entry point."""
    if len(sys.argv) not in (2, 3):
        raise SystemExit(__doc__)
    python = sys.argv[1]
    cache_dir = sys.argv[2] if len(sys.argv) == 3 else os.path.expanduser('~/.ansible/test/cache')
    for version in wanted_pip_versions(python):
        write_bootstrap(python, version, cache_dir)


if __name__ == '__main__':
    main()
