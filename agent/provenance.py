"""What produced a result row: the model (and its file's hash), the settings, Ponder's
version and git commit, and the seed — so a row can be reproduced or told apart.

``ponder run`` and ``ponder eval`` put a :class:`Provenance` in every row.
"""

from __future__ import annotations

import functools
import hashlib
import json
import subprocess
from pathlib import Path

from pydantic import BaseModel

from ponder.agent.settings import Settings

# Keys that say where things are kept, or hold secrets: they do not change a result.
_NOT_HASHED = {"api_key", "data_dir", "cache_dir"}
# Where checkpoints and traces go (the checkpoint URL holds a password): hashed as unset,
# so a digest stays the one rows recorded before had with these unset.
_HASHED_AS_UNSET = {"checkpoint_url": None, "otlp_endpoint": None}


class Provenance(BaseModel):
    model: str
    model_sha256: str | None = None  # the local model file's (None: a remote model)
    settings_sha256: str
    version: str
    commit: str | None = None  # the git commit of Ponder's source ("…-dirty" with edits)
    seed: int | None = None


def settings_digest(settings: Settings) -> str:
    """sha256 of the settings that can change a result (not paths, not secrets)."""
    data = {**settings.model_dump(mode="json", exclude=_NOT_HASHED), **_HASHED_AS_UNSET}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def model_digest(spec: str) -> str | None:
    """The sha256 of a local model: the catalog's pinned one, or a .gguf file's own
    (computed once per file). None for a remote model or a file that is not there."""
    spec = spec.strip()
    if spec.startswith("local:") and not spec.endswith(".gguf"):
        from ponder.agent.models.catalog import get_entry

        try:
            return get_entry(spec.removeprefix("local:")).sha256
        except Exception:
            return None
    if spec.endswith(".gguf"):
        path = Path(spec.removeprefix("local:")).expanduser()
        try:
            stat = path.stat()
        except OSError:
            return None
        return _file_digest(str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    return None


@functools.lru_cache(maxsize=16)
def _file_digest(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@functools.lru_cache(maxsize=1)
def source_commit() -> str | None:
    """The git commit Ponder's source is at (with ``-dirty`` when it has uncommitted
    changes), or None when it is not a git checkout (an installed wheel)."""
    root = Path(__file__).resolve().parents[1]

    def git(*args: str) -> str | None:
        try:
            out = subprocess.run(["git", "-C", str(root), *args], capture_output=True,
                                 text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return out.stdout.strip() if out.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if not commit:
        return None
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return f"{commit}-dirty" if dirty else commit


def provenance(settings: Settings, model: str | None = None) -> Provenance:
    """The provenance of rows made with ``settings`` (and ``model``, if it differs)."""
    from ponder import __version__

    spec = model or settings.model
    return Provenance(model=spec, model_sha256=model_digest(spec),
                      settings_sha256=settings_digest(settings), version=__version__,
                      commit=source_commit(), seed=settings.seed)
