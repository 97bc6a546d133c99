# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Entry point for `python3 tools/assistants_server` (the directory) and `python3 -m assistants_server`."""

from __future__ import annotations

import os
import sys

if __package__ in (None, ""):
    # Run as a directory: sys.path[0] is this folder, whose module names could shadow the standard
    # library's; put its parent there instead so the package imports as `assistants_server`.
    _here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [entry for entry in sys.path if os.path.abspath(entry or os.curdir) != _here]
    sys.path.insert(0, os.path.dirname(_here))

from assistants_server.cli import main  # noqa: E402  pylint: disable=wrong-import-position

if __name__ == "__main__":
    sys.exit(main())
