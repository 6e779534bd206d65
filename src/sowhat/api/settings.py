"""What one running server needs: the workspace, its database, and the cookie secret.

`sowhat serve` cannot hand Python objects to uvicorn's worker (it imports the app by name,
which keeps the CLI from importing this package), so the settings travel in environment
variables and `ServerSettings.from_environment()` reads them back.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sowhat.errors import UserError

__all__ = ["ENV_SCHEDULE", "ENV_SECURE_COOKIES", "ENV_WORKSPACE", "ServerSettings"]

ENV_WORKSPACE = "SOWHAT_SERVE_WORKSPACE"
ENV_SECURE_COOKIES = "SOWHAT_SECURE_COOKIES"
ENV_SCHEDULE = "SOWHAT_SERVE_SCHEDULE"


@dataclass(frozen=True)
class ServerSettings:
    workspace: Path
    secure_cookies: bool = False  # set behind HTTPS so cookies never travel in clear text
    demo: bool = False
    schedule: bool = False  # run `[schedule]`'s jobs in a background thread (sowhat serve)

    @classmethod
    def from_environment(cls) -> ServerSettings:
        root = os.environ.get(ENV_WORKSPACE)
        if not root:
            raise UserError(
                f"{ENV_WORKSPACE} is not set",
                hint="start the server with `sowhat serve -w WORKSPACE`",
            )
        secure = os.environ.get(ENV_SECURE_COOKIES, "") in {"1", "true", "yes"}
        schedule = os.environ.get(ENV_SCHEDULE, "") in {"1", "true", "yes"}
        return cls(workspace=Path(root), secure_cookies=secure, schedule=schedule)
