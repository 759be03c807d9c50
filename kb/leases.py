"""Leases: a named piece of work held by one worker until an expiry.

`source:<id>` is held while a source is refreshed, `writer` by the resident
writer (`kb run`). Taking a lease is one conditional UPDATE (or an INSERT),
so two workers, in one process or in several, on SQLite or on a server
database, never both succeed. A lease lapses at its expiry, or at once when
its holder was a process on this machine that no longer runs (a killed
worker), so nothing waits for a dead one.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from kb.models import Lease, utcnow

HOST = socket.gethostname()


def new_holder() -> str:
    """A name for this worker: host, process id and a random part (threads of one process differ)."""
    return f"{HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def acquire(engine: Engine, name: str, holder: str, ttl: float) -> bool:
    """Take (or extend) the lease `name` for `holder` for `ttl` seconds; False when someone else holds it."""
    now = utcnow()
    expires = now + timedelta(seconds=ttl)
    try:
        with engine.begin() as conn:
            conn.execute(insert(Lease).values(name=name, holder=holder, expires_at=expires, acquired_at=now))
        return True
    except IntegrityError:
        pass  # held, or left behind: take it over only if it lapsed
    with engine.begin() as conn:
        row = conn.execute(select(col(Lease.holder), col(Lease.expires_at)).where(col(Lease.name) == name)).first()
        if row is None:
            return acquire(engine, name, holder, ttl)
        current, until = row
        if current != holder and not _lapsed(current, until, now):
            return False
        taken = conn.execute(
            update(Lease)
            .where(col(Lease.name) == name, col(Lease.holder) == current)
            .values(holder=holder, expires_at=expires, acquired_at=now)
        )
        return taken.rowcount == 1


def release(engine: Engine, name: str, holder: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(Lease).where(col(Lease.name) == name, col(Lease.holder) == holder))


def holder_of(engine: Engine, name: str) -> str | None:
    """Who holds `name` now (None when it is free or lapsed)."""
    with engine.connect() as conn:
        row = conn.execute(select(col(Lease.holder), col(Lease.expires_at)).where(col(Lease.name) == name)).first()
    if row is None or _lapsed(row[0], row[1], utcnow()):
        return None
    return str(row[0])


def _lapsed(holder: str, until: datetime, now: datetime) -> bool:
    return until <= now or _dead_here(holder)


def _dead_here(holder: str) -> bool:
    """True when `holder` names a process of this machine that no longer runs."""
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    return host == HOST and pid.isdigit() and not process_alive(int(pid))


def process_alive(pid: int) -> bool:
    """Whether process `pid` runs on this machine (one that is not ours to signal counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
