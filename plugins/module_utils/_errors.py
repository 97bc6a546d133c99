# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""How a task fails: a bad option, a failed request, a task-level failure with a partial result, a wrong api_base.

Private to llmops.assistants: not a public API, it may change in any release.
Nothing here imports Ansible, so the client and the engines can be used (and tested) without it;
AssistantsModule.execute (in _module.py) turns each into the task's failure.
"""

from __future__ import annotations

import typing as t


class OptionError(ValueError):
    """A value the user gave cannot be sent; the message names the option. Raised before any request."""


class TaskFailed(Exception):
    """Stop the task as failed, with a message and whatever the result already holds (changed, ids, ...)."""

    def __init__(self, message: str, **result: t.Any) -> None:
        super().__init__(message)
        self.message = message
        self.result = result


class ApiError(Exception):
    """A request failed: HTTP status, the API's own error fields, and what was asked."""

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        path: str = "",
        status: int | None = None,
        error_type: str | None = None,
        code: str | None = None,
        param: str | None = None,
        transient: bool = False,
        maybe_applied: bool = False,
        still_pending: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.path = path
        self.status = status
        self.error_type = error_type
        self.code = code
        self.param = param
        # Worth sending again (429, 5xx, a reset or timeout); Client retries these with backoff.
        self.transient = transient
        # The server may have applied the request before it failed; a create is then looked up, not re-sent.
        self.maybe_applied = maybe_applied
        # No answer came in time: the server may still be working on the request and apply it later.
        self.still_pending = still_pending
        self.retry_after = retry_after

    def __str__(self) -> str:
        where = f"{self.method} {self.path}".strip()
        status = f"HTTP {self.status}" if self.status is not None else "no response"
        kind = "/".join(str(part) for part in (self.error_type, self.code) if part)
        detail = f"{status}, {kind}" if kind else status
        return f"{where} failed ({detail}): {self.message}" if where else f"{self.message} ({detail})"

    def to_dict(self) -> dict[str, t.Any]:
        return {
            "status": self.status,
            "type": self.error_type,
            "code": self.code,
            "param": self.param,
            "message": self.message,
            "method": self.method,
            "path": self.path,
        }


class NoApiAtBase(Exception):
    """api_base answered a request with the 404 a server gives for a path it has no route for.

    Not an ApiError, so that no handler takes it for a missing object ("gone"): every task fails with it.
    """

    def __init__(self, message: str, error: ApiError) -> None:
        super().__init__(message)
        self.message = message
        self.error = error
