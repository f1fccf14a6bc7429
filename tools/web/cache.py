"""A disk cache of searches and pages, so batch runs repeat and re-runs stay offline.

One SQLite file under ``settings.cache_dir``; entries expire after a TTL. Three modes:

* enabled (default) — read fresh entries, write new ones;
* ``bypass`` (the CLI's ``--no-cache``) — never read, but still write, so the next
  cached run sees the fresh result;
* disabled (``search.cache = false``) — neither read nor write.

Each call opens its own short connection, so the cache is safe to share between
threads and processes (WAL journal) and never needs closing.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

from ponder.agent.settings import Settings

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    stored REAL NOT NULL,
    PRIMARY KEY (kind, key)
)
"""


class WebCache:
    """Key-value store of JSON objects by ``(kind, key)`` with a time to live.

    SQLite errors (a read-only or corrupt file) make the cache act as a miss rather
    than fail the tool: a cache must never be the reason a run breaks.
    """

    def __init__(
        self,
        path: Path,
        *,
        ttl_seconds: float = 86_400.0,
        enabled: bool = True,
        bypass: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self.ttl_seconds = ttl_seconds
        self.enabled = enabled
        self.bypass = bypass
        self._clock = clock
        self._ready = False

    @classmethod
    def from_settings(cls, settings: Settings, *, bypass: bool = False) -> WebCache:
        """The cache at ``<cache_dir>/web.sqlite`` configured by ``settings.search``."""
        return cls(settings.cache_dir / "web.sqlite",
                   ttl_seconds=settings.search.cache_ttl_seconds,
                   enabled=settings.search.cache, bypass=bypass)

    def _connect(self) -> sqlite3.Connection:
        if not self._ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=5.0)
        if not self._ready:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(_SCHEMA)
            self._ready = True
        return connection

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        """The stored object if present and younger than the TTL, else ``None``."""
        if not self.enabled or self.bypass:
            return None
        try:
            with closing(self._connect()) as db:
                row = db.execute("SELECT value, stored FROM entries WHERE kind=? AND key=?",
                                 (kind, key)).fetchone()
            if row is None or self._clock() - float(row[1]) > self.ttl_seconds:
                return None
            value = json.loads(row[0])
        except (sqlite3.Error, OSError, ValueError):  # a key sqlite cannot encode, bad JSON
            return None
        return value if isinstance(value, dict) else None

    def put(self, kind: str, key: str, value: dict[str, Any]) -> None:
        """Store ``value`` (JSON-serialisable) under ``(kind, key)``, replacing any entry."""
        if not self.enabled:
            return
        try:
            with closing(self._connect()) as db, db:
                db.execute("INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?)",
                           (kind, key, json.dumps(value), self._clock()))
        except (sqlite3.Error, OSError, ValueError):
            return

    async def aget(self, kind: str, key: str) -> dict[str, Any] | None:
        """:meth:`get` in a thread (SQLite blocks; a server's event loop must not)."""
        return await asyncio.to_thread(self.get, kind, key)

    async def aput(self, kind: str, key: str, value: dict[str, Any]) -> None:
        """:meth:`put` in a thread."""
        await asyncio.to_thread(self.put, kind, key, value)

    def prune(self) -> int:
        """Delete expired entries; return how many went."""
        if not self.enabled:
            return 0
        cutoff = self._clock() - self.ttl_seconds
        try:
            with closing(self._connect()) as db, db:
                return db.execute("DELETE FROM entries WHERE stored < ?", (cutoff,)).rowcount
        except (sqlite3.Error, OSError):
            return 0
