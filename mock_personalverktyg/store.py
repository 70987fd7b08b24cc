"""The mock's in-process state; every read and write holds one lock (the server is threaded)."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import secrets
import threading
from collections.abc import Callable

from mock_personalverktyg import citizens
from mock_personalverktyg.citizens import CheckResult, CitizenState
from mock_personalverktyg.models import (
    CITIZEN,
    NEW_FROM_CITIZEN,
    READ,
    STAFF,
    UNREAD,
    Arende,
    Attachment,
    Draft,
    Receipt,
    Recipient,
    Template,
)
from mock_personalverktyg.pnr import Pnr, PnrRefused, parse
from mock_personalverktyg.seed import Seed, fill_unit

MAX_RECIPIENTS = 250
FULL = f"Listan är full: högst {MAX_RECIPIENTS} mottagare per utskick"


class Refused(ValueError):
    """A request the tool refuses; `str(err)` is the Swedish message shown to the person."""


class MockState:
    """Citizens, templates, drafts, ärenden and faults of one app."""

    def __init__(self, seed: Seed, clock: Callable[[], float], faults: dict | None = None) -> None:
        self.lock = threading.RLock()
        self.seed = seed
        self.clock = clock
        self.session_epoch = 0  # sessions logged in under an older epoch are expired (QA: expire every session)
        self.numbers = frozenset(seed.numbers)
        self.reset(faults)

    def reset(self, faults: dict | None = None) -> None:
        """Go back to the seed."""
        from mock_personalverktyg.faults import Faults

        with self.lock:
            self.overrides: dict[str, CitizenState] = {}
            self.signatures = dict(self.seed.signatures)
            self.templates = {t.id: copy.deepcopy(t) for t in self.seed.templates}
            self.drafts: dict[str, Draft] = {}
            self.arenden: list[Arende] = []
            self._next_arende = 1
            self._next_template = 1
            now = self.clock()
            for raw in self.seed.citizen_arenden:
                self._record(
                    pnr=self.seed.numbers[raw["pnr_index"]],
                    unit=raw["unit"],
                    kind=CITIZEN,
                    subject=raw["subject"],
                    sent_at=now - 86400 * raw.get("days_ago", 1),
                    sent_by="",
                    sent_by_name="Invånare",
                    status=NEW_FROM_CITIZEN,
                )
            self.faults = Faults(faults or {})

    # Citizens -----------------------------------------------------------------------------------------
    def citizen(self, pnr12: str) -> CitizenState:
        """Current state of a citizen (unlisted valid numbers never logged in)."""
        with self.lock:
            if pnr12 in self.overrides:
                return copy.deepcopy(self.overrides[pnr12])
            if pnr12 in self.numbers:
                return citizens.seeded_state(pnr12)
            return CitizenState(login="never", notify=[])

    def update_citizen(self, pnr12: str, patch: dict) -> CitizenState:
        """Apply a partial QA update; raises ValueError on a bad body."""
        unknown = set(patch) - {"login", "notify", "protected"}
        if unknown:
            raise ValueError(f"okända fält: {sorted(unknown)}")
        with self.lock:
            state = self.citizen(pnr12)
            if "login" in patch:
                if patch["login"] not in citizens.LOGIN_STATES:
                    raise ValueError(f"login måste vara en av {citizens.LOGIN_STATES}")
                state.login = patch["login"]
            if "notify" in patch:
                notify = patch["notify"]
                if not isinstance(notify, list) or not set(notify) <= set(citizens.CHANNELS):
                    raise ValueError(f"notify måste vara en lista av {citizens.CHANNELS}")
                state.notify = [c for c in citizens.CHANNELS if c in notify]
            if "protected" in patch:
                if not isinstance(patch["protected"], bool):
                    raise ValueError("protected måste vara true eller false")
                state.protected = patch["protected"]
            self.overrides[pnr12] = state
            return copy.deepcopy(state)

    def check(self, pnr12: str) -> CheckResult:
        """Run the recipient check against the current state."""
        return citizens.check(Pnr(pnr12), self.citizen(pnr12))

    def find_citizens(self, kind: str, limit: int = 10) -> list[str]:
        """Listed numbers whose seeded state is `kind` (QA helper)."""
        found = []
        for number in self.seed.numbers:
            if citizens.seeded_kind(number) == kind:
                found.append(number)
                if len(found) >= limit:
                    break
        return found

    # Templates ----------------------------------------------------------------------------------------
    def unit_templates(self, unit: str, active_only: bool = False) -> list[Template]:
        """The unit's templates, by name."""
        with self.lock:
            found = [t for t in self.templates.values() if t.unit == unit and (t.active or not active_only)]
            return sorted((copy.deepcopy(t) for t in found), key=lambda t: t.name)

    def template(self, unit: str, template_id: str) -> Template | None:
        """One template of the unit, or None."""
        with self.lock:
            found = self.templates.get(template_id)
            return copy.deepcopy(found) if found and found.unit == unit else None

    def save_template(self, unit: str, template: Template) -> Template:
        """Create (empty id) or replace a template of the unit."""
        with self.lock:
            if not template.id:
                template.id = f"{unit}-l{self._next_template}"
                self._next_template += 1
            template.unit = unit
            self.templates[template.id] = copy.deepcopy(template)
            return template

    def search_national(self, query: str) -> list[Template]:
        """National and regional templates whose name or text contains the query."""
        q = query.strip().lower()
        return [
            t
            for t in self.seed.national
            if not q or q in t.name.lower() or any(q in text.lower() for _, text in t.texts)
        ]

    def copy_national(self, unit_id: str, national_id: str) -> Template:
        """Copy a national/regional template into the unit, inactive, for the admin to review."""
        source = next((t for t in self.seed.national if t.id == national_id), None)
        if source is None:
            raise Refused("Mallen finns inte")
        unit = self.seed.units[unit_id]
        copied = copy.deepcopy(source)
        copied.id, copied.active = "", False
        copied.texts = [(name, fill_unit(text, unit)) for name, text in source.texts]
        return self.save_template(unit_id, copied)

    # Drafts -------------------------------------------------------------------------------------------
    def create_draft(self, unit: str, user: str, template: Template) -> Draft:
        """Start a send with the chosen template."""
        with self.lock:
            draft = Draft(
                id=secrets.token_hex(6),
                unit=unit,
                user=user,
                template_id=template.id,
                subject=template.name,
                form_token=secrets.token_urlsafe(16),
            )
            self.drafts[draft.id] = draft
            return draft

    def draft(self, draft_id: str, unit: str, user: str) -> Draft | None:
        """The user's draft in the unit, or None."""
        with self.lock:
            draft = self.drafts.get(draft_id)
            return draft if draft and draft.unit == unit and draft.user == user else None

    def add_recipient(self, draft: Draft, raw: str, delay_s: float) -> Recipient:
        """Add a typed number to the list; the check result appears after `delay_s`."""
        try:
            pnr = parse(raw)
        except PnrRefused as err:
            shown = (raw or "").strip()
            raise Refused(f"{err} ({shown})" if shown else str(err)) from err
        with self.lock:
            if any(r.pnr == pnr.digits for r in draft.recipients):
                raise Refused(f"{pnr.display} finns redan i listan")
            if len(draft.recipients) >= MAX_RECIPIENTS:
                raise Refused(FULL)
            row = Recipient(pnr=pnr.digits, ready_at=self.clock() + delay_s)
            draft.recipients.append(row)
            self._materialise(draft)
            return copy.deepcopy(row)

    def remove_recipient(self, draft: Draft, pnr12: str) -> bool:
        """Remove a row; False when it was not there."""
        with self.lock:
            before = len(draft.recipients)
            draft.recipients = [r for r in draft.recipients if r.pnr != pnr12]
            return len(draft.recipients) < before

    def recipients(self, draft: Draft) -> list[Recipient]:
        """The rows, with every check whose delay has passed resolved."""
        with self.lock:
            self._materialise(draft)
            return copy.deepcopy(draft.recipients)

    def _materialise(self, draft: Draft) -> None:
        now = self.clock()
        for row in draft.recipients:
            if row.result is None and now >= row.ready_at:
                row.result = self.check(row.pnr)

    def add_attachment(self, draft: Draft, name: str, content: bytes) -> Attachment:
        """Attach an already validated file."""
        with self.lock:
            att = Attachment(
                id=secrets.token_hex(4),
                name=name,
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                content=content,
            )
            draft.attachments.append(att)
            return att

    def remove_attachment(self, draft: Draft, att_id: str) -> bool:
        """Remove an attachment; False when it was not there."""
        with self.lock:
            before = len(draft.attachments)
            draft.attachments = [a for a in draft.attachments if a.id != att_id]
            return len(draft.attachments) < before

    def save_text(self, draft: Draft, subject: str, text: str) -> None:
        """Keep what the person typed in step 3."""
        with self.lock:
            draft.subject, draft.text = subject, text

    def send(self, draft: Draft, token: str, sent_by: str, sent_by_name: str) -> tuple[Receipt, bool]:
        """Re-check every recipient and record one ärende per reachable one; idempotent per draft."""
        with self.lock:
            if draft.receipt is not None:
                return draft.receipt, False
            if not secrets.compare_digest(token or "", draft.form_token):
                raise Refused("Formuläret är inte längre giltigt. Gå tillbaka och försök igen.")
            template = self.templates.get(draft.template_id)
            sent, refused = [], []
            for row in draft.recipients:
                result = self.check(row.pnr)
                if not result.ok:
                    refused.append((row.pnr, result.message))
                    continue
                arende = self._record(
                    pnr=row.pnr,
                    unit=draft.unit,
                    kind=STAFF,
                    subject=draft.subject,
                    sent_at=self.clock(),
                    sent_by=sent_by,
                    sent_by_name=sent_by_name,
                    status=UNREAD,
                    template=template.name if template else "",
                    text=draft.text,
                    signature=self.signatures.get(sent_by, ""),
                    attachments=[a.as_json() for a in draft.attachments],
                )
                sent.append((row.pnr, arende.arende_id))
            draft.receipt = Receipt(sent=sent, refused=refused)
            return draft.receipt, True

    # Ärenden ------------------------------------------------------------------------------------------
    def _record(self, **fields) -> Arende:
        arende = Arende(arende_id=f"A-{self._next_arende:06d}", **fields)
        self._next_arende += 1
        self.arenden.append(arende)
        return arende

    def query(
        self,
        unit: str,
        kind: str | None = None,
        status: str | None = None,
        pnr12: str | None = None,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        sent_by: str | None = None,
    ) -> list[Arende]:
        """The unit's ärenden matching every given filter, newest first."""
        with self.lock:
            found = [
                copy.deepcopy(a)
                for a in self.arenden
                if a.unit == unit
                and (kind is None or a.kind == kind)
                and (status is None or a.status == status)
                and (pnr12 is None or a.pnr == pnr12)
                and (sent_by is None or a.sent_by == sent_by)
                and (date_from is None or self.faults.clock.moment(a.sent_at).date() >= date_from)
                and (date_to is None or self.faults.clock.moment(a.sent_at).date() <= date_to)
            ]
        return sorted(found, key=lambda a: (a.sent_at, a.arende_id), reverse=True)

    def add_sent_arende(self, pnr12: str, unit: str, subject: str, sent_at: float, sent_by: str) -> Arende:
        """QA: an ärende as if a staff member had sent it (e.g. one that looks like the bot's), no wizard."""
        user = self.seed.users[sent_by]
        with self.lock:
            return copy.deepcopy(
                self._record(
                    pnr=pnr12,
                    unit=unit,
                    kind=STAFF,
                    subject=subject,
                    sent_at=sent_at,
                    sent_by=user.hsa_id,
                    sent_by_name=user.name,
                    status=UNREAD,
                    template=subject,
                )
            )

    def sent_by_staff(self) -> list[Arende]:
        """Every ärende sent by staff, oldest first."""
        with self.lock:
            return [copy.deepcopy(a) for a in self.arenden if a.kind == STAFF]

    def mark_read(self, arende_id: str) -> Arende | None:
        """The citizen opens a staff-sent ärende."""
        with self.lock:
            for arende in self.arenden:
                if arende.arende_id == arende_id and arende.kind == STAFF:
                    if arende.status != READ:
                        arende.status, arende.read_at = READ, self.clock()
                    return copy.deepcopy(arende)
            return None
