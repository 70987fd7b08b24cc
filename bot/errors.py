"""Every error utskick raises, drawn in one tree; most live here, the rest beside the code that raises them.

    UtskickError                      root; anything else escaping is a bug (exit 1)
    ├── InputError                    bad input: Swedish message, exit 2, nothing sent
    │   ├── DeliveryError             the delivery (archive, file, rows) cannot be used
    │   │   ├── UnreadableFile        one file of the delivery cannot be read (bot/intake/readers.py)
    │   │   └── NoValidPersonnummer   not one citizen in the delivery can be sent to (bot/intake/model.py)
    │   ├── ConfigError               the campaign file or an option is wrong
    │   │   └── CampaignConflict      another campaign of the same name is in the ledger: say which is meant
    │   ├── AttachmentError           an attachment is missing, of the wrong type or too large
    │   ├── ApprovalMissing           the campaign needs a second person's approval of this message and delivery
    │   └── InvalidPersonnummer       not a valid personnummer, with a reason code (bot/pnr.py)
    ├── TransientError                timeouts, 5xx, closed page, expired session: retried, then `failed`
    │   ├── StaffToolTimeout
    │   ├── StaffToolServerError
    │   ├── SessionExpired
    │   ├── BrowserClosed
    │   └── ReceiptIncomplete         the receipt lacks citizens that were sent to (bot/run/worker.py)
    ├── NeedsHuman                    stop the run, exit 3: a person has to look
    │   ├── SelectorError             an element named in the selectors file is missing (UI change)
    │   ├── UnknownCheckResult        a recipient check shows a text no [check_results] pattern knows
    │   ├── LoginRequired             cannot log in (wrong password, SITHS session gone)
    │   ├── PreflightFailed           template inactive or lacks the texts the campaign names
    │   ├── CampaignLocked            another run of the same campaign is in progress
    │   ├── SenderUnknown             approval required, and the staff tool does not show who is signed in
    │   ├── ToolClockOff              the staff tool's clock is off by more than the skew (bot/run/tool_clock.py)
    │   └── ReconcileUncertain        an in-doubt citizen has a row in Alla ärenden that may be the ärende
    ├── LedgerError                   the ledger cannot do what was asked (bot/ledger/model.py)
    │   ├── LedgerStateError          a state change the transition table refuses (bot/ledger/model.py)
    │   ├── LeaseLost                 this runner's lease ran out, exit 4 (bot/ledger/leases.py)
    │   └── LedgerUnreachable         the ledger database cannot be reached, exit 2 or 4 (bot/ledger/pg_reconnect.py)
    │       └── ConnectionLost        a broken connection: retried where safe, else exit 4 (bot/ledger/pg_reconnect.py)
    ├── PersonnummerInReport          the HTML summary would hold a personnummer: not written (bot/report/html.py)
    ├── JobBusy                       the window runs another job, exit 3 (bot/ui/jobs.py)
    ├── JobStopped                    a window job the core ended with its exit code (bot/ui/jobs.py)
    ├── _UsageError                   no terminal to ask in, exit 2 (bot/commands/cli.py)
    ├── CircuitOpen                   sends kept failing with system errors: stopped, exit 4 (run again later)
    ├── MachineFault                  the machine around the bot failed: stopped, exit 4 (fix it, run again)
    │   ├── BrowserKeptDying          Chromium died several times in a row (memory, sending.workers)
    │   └── DiskFull                  a folder's filesystem is (nearly) full: before the run or mid-run
    └── Interrupted                   SIGINT/SIGTERM: stopped after the current citizen, exit 4

A citizen the recipient check refuses is an outcome the flows return (`not_reachable` with a reason code), not an
error. Outside the tree, caught where they are raised and never escaping: `HeadedUnavailable`
(bot/run/chromium.py) and `TraceNotSafe` (bot/run/trace_scrub.py).

Messages meant for a case handler are Swedish and never contain a full personnummer.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_INPUT = 2
EXIT_NEEDS_HUMAN = 3
EXIT_INTERRUPTED = 4


class UtskickError(Exception):
    """Root of utskick's own errors."""

    exit_code = EXIT_INTERNAL


class InputError(UtskickError):
    """Bad input (delivery, config, attachment); nothing is sent."""

    exit_code = EXIT_INPUT


class DeliveryError(InputError):
    """The delivery cannot be opened or contains nothing usable."""


class ConfigError(InputError):
    """The campaign file or a command-line option is wrong."""


class CampaignConflict(ConfigError):
    """The ledger holds another campaign of the same name: the campaign file must say `continues` or
    `new_message_for_all` before anything is sent."""


class AttachmentError(InputError):
    """An attachment is missing, of a type other than pdf/jpg/png, or too large."""


class ApprovalMissing(InputError):
    """`approval.required` and no approval of this exact message (campaign key) for this delivery: nothing sent."""


class TransientError(UtskickError):
    """A system error worth retrying a bounded number of times."""


class StaffToolTimeout(TransientError):
    """The staff tool did not answer or render in time."""


class StaffToolServerError(TransientError):
    """The staff tool answered with a server error (5xx)."""


class SessionExpired(TransientError):
    """The staff-tool session ended; log in again and retry."""


class BrowserClosed(TransientError):
    """The page, context or browser closed under the flow."""


class NeedsHuman(UtskickError):
    """Stop the run: a person has to act before it can continue."""

    exit_code = EXIT_NEEDS_HUMAN


class SelectorError(NeedsHuman):
    """An element the selectors file names cannot be found: the UI has probably changed."""

    def __init__(self, selector: str, detail: str = "") -> None:
        message = f"Hittar inte elementet '{selector}' i Personalverktyget."
        if detail:
            message += f" {detail}"
        super().__init__(message)
        self.selector = selector


class UnknownCheckResult(NeedsHuman):
    """A recipient check shows a text that no `[check_results]` pattern knows: the bot does not guess what it means."""

    def __init__(self, text: str, hint: str = "") -> None:
        super().__init__(
            f"Okänt kontrollresultat i mottagarlistan: '{text}'. Lägg till en text för det under [check_results] "
            'i er selectors-fil, t.ex. [[check_results.texts]] pattern = "Kan inte ta emot: .*aldrig loggat in" '
            'reason = "never_logged_in", och kör igen.' + (f" {hint}" if hint else "")
        )
        self.text = text


class LoginRequired(NeedsHuman):
    """The bot cannot log in (wrong credentials or no SITHS session)."""


class SenderUnknown(NeedsHuman):
    """`approval.required`, and the staff tool does not show who is signed in: no sender to check approvers against."""


class ReconcileUncertain(NeedsHuman):
    """Alla ärenden shows a row that may be an in-doubt citizen's ärende, but not clearly: never resend on a guess."""


class CircuitOpen(UtskickError):
    """Sends kept failing with system errors; the run stops instead of hammering the staff tool, and a later run
    resumes where it stopped (exit 4, not 3: nothing is wrong that a person must fix first)."""

    exit_code = EXIT_INTERRUPTED


class MachineFault(UtskickError):
    """The machine around the bot failed (browser, disk): the run stops before the next citizen, and a later run
    resumes once the machine is fixed (exit 4: not a bug, not the input)."""

    exit_code = EXIT_INTERRUPTED


class BrowserKeptDying(MachineFault):
    """Chromium died (killed by the kernel's OOM killer, crashed) several times in a row despite relaunches."""


class DiskFull(MachineFault):
    """A folder the run writes to (ledger, logs, artifacts, reports) has too little free space."""

    def __init__(self, message: str, folder: str = "") -> None:
        super().__init__(message)
        self.folder = folder


class PreflightFailed(NeedsHuman):
    """The template is not active for the unit, or lacks the texts the campaign names."""


class CampaignLocked(NeedsHuman):
    """Another run of the same campaign holds the lock."""


class Interrupted(UtskickError):
    """The run was stopped by a signal after finishing the current citizen; run again to resume."""

    exit_code = EXIT_INTERRUPTED
