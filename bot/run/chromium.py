"""Find (or install) a Chromium that Playwright can drive on this machine.

Order of preference: a configured path (`UTSKICK_CHROMIUM`), Playwright's own downloaded build, a system
Chromium (Debian's headless shell first: it starts faster and renders less), then, only from `ensure`,
`apt-get install chromium-headless-shell` when root and `python -m playwright install chromium`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ENV_VAR = "UTSKICK_CHROMIUM"
SYSTEM_CANDIDATES = (
    "chromium-headless-shell",
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
)
NO_SANDBOX_ENV = "UTSKICK_CHROMIUM_NO_SANDBOX"
# Without these, Chromium tries to reach Google's services, which a closed network refuses many times a second.
BASE_LAUNCH_ARGS = (
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--no-first-run",
)


def sandbox_off_reason(euid: int | None = None, environ: dict[str, str] | None = None) -> str | None:
    """Why this machine needs Chromium's `--no-sandbox` (it refuses to start as root with its sandbox), or None."""
    euid = (os.geteuid() if hasattr(os, "geteuid") else 1) if euid is None else euid
    environ = os.environ if environ is None else environ
    if euid == 0:
        return "root"
    if environ.get(NO_SANDBOX_ENV) == "1":  # a container without user namespaces: the operator says so
        return NO_SANDBOX_ENV
    return None


def launch_args(euid: int | None = None, environ: dict[str, str] | None = None) -> tuple[str, ...]:
    """The launch arguments for this machine: the sandbox stays on unless `sandbox_off_reason` says otherwise."""
    return (*BASE_LAUNCH_ARGS, "--no-sandbox") if sandbox_off_reason(euid, environ) else BASE_LAUNCH_ARGS


LAUNCH_ARGS = launch_args()


def _usable(path: str | Path | None) -> bool:
    return bool(path) and Path(path).is_file() and os.access(path, os.X_OK)


def playwright_own_chromium() -> str | None:
    """Return the path of Playwright's downloaded Chromium if it is installed, else None."""
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            path = p.chromium.executable_path
    except Exception:  # noqa: BLE001 - any failure here only means "not available"
        return None
    return path if _usable(path) else None


def find_chromium() -> str | None:
    """Return the best Chromium executable already on this machine, or None."""
    configured = os.environ.get(ENV_VAR)
    if configured:
        return configured if _usable(configured) else None
    for name in SYSTEM_CANDIDATES[:1]:
        found = shutil.which(name)
        if _usable(found):
            return found
    own = playwright_own_chromium()
    if own:
        return own
    for name in SYSTEM_CANDIDATES[1:]:
        found = shutil.which(name)
        if _usable(found):
            return found
    return None


# A Chromium that can show a window (`--headed`): never the headless shell, which silently runs without one.
HEADED_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "microsoft-edge")


def _headless_only(path: str) -> bool:
    """True for Chromium's headless shell (Debian's wrapper script or the binary itself)."""
    names = (Path(path).name, Path(path).resolve().name)
    if any("headless" in name for name in names):
        return True
    try:
        head = Path(path).read_bytes()[:4096] if Path(path).stat().st_size < 65536 else b""
    except OSError:
        return False
    return b"headless-shell" in head or b"headless_shell" in head


def find_headed_chromium() -> str | None:
    """Return a Chromium that can show a window, or None: `UTSKICK_CHROMIUM` if it is one, a system Chromium or
    Chrome, then Playwright's own full build."""
    configured = os.environ.get(ENV_VAR)
    candidates = [configured] if configured else []
    candidates += [shutil.which(name) for name in HEADED_CANDIDATES]
    for path in candidates:
        if _usable(path) and not _headless_only(path):
            return path
    own = playwright_own_chromium()
    return own if own and not _headless_only(own) else None


def has_display() -> bool:
    """True when a window can be shown: always on Windows and macOS, on Linux with an X or Wayland display."""
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


class HeadedUnavailable(Exception):
    """No Chromium that can show a window, or no screen to show it on; the message is Swedish."""


def require_headed_chromium() -> str:
    """The Chromium for `--headed`: found, or installed with apt when root; else `HeadedUnavailable`."""
    if not has_display():
        raise HeadedUnavailable(
            "--headed kräver en skärm, men ingen finns (DISPLAY och WAYLAND_DISPLAY saknas). Kör på en dator med "
            "skrivbord, via ssh -X, eller under xvfb-run, eller kör utan --headed."
        )
    found = find_headed_chromium()
    if found:
        return found
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    if is_root and shutil.which("apt-get") and _try(["apt-get", "install", "-y", "-qq", "chromium"]):
        found = find_headed_chromium()
        if found:
            return found
    raise HeadedUnavailable(
        "--headed kräver en fullständig Chromium som kan visa ett fönster; chromium-headless-shell kan inte det. "
        "Installera en (som root: apt-get install chromium) eller peka ut Chrome/Chromium med "
        f"{ENV_VAR}=/sökväg/till/chrome, eller kör utan --headed."
    )


def _try(cmd: list[str]) -> bool:
    print("utskick: kör", " ".join(cmd), file=sys.stderr)
    return subprocess.run(cmd, check=False).returncode == 0


def ensure_chromium() -> str:
    """Find a Chromium or install one; raise SystemExit with instructions when neither works."""
    configured = os.environ.get(ENV_VAR)
    if configured and not _usable(configured):
        raise SystemExit(
            f"utskick: {ENV_VAR}={configured} är ingen körbar fil. Rätta sökvägen eller ta bort variabeln."
        )
    found = find_chromium()
    if found:
        return found
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    if (
        is_root
        and shutil.which("apt-get")
        and _try(["apt-get", "update", "-qq"])
        and _try(["apt-get", "install", "-y", "-qq", "chromium-headless-shell"])
    ):
        found = find_chromium()
        if found:
            return found
    if _try([sys.executable, "-m", "playwright", "install", "chromium"]):
        found = find_chromium()
        if found:
            return found
    raise SystemExit(
        "utskick: hittar ingen Chromium och kunde inte installera någon.\n"
        "Gör något av detta och kör igen:\n"
        "  - som root på Debian/Ubuntu: apt-get install chromium-headless-shell (eller chromium)\n"
        "  - med internet: .venv/bin/python -m playwright install chromium\n"
        f"  - peka ut en befintlig Chromium/Chrome: export {ENV_VAR}=/sökväg/till/chrome"
    )


def main(argv: list[str]) -> int:
    """`python -m bot.run.chromium [find|ensure]`: print the Chromium path, installing one with `ensure`."""
    command = argv[0] if argv else "find"
    if command == "ensure":
        print(ensure_chromium())
        return 0
    path = find_chromium()
    if not path:
        print("ingen Chromium hittades", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
