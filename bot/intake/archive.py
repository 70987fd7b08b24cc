"""Open a delivery (a 7z archive, a folder or a single file) safely and hand out its files' bytes.

Archives are unpacked to memory only, through a writer that counts every byte against a cap, after the
member list has been checked: no absolute paths, no `..`, no links, no nested archives, no more declared
bytes than the cap. Nothing is written to disk, so no personnummer is left behind in a temporary folder.
"""

from __future__ import annotations

import hashlib
import io
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import py7zr
import py7zr.exceptions
import py7zr.io

from bot.errors import DeliveryError, UtskickError

SEVEN_ZIP_MAGIC = b"7z\xbc\xaf\x27\x1c"
SUPPORTED_SUFFIXES = (".txt", ".csv", ".xlsx")
ARCHIVE_SUFFIXES = (".7z", ".zip", ".rar", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".zst", ".cab", ".arj")
# Files that operating systems leave in folders and archives; skipped with a warning, never read.
SYSTEM_FILES = {".ds_store", "thumbs.db", "desktop.ini"}
DEFAULT_MAX_UNPACKED_BYTES = 64 * 1024 * 1024
MAX_MEMBERS = 10_000


@dataclass(frozen=True, slots=True)
class Member:
    """One file of a delivery: its path inside the delivery (posix) and its bytes."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Opened:
    """A delivery's files (in name order), fingerprint and the warnings opening it produced."""

    source: str
    members: list[Member]
    fingerprint: str
    warnings: list[str]


class _CappedWriter(py7zr.io.Py7zIO):
    """An in-memory member that stops the extraction when the whole delivery passes the cap."""

    def __init__(self, budget: _Budget) -> None:
        self._buffer = io.BytesIO()
        self._budget = budget

    def write(self, s: bytes | bytearray) -> int:
        self._budget.spend(len(s))
        return self._buffer.write(s)

    def read(self, size: int | None = None) -> bytes:
        return self._buffer.read(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._buffer.seek(offset, whence)

    def flush(self) -> None:
        self._buffer.flush()

    def size(self) -> int:
        return self._buffer.getbuffer().nbytes

    def getvalue(self) -> bytes:
        return self._buffer.getvalue()


class _Budget:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def spend(self, n: int) -> None:
        self.used += n
        if self.used > self.limit:
            raise DeliveryError(_too_big(self.limit))


class _MemoryFactory(py7zr.io.WriterFactory):
    def __init__(self, limit: int) -> None:
        self.budget = _Budget(limit)
        self.products: dict[str, _CappedWriter] = {}

    def create(self, filename: str) -> py7zr.io.Py7zIO:
        product = _CappedWriter(self.budget)
        self.products[filename] = product
        return product


def _too_big(limit: int) -> str:
    size = f"{limit / (1024 * 1024):.0f} MB" if limit >= 1024 * 1024 else f"{limit} byte"
    return (
        f"Leveransen packas upp till mer än {size} och stoppades "
        "(skydd mot dekomprimeringsbomber). Kontrollera leveransen med Beslutstöd."
    )


def printable(text: str, keep_newlines: bool = False) -> str:
    """`text` with control and format characters (terminal escapes, bidi overrides) shown as `\\xNN`/`\\uNNNN`."""
    return "".join(
        ch if ch.isprintable() or ch == " " or (keep_newlines and ch == "\n") else _escape(ch) for ch in text
    )


def _escape(ch: str) -> str:
    return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"


def check_member_name(name: str) -> str:
    """Return the member's safe relative posix path (control characters made visible), or raise DeliveryError
    for absolute paths and `..`."""
    posix = name.replace("\\", "/")
    parts = PurePosixPath(posix).parts
    if not posix or posix.startswith("/") or (len(posix) > 1 and posix[1] == ":") or ".." in parts:
        raise DeliveryError(
            f"Arkivet innehåller en otillåten sökväg ('{printable(name)}'): absoluta sökvägar och '..' godtas inte."
        )
    return printable("/".join(p for p in parts if p not in ("", ".")))


def is_system_file(name: str) -> bool:
    """True for files an operating system or office program leaves behind (.DS_Store, ~$lock, __MACOSX/...)."""
    parts = PurePosixPath(name).parts
    last = parts[-1].lower() if parts else ""
    return last in SYSTEM_FILES or last.startswith((".", "~$")) or "__MACOSX" in parts


def check_not_archive(name: str, data: bytes | None = None) -> None:
    """Refuse archives inside the delivery, by name and by content."""
    lower = name.lower()
    nested = lower.endswith(ARCHIVE_SUFFIXES) or (
        data is not None
        and (data.startswith(SEVEN_ZIP_MAGIC) or (data.startswith(b"PK\x03\x04") and not lower.endswith(".xlsx")))
    )
    if nested:
        raise DeliveryError(f"Leveransen innehåller ett arkiv i arkivet ('{name}'): packa upp det först.")


def check_supported(name: str) -> None:
    """Refuse files other than .txt, .csv and .xlsx (fatal: the delivery is not what was expected)."""
    check_not_archive(name)
    if not name.lower().endswith(SUPPORTED_SUFFIXES):
        suffix = PurePosixPath(name).suffix or "(ingen filändelse)"
        raise DeliveryError(
            f"Filen '{name}' har en filtyp som inte stöds ({suffix}). Tillåtna filtyper: .txt, .csv, .xlsx."
        )


def open_delivery(path: Path, password: str | None, password_env: str, max_unpacked_bytes: int) -> Opened:
    """Open an archive, a folder or a single file as a list of checked members."""
    path = Path(path)
    if not path.exists():
        raise DeliveryError(f"Leveransen '{path}' finns inte.")
    if path.is_dir():
        return _open_folder(path, max_unpacked_bytes)
    if _is_7z(path):
        return _open_archive(path, password, password_env, max_unpacked_bytes)
    if path.name.lower().endswith(ARCHIVE_SUFFIXES):
        raise DeliveryError(
            f"'{path.name}' är inte ett 7-zip-arkiv (eller är skadat): leveranser ska vara 7-zip-arkiv "
            "(.7z), en mapp eller en enskild .txt-, .csv- eller .xlsx-fil."
        )
    check_supported(path.name)
    data = _read_capped(path, max_unpacked_bytes)
    check_not_archive(path.name, data)
    fingerprint = hashlib.sha256(hashlib.sha256(data).hexdigest().encode()).hexdigest()
    return Opened(printable(path.name), [Member(printable(path.name), data)], fingerprint, [])


def _is_7z(path: Path) -> bool:
    with path.open("rb") as fp:
        return fp.read(len(SEVEN_ZIP_MAGIC)) == SEVEN_ZIP_MAGIC


def _read_capped(path: Path, limit: int) -> bytes:
    if path.stat().st_size > limit:
        raise DeliveryError(_too_big(limit))
    return path.read_bytes()


def _open_folder(folder: Path, limit: int) -> Opened:
    members: list[Member] = []
    warnings: list[str] = []
    budget = _Budget(limit)
    for file in _walk(folder):
        name = printable(file.relative_to(folder).as_posix())
        if is_system_file(name):
            warnings.append(f"Hoppade över systemfilen '{name}'.")
            continue
        check_supported(name)
        data = _read_capped(file, limit)
        budget.spend(len(data))
        check_not_archive(name, data)
        members.append(Member(name, data))
    digests = sorted(hashlib.sha256(m.data).hexdigest() for m in members)
    fingerprint = hashlib.sha256("\n".join(digests).encode()).hexdigest()
    return Opened(printable(folder.name), members, fingerprint, warnings)


def _walk(folder: Path) -> Iterator[Path]:
    """Regular files under `folder` in name order; links and special files are refused."""
    for entry in sorted(folder.rglob("*")):
        mode = entry.lstat().st_mode
        if stat.S_ISLNK(mode):
            raise DeliveryError(f"Leveransen innehåller en länk ('{printable(entry.name)}'): länkar godtas inte.")
        if stat.S_ISDIR(mode):
            continue
        if not stat.S_ISREG(mode):
            raise DeliveryError(f"Leveransen innehåller en specialfil ('{printable(entry.name)}') som inte kan läsas.")
        yield entry


def _open_archive(path: Path, password: str | None, password_env: str, limit: int) -> Opened:
    digest = hashlib.sha256()
    with path.open("rb") as fp:
        for block in iter(lambda: fp.read(1 << 20), b""):
            digest.update(block)
        fp.seek(0)
        factory, encrypted = _extract(fp, path.name, password, password_env, limit)
    warnings = []
    if not encrypted:
        warnings.append(
            f"Arkivet '{path.name}' är inte lösenordsskyddat: leveranser från Beslutstöd ska vara krypterade."
        )
    members = []
    for name in sorted(factory.products):
        clean = check_member_name(name)
        if is_system_file(clean):
            warnings.append(f"Hoppade över systemfilen '{clean}'.")
            continue
        data = factory.products[name].getvalue()
        check_not_archive(clean, data)
        members.append(Member(clean, data))
    return Opened(printable(path.name), members, digest.hexdigest(), warnings)


def _extract(fp: io.BufferedReader, name: str, password: str | None, env: str, limit: int):
    """Unpack every member to memory; translate py7zr's many failure modes into one plain message."""
    try:
        with py7zr.SevenZipFile(fp, "r", password=password) as archive:
            encrypted = archive.needs_password()
            if encrypted and password is None:
                raise DeliveryError(_missing_password(name, env))
            _check_members(archive, limit)
            factory = _MemoryFactory(limit)
            archive.extractall(factory=factory)
            return factory, encrypted
    except UtskickError:
        raise
    except py7zr.exceptions.PasswordRequired:
        raise DeliveryError(_missing_password(name, env)) from None
    except py7zr.exceptions.DecompressionBombError:
        raise DeliveryError(_too_big(limit)) from None
    except Exception:  # py7zr raises LZMAError, TypeError, CrcError ... for a wrong key or a bad file
        # `from None`: a decompression trace says nothing to a case handler and may quote member names.
        if password is not None:
            raise DeliveryError(
                f"Arkivet '{name}' kunde inte packas upp: lösenordet i {env} är fel, eller så är arkivet skadat."
            ) from None
        raise DeliveryError(f"Arkivet '{name}' kunde inte öppnas: det är skadat eller inte ett 7-zip-arkiv.") from None


def _missing_password(name: str, env: str) -> str:
    return (
        f"Arkivet '{name}' är lösenordsskyddat men inget lösenord finns: "
        f"sätt miljövariabeln {env} (lösenordet skrivs aldrig på kommandoraden)."
    )


def _check_members(archive: py7zr.SevenZipFile, limit: int) -> None:
    """Refuse dangerous members before a single byte is unpacked."""
    files = list(archive.files)
    if len(files) > MAX_MEMBERS:
        raise DeliveryError(f"Arkivet innehåller {len(files)} filer; högst {MAX_MEMBERS} godtas.")
    declared = 0
    for f in files:
        name = check_member_name(f.filename)
        if f.is_symlink or f.is_junction or f.is_socket:
            raise DeliveryError(f"Arkivet innehåller en länk eller specialfil ('{name}'): sådana godtas inte.")
        if f.is_directory:
            continue
        if not is_system_file(name):
            check_supported(name)
        declared += f.uncompressed or 0
    if declared > limit:
        raise DeliveryError(_too_big(limit))
