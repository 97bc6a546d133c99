# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A local server speaking the OpenAI Assistants API v2, standard library only.

Run it with `python3 tools/assistants_server --port 0`, or in-process:

    from assistants_server import start_server
    with start_server(run_seconds=0.2) as server:
        ...  # server.url ends in /v1; server.base is the same without it
"""

from __future__ import annotations

from assistants_server.app import Options
from assistants_server.server import ServerHandle, start_server

__all__ = ["Options", "ServerHandle", "start_server"]
