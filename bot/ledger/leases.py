"""Several runners on one campaign in PostgreSQL: leases with heartbeats, claims, fencing, shared pace and stops.

Each run holds a lease: a row in `runners` whose `lease_until` its heartbeat pushes forward. The row's id is the
runner's fencing token: a run that starts again gets a new one. Work is claimed with `FOR UPDATE SKIP LOCKED`
in short transactions (`items.runner_id`), so no citizen is held by two live runners. Every state change a runner
writes is fenced (`check_fence`, in the change's own transaction): the lease holds, the rows are of the lease's
campaign and they are this runner's claim, so a runner that was paused past its lease records nothing more. When
a lease runs out, any runner turns that runner's `sending` rows into `in_doubt` (reconciled in Alla ärenden before
a retry) and takes over its claims. All times are the database's clock, the one clock every machine shares.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import structlog

from bot.errors import EXIT_INTERRUPTED
from bot.ledger.model import ITEM_COLUMNS, Item, LedgerError

log = structlog.get_logger("utskick.ledger.leases")
DEFAULT_LEASE_S = 60.0
PROGRESS_WRITE_S = 1.0  # progress beats closer than this are folded into the next one
LIVE = "r.state = 'active' AND r.lease_until > clock_timestamp()"
_HELD_ELSEWHERE = f"EXISTS (SELECT 1 FROM runners r WHERE r.id = items.runner_id AND r.id <> %s AND {LIVE})"


class LeaseLost(LedgerError):
    """This runner's lease ran out (paused, cut off from the database): it must not record another send."""

    exit_code = EXIT_INTERRUPTED


class RunnerLease:
    """A live runner's lease: its id (the fencing token), its heartbeat, and whether it was lost."""

    def __init__(self, runner_id: int, campaign_key: str, lease_s: float, connect: Any, started_at: Any) -> None:
        self.runner_id = runner_id
        self.campaign_key = campaign_key
        self.lease_s = lease_s
        self.heartbeat_s = lease_s / 3
        self.started_at = started_at
        self.lost = threading.Event()
        self.path = f"runners/{runner_id}"
        self._connect = connect
        self._guard = threading.Lock()
        self._last_write = 0.0
        self._progress: dict[str, int] = {}

    def heartbeat(self, done: int | None = None, total: int | None = None, sent: int | None = None) -> None:
        """Push the lease forward and store the progress; a lease that already ran out is lost for good."""
        with self._guard:
            for name, value in (("done", done), ("total", total), ("sent", sent)):
                if value is not None:
                    self._progress[name] = value
            progress_only = done is not None and total is None and sent is None
            if progress_only and time.monotonic() - self._last_write < PROGRESS_WRITE_S:
                return
            self._last_write = time.monotonic()
            progress = dict(self._progress)
        if self.lost.is_set():
            return
        cur = self._connect().execute(
            "UPDATE runners SET heartbeat_at = clock_timestamp(),"
            " lease_until = clock_timestamp() + make_interval(secs => %s),"
            " done = coalesce(%s, done), total = coalesce(%s, total), sent = coalesce(%s, sent)"
            " WHERE id = %s AND state = 'active' AND lease_until > clock_timestamp()",
            (self.lease_s, progress.get("done"), progress.get("total"), progress.get("sent"), self.runner_id),
        )
        if cur.rowcount != 1:
            self.lost.set()
            log.error("lease_lost", runner=self.runner_id)

    def release(self, conn: Any) -> None:
        """End the lease: free this runner's open claims (its `sending` rows are left for recovery); one statement,
        so it is atomic and may be repeated after a broken connection."""
        conn.execute(
            "WITH freed AS (UPDATE items SET runner_id = NULL WHERE runner_id = %s"
            " AND state IN ('pending', 'in_doubt'))"
            " UPDATE runners SET state = CASE WHEN state = 'active' THEN 'ended' ELSE state END,"
            " ended_at = clock_timestamp() WHERE id = %s",
            (self.runner_id, self.runner_id),
        )


def acquire(connect: Any, campaign_key: str, run_id: str, hsa_id: str, lease_s: float) -> RunnerLease:
    """Register this process as a runner of the campaign and return its lease (`connect`: this thread's connection)."""
    if lease_s <= 0:
        raise ValueError("a lease needs a positive length")
    row = (
        connect()
        .execute(
            "INSERT INTO runners (campaign_key, run_id, host, hsa_id, pid, lease_until)"
            " VALUES (%s, %s, %s, %s, %s, clock_timestamp() + make_interval(secs => %s)) RETURNING id, started_at",
            (campaign_key, run_id, socket.gethostname(), hsa_id, os.getpid(), lease_s),
        )
        .fetchone()
    )
    log.info("lease_acquired", runner=row[0], lease_s=lease_s)
    return RunnerLease(row[0], campaign_key, lease_s, connect, row[1])


@dataclass(frozen=True)
class Fence:
    """What a runner's state change is checked against: its lease; `takeover` for the rows of runners whose lease
    ran out, which a new run puts in doubt (`orphaned_sending`) before it claims them."""

    lease: RunnerLease
    takeover: bool = False


def check_fence(fence: Fence, live: bool, rows: Sequence[tuple[int, str, str, int | None]]) -> None:
    """Inside the change's transaction, on the rows it locked (id, state, campaign, runner): raise LeaseLost, and
    stop this runner, unless its lease holds and every row is of its campaign and its claim."""
    lease = fence.lease
    why = None
    if not live:
        why = (
            f"Körningens lease (löpare {lease.runner_id}) har gått ut: en annan körning kan ha tagit över dess "
            "invånare. Inget mer skickas eller skrivs härifrån; kör samma kommando igen."
        )
    elif stray := sorted(row[0] for row in rows if row[2] != lease.campaign_key):
        why = f"Raden {stray[0]} hör till en annan kampanj än körningens lease: den skrivs inte härifrån."
    elif not fence.takeover and (strays := sorted((row[0], row[3]) for row in rows if row[3] != lease.runner_id)):
        item_id, holder = strays[0]
        whose = "ingen körning har tagit den" if holder is None else "en annan körning håller den"
        why = f"Raden {item_id} är inte den här körningens ({whose}): den skrivs inte härifrån."
    if why is not None:
        lease.lost.set()
        log.error("fenced_write_refused", runner=lease.runner_id, lease_held=live)
        raise LeaseLost(why)


def _own_campaign(lease: RunnerLease, campaign_key: str) -> None:
    if campaign_key != lease.campaign_key:
        lease.lost.set()
        raise LeaseLost("Körningens lease gäller en annan kampanj: inga rader tas härifrån.")


def _still_live(conn: Any, lease: RunnerLease) -> None:
    """Nothing was free to claim: make sure that is not because this runner's lease ran out."""
    live = conn.execute(f"SELECT count(*) FROM runners r WHERE r.id = %s AND {LIVE}", (lease.runner_id,)).fetchone()
    if not live[0]:
        lease.lost.set()
        raise LeaseLost(
            f"Körningens lease (löpare {lease.runner_id}) har gått ut: inga fler invånare tas härifrån; "
            "kör samma kommando igen."
        )


def claim(conn: Any, lease: RunnerLease, campaign_key: str, state: str, limit: int) -> list[Item]:
    """Take up to `limit` rows in `state` that are free or held by a runner whose lease ran out, oldest first."""
    if state not in ("pending", "in_doubt"):
        raise ValueError(f"only pending and in_doubt rows are claimed, not {state!r}")
    _own_campaign(lease, campaign_key)
    me = lease.runner_id
    rows = conn.execute(  # one statement: atomic on its own, so no transaction round trips
        f"WITH free AS ({_free_rows(me)}) {_TAKE}", (campaign_key, state, me, me, limit, me)
    ).fetchall()
    if not rows:
        _still_live(conn, lease)
    return sorted((Item(*row) for row in rows), key=lambda item: item.id)


def claim_open(conn: Any, lease: RunnerLease, campaign_key: str, limit: int) -> list[Item]:
    """`claim` of in-doubt rows or, when none is free, of pending ones, in one statement (one round trip)."""
    _own_campaign(lease, campaign_key)
    me = lease.runner_id
    doubt = _free_rows(me)
    pending = _free_rows(me, "NOT EXISTS (SELECT 1 FROM doubt) AND ")  # a one-time test: none locked
    rows = conn.execute(
        f"WITH doubt AS ({doubt}), pending AS ({pending}),"
        f" free AS (SELECT id FROM doubt UNION ALL SELECT id FROM pending) {_TAKE}",
        (campaign_key, "in_doubt", me, me, limit, campaign_key, "pending", me, me, limit, me),
    ).fetchall()
    if not rows:
        _still_live(conn, lease)
    return sorted((Item(*row) for row in rows), key=lambda item: item.id)


# The rows of a campaign in a state that no live runner but this one holds, locked for this statement, and none
# while this runner's own lease does not hold; parameters (campaign, state, me, me, limit).
_FREE_ROWS = (
    "SELECT id FROM items WHERE {gate}EXISTS (SELECT 1 FROM runners r WHERE r.id = {me} AND " + LIVE + ")"
    " AND campaign_key = %s AND state = %s AND (runner_id IS NULL"
    " OR (runner_id <> %s AND NOT " + _HELD_ELSEWHERE + ")) ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED"
)


def _free_rows(me: int, gate: str = "") -> str:
    return _FREE_ROWS.format(gate=gate, me=int(me))


# The rows of `free` become this runner's (parameter: me).
_TAKE = "UPDATE items SET runner_id = %s FROM free WHERE items.id = free.id RETURNING " + ", ".join(
    f"items.{c}" for c in ITEM_COLUMNS.split(", ")
)


def shared_preflight(
    connect: Any, lease: RunnerLease, fingerprint: str, make: Any, stop: threading.Event, poll_s: float
) -> tuple[str, bool] | None:
    """One preflight per campaign and delivery among live runners: make it when no live runner has made it or is
    making it, else wait for that one and reuse its preview. (preview, made here), or None when the run stops."""
    key = (lease.campaign_key, fingerprint)
    take = (
        "INSERT INTO preflights (campaign_key, fingerprint, state, runner_id) VALUES (%s, %s, 'running', %s)"
        " ON CONFLICT (campaign_key, fingerprint) DO UPDATE SET state = 'running',"
        " runner_id = EXCLUDED.runner_id, preview_text = '', updated_at = clock_timestamp()"
        " WHERE preflights.state = 'failed' OR preflights.runner_id = EXCLUDED.runner_id OR NOT EXISTS"
        f" (SELECT 1 FROM runners r WHERE r.id = preflights.runner_id AND {LIVE}) RETURNING 1"
    )
    read = "SELECT state, preview_text FROM preflights WHERE campaign_key = %s AND fingerprint = %s"
    while True:
        mine = connect().execute(take, (*key, lease.runner_id)).fetchone()
        if mine is not None:
            return _make_preflight(connect, lease, key, make), True
        state, preview = connect().execute(read, key).fetchone()
        if state == "passed":
            return preview, False
        if stop.wait(poll_s):
            return None


def _make_preflight(connect: Any, lease: RunnerLease, key: tuple[str, str], make: Any) -> str:
    where = " WHERE campaign_key = %s AND fingerprint = %s AND runner_id = %s"
    try:
        preview = make()
    except BaseException:
        failed = f"UPDATE preflights SET state = 'failed', updated_at = clock_timestamp(){where}"
        connect().execute(failed, (*key, lease.runner_id))
        raise
    connect().execute(
        f"UPDATE preflights SET state = 'passed', preview_text = %s, updated_at = clock_timestamp(){where}",
        (preview, *key, lease.runner_id),
    )
    return preview


def orphaned_sending(conn: Any, campaign_key: str) -> list[int]:
    """Expire runners whose lease ran out; return the `sending` rows no live runner holds (for `in_doubt`)."""
    expired = conn.execute(
        "UPDATE runners SET state = 'expired' WHERE campaign_key = %s AND state = 'active'"
        " AND lease_until <= clock_timestamp() RETURNING id",
        (campaign_key,),
    ).fetchall()
    for (runner_id,) in expired:
        log.warning("lease_expired", runner=runner_id)
    rows = conn.execute(
        "SELECT id FROM items WHERE campaign_key = %s AND state = 'sending' AND NOT EXISTS"
        f" (SELECT 1 FROM runners r WHERE r.id = items.runner_id AND {LIVE}) ORDER BY id FOR UPDATE",
        (campaign_key,),
    ).fetchall()
    return [i for (i,) in rows]


def open_elsewhere(conn: Any, lease: RunnerLease | None, campaign_key: str) -> int:
    """Open rows (pending, sending, in doubt) held by another runner whose lease still holds."""
    me = lease.runner_id if lease else -1
    return conn.execute(
        "SELECT count(*) FROM items WHERE campaign_key = %s AND state IN ('pending', 'sending', 'in_doubt')"
        f" AND {_HELD_ELSEWHERE}",
        (campaign_key, me),
    ).fetchone()[0]


def pace(conn: Any, campaign_key: str, interval_s: float) -> float:
    """Reserve the campaign's next send slot, `interval_s` after the previous one; seconds to wait for it."""
    conn.execute(
        "INSERT INTO pacing (campaign_key, next_at) VALUES (%s, clock_timestamp()) ON CONFLICT DO NOTHING",
        (campaign_key,),
    )
    waited = conn.execute(
        "WITH now AS (SELECT clock_timestamp() AS t)"
        " UPDATE pacing SET next_at = greatest(next_at, now.t) + make_interval(secs => %s) FROM now"
        " WHERE campaign_key = %s RETURNING extract(epoch FROM greatest(next_at - make_interval(secs => %s) - now.t,"
        " interval '0'))",
        (interval_s, campaign_key, interval_s),
    ).fetchone()[0]
    return float(waited)  # extract() is numeric: a Decimal, which threading's waits refuse


def record_stop(conn: Any, lease: RunnerLease, reason: str) -> None:
    """A circuit breaker stopped this runner: every runner of the campaign that started before now stops too."""
    conn.execute(
        "INSERT INTO campaign_stops (campaign_key, runner_id, reason) VALUES (%s, %s, %s)",
        (lease.campaign_key, lease.runner_id, reason),
    )


def stop_seen(conn: Any, lease: RunnerLease) -> str | None:
    """The reason of a stop another runner recorded after this one started, if any."""
    row = conn.execute(
        "SELECT s.reason, r.host FROM campaign_stops s LEFT JOIN runners r ON r.id = s.runner_id"
        " WHERE s.campaign_key = %s AND s.at >= %s AND s.runner_id <> %s ORDER BY s.id LIMIT 1",
        (lease.campaign_key, lease.started_at, lease.runner_id),
    ).fetchone()
    return None if row is None else f"{row[0]} (körningen på {row[1] or 'okänd dator'})"


@dataclass(frozen=True)
class RunnerNote:
    """One runner as `status` shows it."""

    runner_id: int
    run_id: str
    host: str
    hsa_id: str
    pid: int
    started_at: str
    heartbeat_at: str
    state: str
    live: bool
    done: int
    total: int | None
    sent: int


def runners(conn: Any, campaign_key: str) -> list[RunnerNote]:
    """Every runner the campaign has had, newest first, with whether its lease still holds."""
    rows = conn.execute(
        "SELECT r.id, r.run_id, r.host, r.hsa_id, r.pid, r.started_at, r.heartbeat_at, r.state,"
        f" ({LIVE}) AS live, r.done, r.total, (SELECT count(*) FROM events e WHERE e.campaign_key = r.campaign_key"
        " AND e.run_id = r.run_id AND e.event IN ('sent', 'resolved_as_sent'))"
        " FROM runners r WHERE r.campaign_key = %s ORDER BY r.id DESC",
        (campaign_key,),
    ).fetchall()
    return [RunnerNote(row[0], row[1], row[2], row[3], row[4], _iso(row[5]), _iso(row[6]), *row[7:]) for row in rows]


def _iso(moment: Any) -> str:
    return moment.astimezone().isoformat() if moment is not None else ""
