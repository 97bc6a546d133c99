# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The base class of openai_run and openai_thread_run: their shared checks and the engine they call.

Private to llmops.assistants: not a public API, it may change in any release.
"""

from __future__ import annotations

from ._module import AssistantsModule
from ._options import OptionError, check_metadata, check_run_options
from ._runs import RunEngine


class RunModule(AssistantsModule):
    _engine: RunEngine | None = None

    @property
    def engine(self) -> RunEngine:
        if self._engine is None:
            self._engine = RunEngine(self.client, self.params, check_mode=self.module.check_mode, warn=self.module.warn)
        return self._engine

    def validate(self) -> None:
        super().validate()
        params = self.params
        check_run_options(params)
        check_metadata(params.get("metadata"), reserved=1)
        if params["state"] == "present" and not params.get("run_id") and not params.get("assistant_id"):
            raise OptionError("assistant_id is required to create a run (or give run_id to manage an existing run).")
        if params["state"] == "absent" and params.get("tool_outputs"):
            raise OptionError("tool_outputs cannot be used with state=absent.")
        if params["state"] == "absent" and self.run_id_needed_for_absent():
            self.check_run_identity()
        if not params.get("run_id"):
            # Builds the request body once, so every tool, message and format is checked before any request.
            self.engine.run_payload()

    def run_id_needed_for_absent(self) -> bool:
        return True

    def check_run_identity(self) -> None:
        """state=absent must be able to find the run: by run_id, by its key, or by the options that made it."""
        params = self.params
        if not (params.get("run_id") or params.get("assistant_id") or params.get("idempotency_key")):
            raise OptionError(
                "state=absent needs run_id, idempotency_key, or the options that created the run (assistant_id and the rest)."
            )
