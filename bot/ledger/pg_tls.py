"""A warning, once per process and database, when a PostgreSQL ledger on another host is reached without TLS.

Local means the loopback names and addresses or a unix socket (no host, or a host that is a folder). TLS means
`sslmode` require, verify-ca or verify-full, in the URL's query or in PGSSLMODE.
"""

from __future__ import annotations

import os
import sys
import threading
from urllib.parse import parse_qsl, urlsplit

import structlog

from bot.ledger.target import PostgresTarget

log = structlog.get_logger("utskick.ledger.tls")

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
TLS_MODES = frozenset({"require", "verify-ca", "verify-full"})
_warned: set[str] = set()
_lock = threading.Lock()


def without_tls(url: str, environ: dict[str, str] | None = None) -> str | None:
    """The remote host `url` reaches without TLS, or None (a local server, or TLS required)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    hosts = [h.strip() for h in (query.get("host") or parts.hostname or "").split(",") if h.strip()]
    remote = [h for h in hosts if h.lower().strip("[]") not in LOCAL_HOSTS and not h.startswith("/")]
    sslmode = (query.get("sslmode") or (os.environ if environ is None else environ).get("PGSSLMODE", "")).lower()
    if not remote or sslmode in TLS_MODES:
        return None
    return remote[0]


def warn_without_tls(target: PostgresTarget) -> bool:
    """Warn (a Swedish line on stderr and a log event) the first time this process uses `target` without TLS."""
    host = without_tls(target.url)
    if host is None:
        return False
    with _lock:
        if target.url in _warned:
            return False
        _warned.add(target.url)
    log.warning("ledger_without_tls", host=host, ledger=str(target))
    print(
        f"Varning: liggaren {target} ligger på en annan dator ({host}) och nås utan kryptering (TLS). "
        "Lösenord och personnummer går okrypterade över nätverket. Lägg till ?sslmode=verify-full "
        "(eller sslmode=require) i paths.ledger.",
        file=sys.stderr,
    )
    return True
