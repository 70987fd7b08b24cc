"""Every error utskick raises, in one place.

    UtskickError                      root; anything else escaping is a bug (exit 1)
    ├── InputError                    bad input: Swedish message, exit 2, nothing sent
    │   ├── DeliveryError             the delivery (archive, file, rows) cannot be used
    │   ├── ConfigError               the campaign file or an option is wrong
    │   │   └── CampaignConflict      another campaign of the same name is in the ledger: say which is meant
    │   ├── AttachmentError           an attachment is missing, of the wrong type or too large
    │   └── ApprovalMissing           the campaign needs a second person's approval of this message and delivery
    ├── BusinessOutcome               a citizen-level result, recorded and never retried
    │   └── CitizenNotReachable       the recipient check refused the citizen (reason code)
    ├── TransientError                timeouts, 5xx, closed page, expired session: retried, then `failed`
    │   ├── StaffToolTimeout
    │   ├── StaffToolServerError
    │   ├── SessionExpired
    │   └── BrowserClosed
    ├── NeedsHuman                    stop the run, exit 3: a person has to look
    │   ├── SelectorError             an element named in the selectors file is missing (UI change)
    │   ├── LoginRequired             cannot log in (wrong password, SITHS session gone)
    │   ├── PreflightFailed           template inactive or lacks the texts the campaign names
    │   ├── CampaignLocked            another run of the same campaign is in progress
    │   └── ReconcileUncertain        an in-doubt citizen has a row in Alla ärenden that may be the ärende
    ├── CircuitOpen                   sends kept failing with system errors: stopped, exit 4 (run again later)
    └── Interrupted                   SIGINT/SIGTERM: stopped after the current citizen, exit 4

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


class BusinessOutcome(UtskickError):
    """A per-citizen outcome that is recorded, not retried."""


class CitizenNotReachable(BusinessOutcome):
    """The staff tool's recipient check refused the citizen."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason = reason
        self.detail = detail


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


class LoginRequired(NeedsHuman):
    """The bot cannot log in (wrong credentials or no SITHS session)."""


class ReconcileUncertain(NeedsHuman):
    """Alla ärenden shows a row that may be an in-doubt citizen's ärende, but not clearly: never resend on a guess."""


class CircuitOpen(UtskickError):
    """Sends kept failing with system errors; the run stops instead of hammering the staff tool, and a later run
    resumes where it stopped (exit 4, not 3: nothing is wrong that a person must fix first)."""

    exit_code = EXIT_INTERRUPTED


class PreflightFailed(NeedsHuman):
    """The template is not active for the unit, or lacks the texts the campaign names."""


class CampaignLocked(NeedsHuman):
    """Another run of the same campaign holds the lock."""


class Interrupted(UtskickError):
    """The run was stopped by a signal after finishing the current citizen; run again to resume."""

    exit_code = EXIT_INTERRUPTED
