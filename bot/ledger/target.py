"""Where the ledger lives: a SQLite file (one machine) or a PostgreSQL database (several runners, one campaign).

`paths.ledger` holds either a file path or a `postgresql://` URL. The URL never carries a password: the
password comes from the environment variable the campaign names in `paths.ledger_password_env`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from bot.errors import ConfigError
from bot.secret_env import SECRET_NAME, read_secret

URL_SCHEMES = ("postgresql", "postgres")
DEFAULT_PASSWORD_ENV = "UTSKICK_LEDGER_PASSWORD"


MASK = "***"


def masked_url(url: str) -> str:
    """`url` as it may be printed: a password in the user part or in the query string shows as ***."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if parts.password is not None:
            netloc = f"{parts.username or ''}:{MASK}@{netloc.rpartition('@')[2]}"
        query = parse_qsl(parts.query, keep_blank_values=True)
    except ValueError:
        return f"{url.split('://', 1)[0]}://{MASK}"
    query = [(k, MASK if SECRET_NAME.search(k) else v) for k, v in query]
    return urlunsplit(parts._replace(netloc=netloc, query=urlencode(query, safe="/:*")))


@dataclass(frozen=True)
class PostgresTarget:
    """A PostgreSQL ledger: the URL without a password, and the variable that holds the password."""

    url: str = field(repr=False)
    password_env: str = DEFAULT_PASSWORD_ENV

    def __str__(self) -> str:
        return masked_url(self.url)

    def __repr__(self) -> str:
        return f"PostgresTarget({str(self)!r}, {self.password_env!r})"

    def exists(self) -> bool:
        """A database ledger is always there to open; one that never saw the campaign simply does not know it."""
        return True

    def password(self) -> str | None:
        """The password from the environment, or None when the variable is unset (a trusted or peer login)."""
        return read_secret(self.password_env)


LedgerTarget = Path | PostgresTarget


def is_database_url(value: str) -> bool:
    """True when `value` names a PostgreSQL database rather than a file."""
    return value.split("://", 1)[0].lower() in URL_SCHEMES and "://" in value


def database_target(value: str, password_env: str, where: str) -> PostgresTarget:
    """A checked PostgresTarget from `paths.ledger`; a password in the URL is refused (it belongs in the env)."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as e:
        raise ConfigError(f"{where}: 'paths.ledger' är ingen giltig databasadress ({e}).") from e
    in_query = any(SECRET_NAME.search(key) for key, _ in parse_qsl(parts.query, keep_blank_values=True))
    if parts.password is not None or in_query:
        raise ConfigError(
            f"{where}: 'paths.ledger' innehåller ett lösenord. Ta bort det ur adressen och lägg det i "
            f"miljövariabeln {password_env} (namnet anges med 'paths.ledger_password_env')."
        )
    if not parts.hostname and "host=" not in parts.query:
        raise ConfigError(f"{where}: 'paths.ledger' ({masked_url(value)}) saknar databasserverns namn.")
    if not parts.path.strip("/"):
        raise ConfigError(
            f"{where}: 'paths.ledger' ({masked_url(value)}) saknar databasens namn, t.ex. postgresql://…/utskick."
        )
    return PostgresTarget(value, password_env)
