# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A client closing its connection is not a server error: the server's log stays free of tracebacks.

A module's process ends with its kept-alive connection still open, and the kernel resets it while the server
waits for the next request line. socketserver prints a traceback for every such reset, which filled the log of
every run and hid real errors (the bridge's integration target checks its log has no traceback).
"""

from __future__ import annotations

import pytest


def _error_while_handling(server, error: BaseException) -> None:
    try:
        raise error
    except type(error):
        server.httpd.handle_error(None, ("127.0.0.1", 40000))


@pytest.mark.parametrize("error", [ConnectionResetError(104, "Connection reset by peer"), BrokenPipeError(32, "Broken pipe")])
def test_a_client_that_went_away_leaves_no_traceback(server, capsys, error) -> None:
    _error_while_handling(server, error)
    assert "Traceback" not in capsys.readouterr().err


def test_a_real_error_still_prints_its_traceback(server, capsys) -> None:
    _error_while_handling(server, ValueError("a bug in a handler"))
    err = capsys.readouterr().err
    assert "Traceback" in err and "a bug in a handler" in err
