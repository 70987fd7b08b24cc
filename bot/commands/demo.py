"""`make demo`: start the mock, send the demo campaign over the committed demo delivery, print the summary.

The passwords set here are the mock's demo credentials and the demo archive's password (both documented in the
README); a real run takes its secrets from the environment the operator sets, never from code.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from bot.errors import EXIT_INTERNAL

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "fixtures" / "demo"
DEMO_SECRETS = {"UTSKICK_PASSWORD": "utskick-demo", "UTSKICK_7Z_PASSWORD": "demo-losenord"}


def start_mock() -> tuple[subprocess.Popen, str]:
    """Start `python -m mock_personalverktyg` on a free port and return the process and its URL."""
    mock = subprocess.Popen(
        [sys.executable, "-m", "mock_personalverktyg", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    first_line = mock.stdout.readline().strip()
    if "http://" not in first_line:
        mock.kill()
        raise SystemExit(f"Mocken startade inte: {first_line or 'inget svar'}")
    return mock, first_line[first_line.index("http://") :]


def copy_demo_campaign(folder: Path) -> Path:
    """Copy the demo campaign and its attachment into `folder`: its ledger, logs and reports land beside the copy."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("campaign.toml", "information.pdf"):
        shutil.copy(DEMO / name, folder / name)
    return folder


def main() -> int:
    """Run the demo end to end and return utskick's exit code."""
    mock, url = start_mock()
    print(f"Mocken av Personalverktyget körs på {url} (HSA-id SE2321000016-A001, lösenord utskick-demo)")
    run_dir = copy_demo_campaign(ROOT / "var" / "demo" / datetime.now().strftime("%Y%m%d-%H%M%S"))
    command = [
        sys.executable, "-m", "bot.commands.cli", "run", str(run_dir / "campaign.toml"),
        "--delivery", str(DEMO / "delivery.7z"),
        "--base-url", url,
        "--yes",
    ]  # fmt: skip
    print("Kör:", " ".join(Path(c).name if c == sys.executable else c for c in command), flush=True)
    try:
        code = subprocess.run(command, env={**os.environ, **DEMO_SECRETS}, cwd=ROOT, check=False).returncode
    except KeyboardInterrupt:
        code = EXIT_INTERNAL
    finally:
        mock.terminate()
        mock.wait(timeout=10)
    print(f"\nDemon klar (exitkod {code}). Kampanjfil, liggare, loggar och rapporter: {run_dir}")
    print("Kör igen med `make demo`; en ny kopia av kampanjen per demo gör att allt skickas på nytt till mocken.")
    return code


if __name__ == "__main__":
    sys.exit(main())
