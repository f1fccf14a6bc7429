"""make_sandbox: the sandbox ``settings.sandbox.kind`` asks for, not started yet."""

from __future__ import annotations

import uuid
from pathlib import Path

from ponder.agent.errors import ConfigError
from ponder.agent.settings import Settings
from ponder.sandbox.docker import DockerSandbox
from ponder.sandbox.local import LocalSandbox
from ponder.sandbox.protocol import Sandbox


def artifact_dir_for(settings: Settings, session: str | None = None) -> Path:
    """Where a session's images and plots are saved: ``<data_dir>/artifacts/<session>``."""
    return settings.data_dir / "artifacts" / (session or uuid.uuid4().hex[:12])


def make_sandbox(
    settings: Settings | None = None,
    *,
    session: str | None = None,
    artifact_dir: Path | None = None,
) -> Sandbox:
    """Build (without starting) the sandbox ``settings.sandbox.kind`` names.

    ``docker`` gives a :class:`DockerSandbox`, ``local`` an unsafe :class:`LocalSandbox`.
    Raises ConfigError for ``none`` (no code execution was configured).
    """
    settings = settings or Settings()
    where = artifact_dir or artifact_dir_for(settings, session)
    kind = settings.sandbox.kind
    if kind == "docker":
        return DockerSandbox.from_settings(settings, artifact_dir=where)
    if kind == "local":
        return LocalSandbox.from_settings(settings, artifact_dir=where)
    raise ConfigError("sandbox.kind", "is 'none': code execution is switched off")
