"""The embedded checkpoint store (SQLite): open it, recognise damage, move a damaged file
aside (kept, never deleted) so a fresh one can start.

Damage is reported where it is met, per operation: a damaged file header stops every
thread, but a damaged record of one thread stops only that thread; other threads and new
ones go on working.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import Any

from ponder.agent.errors import ConfigError, PonderRuntimeError, UserError

# What SQLite and LangGraph's serde raise for a file or a record that is not what it
# should be (a torn write, a disk error, a file overwritten by something else).
DAMAGE = (sqlite3.DatabaseError, ValueError, TypeError, KeyError, EOFError)


class CheckpointStoreError(PonderRuntimeError):
    """The checkpoint database, or one thread's records in it, cannot be read. The
    message names the file and the way out."""

    def __init__(self, path: Path, cause: BaseException, *, thread_id: str | None = None) -> None:
        self.path = path
        self.thread_id = thread_id
        # SQLite's OperationalError is the file being in use, unreachable or full, not
        # damage: nothing to move aside (a database another process holds is healthy).
        self.damaged = not isinstance(cause, sqlite3.OperationalError)
        reason = f"{type(cause).__name__}: {(str(cause).splitlines() or [''])[0][:160]}"
        if not self.damaged:
            message = (f"the checkpoint database {path} cannot be used now ({reason}): "
                       "another process may be holding it (a running ponder, an sqlite3 "
                       "shell), or the file or its folder is not writable, or the disk is "
                       "full. Nothing was changed; try again, or set PONDER_DATA_DIR to use "
                       "another folder")
        elif thread_id is None:
            message = (f"the checkpoint database {path} is damaged ({reason}). Move it aside "
                       "and start fresh with 'ponder checkpoints reset' (the file is kept "
                       "next to it), or set PONDER_DATA_DIR to use another folder")
        else:
            message = (f"thread {thread_id!r} in the checkpoint database {path} cannot be "
                       f"read ({reason}). Other threads are unaffected: run without "
                       "--thread (or with a new id) to start fresh, or move the whole file "
                       "aside with 'ponder checkpoints reset'")
        super().__init__(message, operation="checkpoint", retryable=False)


def is_damage(exc: BaseException) -> bool:
    """Whether ``exc`` means stored data is unreadable (as opposed to a bug or a cancel)."""
    return isinstance(exc, DAMAGE)


def move_aside(path: Path, *, now: dt.datetime | None = None) -> Path | None:
    """Rename ``path`` (and its ``-wal``/``-shm`` companions) to
    ``<name>.damaged-<UTC timestamp>``; returns the new path, or None when there was no
    file. Nothing is deleted."""
    if not path.exists():
        return None
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        src = Path(f"{path}{suffix}")
        if src.exists():
            src.rename(Path(f"{target}{suffix}"))
    return target


def check_header(path: Path) -> None:
    """Raise CheckpointStoreError when ``path`` exists but is not an SQLite database at all
    (a cheap check of the file header and schema, not of every page)."""
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        with closing(sqlite3.connect(str(path))) as conn:
            conn.execute("SELECT name FROM sqlite_master LIMIT 1").fetchall()
    except sqlite3.DatabaseError as exc:
        raise CheckpointStoreError(path, exc) from exc


_SECRET_PARAM = re.compile(r"(?i)^(password|passwd|pwd|token|secret|api[-_]?key|key|"
                           r"access[-_]?token|auth)$")


def masked_url(url: str) -> str:
    """A URL with its password hidden (for messages): the one before the ``@`` and any
    query parameter that carries one (``?password=…``, ``?token=…``)."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is not None:
        netloc = parts.netloc.replace(f":{parts.password}@", ":****@", 1)
        parts = parts._replace(netloc=netloc)
    if parts.query:
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        if any(_SECRET_PARAM.match(k) for k, _ in pairs):
            query = urlencode([(k, "****" if _SECRET_PARAM.match(k) else v) for k, v in pairs],
                              safe="*")
            parts = parts._replace(query=query)
    return urlunsplit(parts)


async def open_postgres(url: str) -> tuple[Any, Any]:
    """A connection to ``url`` and an AsyncPostgresSaver on it, its tables created if
    missing. Raises UserError when the extra is missing, PonderRuntimeError when the
    server cannot be reached or stays locked."""
    if not url.startswith(("postgresql://", "postgres://")):
        raise ConfigError("checkpoint_url", "must start with postgresql://")
    try:
        from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
        from psycopg import AsyncConnection
        from psycopg.rows import dict_row
    except ImportError:
        raise UserError("PostgreSQL checkpoints need langgraph-checkpoint-postgres and "
                        "psycopg: pip install 'ponder[postgres]'") from None
    try:
        conn = await AsyncConnection.connect(url, autocommit=True, prepare_threshold=0,
                                             row_factory=dict_row)
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [""])[0]
        # The server down or refusing: something outside Ponder (exit 1), as for a model
        # endpoint that cannot be reached.
        raise PonderRuntimeError(f"cannot reach the checkpoint database {masked_url(url)}: "
                                 f"{first}", operation="checkpoints", retryable=True) from None
    saver = AsyncPostgresSaver(conn)  # type: ignore[arg-type]
    # Creates or migrates the tables. Several processes may start at once (a batch with
    # workers): a session-level advisory lock lets one of them do it at a time. It is
    # polled, not waited for: a waiting statement is an open transaction, and the
    # migrations' CREATE INDEX CONCURRENTLY would wait for it — a deadlock.
    deadline = time.monotonic() + 120
    while not (await (await conn.execute("SELECT pg_try_advisory_lock(7305) AS ok"))
               .fetchone() or {}).get("ok"):
        if time.monotonic() > deadline:
            raise PonderRuntimeError(f"the checkpoint database {masked_url(url)} stayed "
                                     "locked by another process setting it up",
                                     operation="checkpoints", retryable=True)
        await asyncio.sleep(0.1)
    try:
        await saver.setup()
    finally:
        await conn.execute("SELECT pg_advisory_unlock(7305)")
    return conn, saver
