"""What the window remembers about one campaign while it is open: the chosen delivery (an upload lives in a 0700
temporary folder), the passwords (memory only), the validate result and the latest preview."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from bot.config import Campaign, load_campaign
from bot.errors import ConfigError
from bot.intake import IntakeResult
from bot.private_files import private_dir, private_tempdir

SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")


@dataclass
class Preview:
    """The latest dry pass: the composed message and the masked screenshot of step 3."""

    text: str
    screenshot: Path | None
    key: str


@dataclass
class Workspace:
    """One campaign file in the window."""

    path: Path
    delivery: Path | None = None
    upload_dir: Path | None = None
    delivery_password: str = field(default="", repr=False)
    staff_password: str = field(default="", repr=False)
    intake: IntakeResult | None = None
    comparison: dict | None = None
    preview: Preview | None = None
    shots_dir: Path | None = None

    @property
    def slug(self) -> str:
        """The campaign's name in the window's addresses: the file name without .toml."""
        return self.path.stem

    def campaign(self) -> Campaign:
        """The campaign file, read again (it may have been edited); ConfigError as the CLI gives it."""
        return load_campaign(self.path)

    def key(self) -> str:
        """The campaign key of the file as it is now."""
        return self.campaign().key()

    def new_upload_dir(self) -> Path:
        """A fresh 0700 folder for an uploaded delivery, replacing any earlier one."""
        self.forget_delivery()
        self.upload_dir = private_tempdir("leverans")
        return self.upload_dir

    def forget_delivery(self) -> None:
        """Drop the delivery, its password and its upload folder."""
        if self.upload_dir is not None:
            shutil.rmtree(self.upload_dir, ignore_errors=True)
        self.upload_dir = self.delivery = self.intake = self.comparison = None
        self.delivery_password = ""

    def shot_path(self) -> Path:
        """Where the preview's screenshot goes: a 0700 temporary folder of the window's own."""
        if self.shots_dir is None:
            self.shots_dir = private_tempdir("forhandsgranskning")
        return self.shots_dir / "steg3.png"

    def close(self) -> None:
        """Remove everything temporary (the server is stopping)."""
        self.forget_delivery()
        if self.shots_dir is not None:
            shutil.rmtree(self.shots_dir, ignore_errors=True)
        self.staff_password = ""


class Workspaces:
    """The campaign files of the window's folder, each with its workspace."""

    def __init__(self, folder: Path) -> None:
        self.folder = private_dir(Path(folder)).resolve()  # campaign files name the ledger, reports and logs
        self._open: dict[str, Workspace] = {}

    def files(self) -> list[Path]:
        """The campaign files in the folder, by name."""
        return sorted(p for p in self.folder.glob("*.toml") if p.is_file() and SLUG.fullmatch(p.stem))

    def get(self, slug: str) -> Workspace:
        """The workspace of `slug`; ConfigError when no such campaign file is in the folder."""
        if not SLUG.fullmatch(slug) or not (self.folder / f"{slug}.toml").is_file():
            raise ConfigError(f"Kampanjfilen '{slug}.toml' finns inte i {self.folder}.")
        if slug not in self._open:
            self._open[slug] = Workspace(self.folder / f"{slug}.toml")
        return self._open[slug]

    def close(self) -> None:
        """Remove every workspace's temporary files."""
        for workspace in self._open.values():
            workspace.close()
