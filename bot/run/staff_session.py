"""What every command that opens the staff tool needs from a campaign: who acts, how to log in, which browser,
and the one retry policy for transient errors (declared here once, used by run and follow-up alike)."""

from __future__ import annotations

import getpass
import threading
from collections.abc import Callable

from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from bot.config import Campaign
from bot.errors import ConfigError, TransientError
from bot.run.browser import BrowserSettings
from bot.run.chromium import HeadedUnavailable, require_headed_chromium
from flows.login import Credentials, LoginRequest


def actor(campaign: Campaign) -> str:
    """Who the audit trail names: the HSA-id the bot logs in as, else the OS user."""
    return campaign.hsa_id or getpass.getuser()


def login_request(campaign: Campaign) -> LoginRequest:
    """The unit to choose and, for form login, the credentials (password from the environment)."""
    credentials = Credentials(campaign.hsa_id, campaign.password()) if campaign.session == "login" else None
    return LoginRequest(unit=campaign.unit, credentials=credentials, start_url=f"{campaign.base_url}/")


def browser_settings(campaign: Campaign) -> BrowserSettings:
    """The browser settings a campaign asks for; the password is named so no kept trace can hold it, and a
    visible browser needs a Chromium that can show one."""
    return BrowserSettings(
        redact=(campaign.password(),) if campaign.session == "login" else (),
        session=campaign.session,
        headless=campaign.headless,
        executable_path=headed_executable(campaign),
        slow_mo_ms=campaign.slow_mo_ms,
        cdp_url=campaign.cdp_url,
        profile_dir=campaign.profile_dir,
        trace=campaign.trace,
        artifacts=campaign.artifacts,
        timeout_ms=campaign.timeout_ms,
    )


def headed_executable(campaign: Campaign) -> str | None:
    """For a browser the bot launches with a window: the Chromium that can show it, or a Swedish ConfigError."""
    if campaign.headless or campaign.session == "cdp":
        return None
    try:
        return require_headed_chromium()
    except HeadedUnavailable as e:
        raise ConfigError(str(e)) from None


def retry_policy(
    max_attempts: int,
    stop: threading.Event,
    before_sleep: Callable[[RetryCallState], None],
    sleep: Callable[[float], None] | None = None,
) -> Retrying:
    """Transient errors only, exponential back-off, the last error re-raised; waits end early when the run stops."""
    return Retrying(
        stop=stop_after_attempt(max_attempts),
        wait=wait_exponential(multiplier=0.5, min=0.5, max=10),
        retry=retry_if_exception_type(TransientError),
        sleep=sleep or stop.wait,
        reraise=True,
        before_sleep=before_sleep,
    )
