# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The collection's version, as the client announces it.

Private to llmops.assistants: not a public API, it may change in any release.
Kept equal to galaxy.yml's version (a unit test checks it).
"""

from __future__ import annotations

COLLECTION_VERSION = "0.1.0"
USER_AGENT = f"llmops.assistants/{COLLECTION_VERSION} (Ansible collection)"
