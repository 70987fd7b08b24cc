"""The campaign file (TOML): what the routine's "define the need" step decides, validated with Swedish errors.

Secrets are never in the file: it names the environment variables that hold them.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import tomllib
from dataclasses import asdict, dataclass, field, replace
from datetime import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.errors import ConfigError
from bot.ledger.leases import DEFAULT_LEASE_S
from bot.ledger.model import campaign_key
from bot.ledger.target import DEFAULT_PASSWORD_ENV as DEFAULT_LEDGER_PASSWORD_ENV
from bot.ledger.target import PostgresTarget, database_target, is_database_url
from bot.notify import KEYS as NOTIFY_KEYS
from bot.notify import NotifySettings, read_notify
from bot.secret_env import read_secret
from bot.strict_toml import describe_unknown, key_line, syntax_error

MODES = ("single", "batch")
SESSION_MODES = ("login", "cdp", "profile")
TRACE_MODES = ("on-first-retry", "on-failure", "off")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAYS_SV = ("mån", "tis", "ons", "tor", "fre", "lör", "sön")
# Every accepted spelling of a day in sending.window.days (case does not matter), to its canonical English key.
DAY_NAMES: dict[str, str] = {
    name: key
    for key, names in zip(
        WEEKDAYS,
        (
            ("mon", "monday", "mån", "måndag"),
            ("tue", "tuesday", "tis", "tisdag"),
            ("wed", "wednesday", "ons", "onsdag"),
            ("thu", "thursday", "tor", "torsdag"),
            ("fri", "friday", "fre", "fredag"),
            ("sat", "saturday", "lör", "lördag"),
            ("sun", "sunday", "sön", "söndag"),
        ),
        strict=True,
    )
    for name in names
}
MAX_BATCH = 250
MIN_LEASE_S = 2.0
MAX_WORKERS = 4
# On 2 cores the bench's workers sweep gave 870 / 734 / 657 ms per citizen for 2 / 3 / 4 workers, each
# worker adding about 0.9 GB: 3 is the default, 4 (MAX_WORKERS) stays a choice for a machine with memory to spare.
DEFAULT_WORKERS = 3
DEFAULT_RECYCLE_EVERY = 50  # citizens per browser context: keeps memory flat on long campaigns
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SELECTORS = PROJECT_ROOT / "selectors" / "personalverktyg.toml"

# Every key a campaign file may hold (None: a value, a dict: a table); anything else is refused.
CAMPAIGN_KEYS: dict[str, Any] = {
    "campaign": {
        "name": None,
        "bestallare": None,
        "contact_unreachable_otherwise": None,
        "ansvarig_avsandare": {"name": None, "title": None, "unit": None},
        "continues": None,
        "new_message_for_all": None,
        "kind": None,
        "inera_approval": None,
    },
    "message": {
        "unit": None,
        "template": None,
        "texts": None,
        "extra_text": None,
        "attachments": None,
        "guideline": {"purpose": None, "replies": None, "questions": None},
    },
    "sending": {
        "mode": None,
        "messages_per_minute": None,
        "workers": None,
        "batch_size": None,
        "window": {"days": None, "start": None, "end": None},
        "recycle_every": None,
        "trace": None,
        "max_retries": None,
        "circuit_breaker": None,
        "lease_seconds": None,
    },
    "staff_tool": {
        "url": None,
        "session": None,
        "hsa_id": None,
        "password_env": None,
        "cdp_url": None,
        "profile_dir": None,
        "selectors_override": None,
        "headless": None,
        "timeout_ms": None,
        "reconcile_clock_skew_s": None,
        "reconcile_earlier_margin_h": None,
    },
    "delivery": {"password_env": None},
    "paths": {
        "ledger": None,
        "ledger_password_env": None,
        "logs": None,
        "artifacts": None,
        "reports": None,
        "keep_days": None,
    },
    "notify": dict.fromkeys(NOTIFY_KEYS),
    "approval": {"required": None},
    "guideline": {"required": None},
}
# campaign.kind: a care relationship (default), a kallelse (screening, vaccination), or region-wide information.
CAMPAIGN_KINDS = ("care", "kallelse", "region_info")


@dataclass(frozen=True)
class SendWindow:
    """Days and hours when messages may go out (notification SMS should not wake people at night)."""

    days: tuple[str, ...]
    start: time
    end: time


@dataclass(frozen=True)
class Campaign:
    """A validated campaign file."""

    path: Path
    name: str
    bestallare: str
    sender_name: str
    sender_title: str
    sender_unit: str
    contact_unreachable_otherwise: bool
    unit: str
    template: str
    texts: tuple[str, ...]
    extra_text: str
    attachments: tuple[Path, ...]
    mode: str = "single"
    messages_per_minute: float = 0.0
    workers: int = DEFAULT_WORKERS
    batch_size: int = MAX_BATCH
    window: SendWindow | None = None
    base_url: str = "http://127.0.0.1:5077"
    session: str = "login"
    hsa_id: str = ""
    password_env: str = "UTSKICK_PASSWORD"
    cdp_url: str = ""
    profile_dir: Path | None = None
    selectors: Path = DEFAULT_SELECTORS
    selectors_override: Path | None = None
    headless: bool = True
    recycle_every: int = DEFAULT_RECYCLE_EVERY
    trace: str = "on-first-retry"
    delivery_password_env: str = "UTSKICK_7Z_PASSWORD"
    ledger: Path | PostgresTarget = Path("var/ledger.sqlite")
    lease_seconds: float = DEFAULT_LEASE_S
    logs: Path = Path("var/logs")
    artifacts: Path = Path("var/artifacts")
    reports: Path = Path("var/reports")
    keep_days: int = 30
    max_retries: int = 3
    circuit_breaker: int = 5
    reconcile_clock_skew_s: int = 120
    reconcile_earlier_margin_h: float = 24.0
    timeout_ms: int = 15000
    continues: str = ""
    new_message_for_all: bool = False
    notify: NotifySettings | None = None
    approval_required: bool = False  # a second person must approve the message and the delivery before a run
    kind: str = "care"
    inera_approval: str = ""  # the reference of Inera's approval, needed for kind = "region_info"
    guideline_purpose: str = ""
    guideline_replies: str = ""
    guideline_questions: str = ""
    guideline_required: bool = False  # an unmet guideline point is an input error, not a warning
    slow_mo_ms: int = 0  # command line only (--slowmo): QA watching the clicks
    extra: dict[str, Any] = field(default_factory=dict)

    def key_facts(self) -> dict[str, Any]:
        """The facts that define the message; the ledger's campaign key is a hash of these.

        The mode, pacing and paths are left out on purpose: switching from single to batch, or moving the
        ledger's neighbours, must never make the same message to the same citizens count as a new campaign.
        """
        return {
            "name": self.name,
            "unit": self.unit,
            "template": self.template,
            "texts": list(self.texts),
            "extra_text": self.extra_text,
            "attachments": [{"name": p.name, "sha256": _sha256(p)} for p in self.attachments],
        }

    def key(self) -> str:
        """The ledger's campaign key: the hash of `key_facts` (the one place it is computed from a campaign file)."""
        return campaign_key(self.key_facts())

    def facts(self) -> dict[str, Any]:
        """Everything the report's Sammanfattning shows about the campaign."""
        return {
            **self.key_facts(),
            "bestallare": self.bestallare,
            "ansvarig_avsandare": {
                "name": self.sender_name,
                "title": self.sender_title,
                "unit": self.sender_unit,
            },
            "contact_unreachable_otherwise": self.contact_unreachable_otherwise,
            "mode": self.mode,
        }

    def password(self) -> str:
        """The staff-tool password from the environment variable the campaign names."""
        value = read_secret(self.password_env)
        if not value:
            raise ConfigError(f"Lösenordet till Personalverktyget saknas: sätt miljövariabeln {self.password_env}.")
        return value

    def with_overrides(self, **changes: Any) -> Campaign:
        """Return a copy with command-line overrides applied (None means 'not given')."""
        given = {k: v for k, v in changes.items() if v is not None}
        updated = replace(self, **given)
        _check_ranges(updated)
        return updated

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly view (paths as strings), for logs and reports."""
        return json.loads(json.dumps(asdict(self), default=str))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class _Reader:
    """Reads typed values from the TOML tree and names the key in every error."""

    def __init__(self, data: dict[str, Any], path: Path, text: str = "") -> None:
        self.data = data
        self.path = path
        self.text = text

    def where(self, dotted: str) -> str:
        """The file's name and, when it can be found, the line of `dotted`: "kampanj.toml, rad 12"."""
        line = key_line(self.text, dotted)
        return f"{self.path.name}, rad {line}" if line else self.path.name

    def get(self, dotted: str, kind: type, default: Any = ..., *, required: bool = False) -> Any:
        node: Any = self.data
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                if required or default is ...:
                    raise ConfigError(f"{self.path.name}: nyckeln '{dotted}' saknas i kampanjfilen.")
                return default
            node = node[part]
        if kind is float and isinstance(node, int) and not isinstance(node, bool):
            node = float(node)
        if not isinstance(node, kind) or (kind is int and isinstance(node, bool)):
            raise ConfigError(f"{self.where(dotted)}: '{dotted}' ska vara {_kind_sv(kind)}, men är {node!r}.")
        if kind is str and required and not node.strip():
            raise ConfigError(f"{self.where(dotted)}: '{dotted}' får inte vara tom.")
        return node


def _kind_sv(kind: type) -> str:
    return {str: "en text", int: "ett heltal", float: "ett tal", bool: "true eller false", list: "en lista"}.get(
        kind, kind.__name__
    )


def _resolve(base: Path, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else (base / path).resolve()


def _parse_time(reader: _Reader, key: str) -> time:
    text = reader.get(key, str)
    try:
        hours, minutes = text.split(":")
        return time(int(hours), int(minutes))
    except ValueError as e:
        raise ConfigError(f"{reader.path.name}: '{key}' ska vara en tid som \"08:00\", inte {text!r}.") from e


def _read_window(reader: _Reader) -> SendWindow | None:
    if reader.get("sending.window", dict, None) is None:
        return None
    given = reader.get("sending.window.days", list, list(WEEKDAYS[:5]))
    bad = [d for d in given if not isinstance(d, str) or d.strip().lower() not in DAY_NAMES]
    if bad:
        raise ConfigError(
            f"{reader.path.name}: 'sending.window.days' har okända dagar {bad}; använd {', '.join(WEEKDAYS_SV)} "
            f'eller {", ".join(WEEKDAYS)} (även hela namn som "måndag" eller "monday").'
        )
    days = [key for key in WEEKDAYS if key in {DAY_NAMES[d.strip().lower()] for d in given}]
    start, end = _parse_time(reader, "sending.window.start"), _parse_time(reader, "sending.window.end")
    if start >= end:
        raise ConfigError(f"{reader.path.name}: 'sending.window.start' måste vara före 'sending.window.end'.")
    return SendWindow(tuple(days), start, end)


def _check_ranges(c: Campaign) -> None:
    name = c.path.name
    if c.mode not in MODES:
        raise ConfigError(f"{name}: 'sending.mode' ska vara {' eller '.join(MODES)}, inte {c.mode!r}.")
    if c.session not in SESSION_MODES:
        raise ConfigError(f"{name}: 'staff_tool.session' ska vara en av {', '.join(SESSION_MODES)}.")
    if not 1 <= c.workers <= MAX_WORKERS:
        raise ConfigError(f"{name}: 'sending.workers' ska vara mellan 1 och {MAX_WORKERS} (var {c.workers}).")
    if not 1 <= c.batch_size <= MAX_BATCH:
        raise ConfigError(f"{name}: 'sending.batch_size' ska vara mellan 1 och {MAX_BATCH}.")
    if c.messages_per_minute < 0:
        raise ConfigError(f"{name}: 'sending.messages_per_minute' får inte vara negativ.")
    if c.lease_seconds < MIN_LEASE_S:
        raise ConfigError(f"{name}: 'sending.lease_seconds' ska vara minst {MIN_LEASE_S:g} sekunder.")
    if c.reconcile_clock_skew_s < 0:
        raise ConfigError(f"{name}: 'staff_tool.reconcile_clock_skew_s' får inte vara negativ.")
    if c.reconcile_earlier_margin_h * 3600 < max(c.reconcile_clock_skew_s, 3600):
        raise ConfigError(
            f"{name}: 'staff_tool.reconcile_earlier_margin_h' ska vara minst 1 timme och större än "
            "reconcile_clock_skew_s: en tidigare rad räknas bara som tidigare när inget klockfel når dit."
        )
    if c.keep_days < 0:
        raise ConfigError(f"{name}: 'paths.keep_days' ska vara 0 (spara allt) eller ett antal dagar ({c.keep_days}).")
    if c.trace not in TRACE_MODES:
        raise ConfigError(f"{name}: 'sending.trace' ska vara en av {', '.join(TRACE_MODES)}.")
    if c.session == "login" and not c.hsa_id:
        raise ConfigError(f"{name}: 'staff_tool.hsa_id' behövs när staff_tool.session är \"login\".")
    if c.session == "cdp" and not c.cdp_url:
        raise ConfigError(f"{name}: 'staff_tool.cdp_url' behövs när staff_tool.session är \"cdp\".")
    if c.session == "cdp" and not is_loopback_url(c.cdp_url):
        raise ConfigError(
            f"{name}: 'staff_tool.cdp_url' ({c.cdp_url}) pekar inte på den här datorn. Felsökningsporten har ingen "
            "inloggning: anslut bara till 127.0.0.1, ::1 eller localhost."
        )
    if c.session == "profile" and not c.profile_dir:
        raise ConfigError(f"{name}: 'staff_tool.profile_dir' behövs när staff_tool.session är \"profile\".")
    for key, value in (("campaign.name", c.name), ("staff_tool.url", c.base_url)):
        if any(ch in value for ch in "\r\n\x0b\x0c\x85\u2028\u2029"):
            raise ConfigError(f"{name}: '{key}' får inte innehålla en radbrytning (den ska vara en rad).")
    for attachment in c.attachments:
        if not attachment.is_file():
            raise ConfigError(f"{name}: bilagan {attachment} finns inte ('message.attachments').")
        if not attachment.resolve().is_relative_to(c.path.parent.resolve()):
            raise ConfigError(
                f"{name}: bilagan {attachment.name} ligger utanför kampanjmappen {c.path.parent} "
                "('message.attachments'). Lägg bilagorna i samma mapp som kampanjfilen."
            )
    if c.selectors_override and not c.selectors_override.is_file():
        raise ConfigError(f"{name}: selektorfilen {c.selectors_override} finns inte ('staff_tool.selectors_override').")


def is_loopback_url(url: str) -> bool:
    """True when `url` (http, https, ws or wss) points at this machine's loopback interface."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return False
    if parts.scheme not in ("http", "https", "ws", "wss") or parts.username or parts.password:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def load_campaign(path: Path) -> Campaign:
    """Read and validate a campaign file; raise ConfigError naming the key that is wrong."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"Kampanjfilen {path} finns inte.")
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path.name}: kampanjfilen är inte UTF-8-text (spara den som UTF-8).") from e
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"Kampanjfilen är inte giltig TOML: {syntax_error(path.name, e)}") from e
    r = _Reader(data, path, text)
    base = path.resolve().parent
    for secret_key in ("password", "staff_tool.password", "delivery.password"):
        if r.get(secret_key, object, None) is not None:
            raise ConfigError(
                f"{path.name}: '{secret_key}' hör inte hemma i kampanjfilen. Ange lösenord i en miljövariabel "
                "och namnge variabeln med password_env."
            )
    unknown = describe_unknown(text, data, CAMPAIGN_KEYS, path.name)
    if unknown:
        raise ConfigError(
            "\n".join(unknown) + "\nKampanjfilen har nycklar som utskick inte känner till (se README, Configuration). "
            "Rätta dem och kör igen; inget har skickats."
        )
    override = r.get("staff_tool.selectors_override", str, "")
    profile = r.get("staff_tool.profile_dir", str, "")
    campaign = Campaign(
        path=path.resolve(),
        name=r.get("campaign.name", str, required=True),
        bestallare=r.get("campaign.bestallare", str, required=True),
        sender_name=r.get("campaign.ansvarig_avsandare.name", str, required=True),
        sender_title=r.get("campaign.ansvarig_avsandare.title", str, ""),
        sender_unit=r.get("campaign.ansvarig_avsandare.unit", str, ""),
        contact_unreachable_otherwise=r.get("campaign.contact_unreachable_otherwise", bool, True),
        unit=r.get("message.unit", str, required=True),
        template=r.get("message.template", str, required=True),
        texts=tuple(_strings(r, "message.texts")),
        extra_text=r.get("message.extra_text", str, ""),
        attachments=tuple(_resolve(base, a) for a in _strings(r, "message.attachments")),
        mode=r.get("sending.mode", str, "single"),
        messages_per_minute=r.get("sending.messages_per_minute", float, 0.0),
        workers=r.get("sending.workers", int, DEFAULT_WORKERS),
        batch_size=r.get("sending.batch_size", int, MAX_BATCH),
        window=_read_window(r),
        recycle_every=r.get("sending.recycle_every", int, DEFAULT_RECYCLE_EVERY),
        trace=r.get("sending.trace", str, "on-first-retry"),
        max_retries=r.get("sending.max_retries", int, 3),
        circuit_breaker=r.get("sending.circuit_breaker", int, 5),
        base_url=r.get("staff_tool.url", str, "http://127.0.0.1:5077").rstrip("/"),
        session=r.get("staff_tool.session", str, "login"),
        hsa_id=r.get("staff_tool.hsa_id", str, ""),
        password_env=r.get("staff_tool.password_env", str, "UTSKICK_PASSWORD"),
        cdp_url=r.get("staff_tool.cdp_url", str, ""),
        profile_dir=_resolve(base, profile) if profile else None,
        selectors_override=_resolve(base, override) if override else None,
        headless=r.get("staff_tool.headless", bool, True),
        timeout_ms=r.get("staff_tool.timeout_ms", int, 15000),
        reconcile_clock_skew_s=r.get("staff_tool.reconcile_clock_skew_s", int, 120),
        reconcile_earlier_margin_h=r.get("staff_tool.reconcile_earlier_margin_h", float, 24.0),
        delivery_password_env=r.get("delivery.password_env", str, "UTSKICK_7Z_PASSWORD"),
        ledger=_read_ledger(r, base),
        lease_seconds=r.get("sending.lease_seconds", float, DEFAULT_LEASE_S),
        logs=_resolve(base, r.get("paths.logs", str, "var/logs")),
        artifacts=_resolve(base, r.get("paths.artifacts", str, "var/artifacts")),
        reports=_resolve(base, r.get("paths.reports", str, "var/reports")),
        continues=r.get("campaign.continues", str, "").strip(),
        new_message_for_all=r.get("campaign.new_message_for_all", bool, False),
        keep_days=r.get("paths.keep_days", int, 30),
        notify=read_notify(data.get("notify"), path.name),
        approval_required=r.get("approval.required", bool, False),
        kind=r.get("campaign.kind", str, "care"),
        inera_approval=r.get("campaign.inera_approval", str, "").strip(),
        guideline_purpose=r.get("message.guideline.purpose", str, "").strip(),
        guideline_replies=r.get("message.guideline.replies", str, "").strip(),
        guideline_questions=r.get("message.guideline.questions", str, "").strip(),
        guideline_required=r.get("guideline.required", bool, False),
    )
    if campaign.kind not in CAMPAIGN_KINDS:
        raise ConfigError(
            f"{r.where('campaign.kind')}: 'campaign.kind' ska vara ett av {', '.join(CAMPAIGN_KINDS)} "
            f"(vårdrelation, kallelse, regionövergripande information), inte {campaign.kind!r}."
        )
    if campaign.continues and campaign.new_message_for_all:
        raise ConfigError(
            f"{r.where('campaign.continues')}: ange antingen 'campaign.continues' eller "
            "'campaign.new_message_for_all', inte båda."
        )
    if not campaign.texts and not campaign.extra_text:
        raise ConfigError(f"{path.name}: ange minst en malltext i 'message.texts' eller en 'message.extra_text'.")
    _check_ranges(campaign)
    return campaign


def _read_ledger(r: _Reader, base: Path) -> Path | PostgresTarget:
    """`paths.ledger`: a SQLite file beside the campaign file, or a PostgreSQL URL (its password from the env)."""
    value = r.get("paths.ledger", str, "var/ledger.sqlite")
    password_env = r.get("paths.ledger_password_env", str, DEFAULT_LEDGER_PASSWORD_ENV)
    if is_database_url(value):
        return database_target(value, password_env, r.where("paths.ledger"))
    if r.get("paths.ledger_password_env", str, None) is not None:
        raise ConfigError(
            f"{r.where('paths.ledger_password_env')}: 'paths.ledger_password_env' gäller bara en liggare i "
            'PostgreSQL (paths.ledger = "postgresql://…"); en SQLite-fil har inget lösenord.'
        )
    return _resolve(base, value)


def _strings(r: _Reader, key: str) -> list[str]:
    values = r.get(key, list, [])
    if not all(isinstance(v, str) and v.strip() for v in values):
        raise ConfigError(f"{r.path.name}: '{key}' ska vara en lista med texter.")
    return values
