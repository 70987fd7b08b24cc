"""`make ui`: the mock on a free port, a fresh copy of the demo campaign (approval required) beside the demo
archive, and the window over that folder.

The demo's secrets (the mock's password `utskick-demo`, the archive's `demo-losenord`) are typed in the window;
they are printed here because they exist only for the mock and the demo (README).
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from datetime import datetime

from bot.commands.demo import DEMO, ROOT, copy_demo_campaign, start_mock


def main() -> int:
    """Start the mock and the window; stop both when the window stops (Ctrl-C)."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop the mock on SIGTERM as on Ctrl-C
    mock, url = start_mock()
    folder = copy_demo_campaign(ROOT / "var" / "ui-demo" / datetime.now().strftime("%Y%m%d-%H%M%S"))
    campaign = folder / "campaign.toml"
    text = campaign.read_text(encoding="utf-8").replace('url = "http://127.0.0.1:5077"', f'url = "{url}"')
    campaign.write_text(text + "\n[approval]\nrequired = true\n", encoding="utf-8")
    shutil.copy(DEMO / "delivery.7z", folder / "delivery.7z")
    print(f"Mocken av Personalverktyget körs på {url}")
    print(f"Leverans: {folder / 'delivery.7z'} (arkivets lösenord: demo-losenord)")
    print("Personalverktyget: HSA-id SE2321000016-A001, lösenord utskick-demo; godkännare t.ex. SE2321000016-A002")
    try:
        return subprocess.run(
            [sys.executable, "-m", "bot.commands.cli", "ui", "--campaigns", str(folder)], check=False
        ).returncode
    except KeyboardInterrupt:
        return 0
    finally:
        mock.terminate()
        mock.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
