"""Archives and size limits: what an upload may hold, zip members checked before extraction
(zip bombs, zip-slip, links), and shapefiles staged with their text encoding.

Everything here runs before a file's content is trusted: a rejection is a
Problem naming the file (and the archive member), never an exception, and
nothing is extracted beyond the configured limits.
"""
from __future__ import annotations

import re
import shutil
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from risk.ingest.checks import ProblemLog, file_ok

WINDOWS_1258 = "Windows-1258"

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """How much an upload may hold, so a hostile file cannot exhaust disk or memory."""

    max_upload_bytes: int = 50 * MIB
    max_unzipped_bytes: int = 200 * MIB  # total of all members once expanded
    max_zip_ratio: float = 200.0  # expanded / compressed, for members over ratio_floor_bytes
    ratio_floor_bytes: int = MIB  # small members may compress well without harm
    max_zip_members: int = 1000

    @classmethod
    def from_megabytes(cls, max_upload_mb: float) -> "Limits":
        """Limits for a maximum upload size; a zip may expand to four times that (see settings)."""
        upload = int(max_upload_mb * MIB)
        return cls(max_upload_bytes=upload, max_unzipped_bytes=4 * upload)


def default_limits() -> Limits:
    """Limits from the deployment settings (RISK_MAX_UPLOAD_MB)."""
    from risk.access.settings import load_settings

    return Limits.from_megabytes(load_settings().max_upload_mb)


def _mb(size: int) -> str:
    return f"{size / MIB:.1f}"


def check_size(path: Path, log: ProblemLog, limits: Limits) -> bool:
    """The file exists, is not empty and is within the upload limit."""
    if not file_ok(path, log):
        return False
    size = path.stat().st_size
    if size > limits.max_upload_bytes:
        log.add("import.file_too_large", size_mb=_mb(size), limit_mb=_mb(limits.max_upload_bytes))
        return False
    return True


def unsafe_member(info: zipfile.ZipInfo) -> bool:
    """A member whose path would leave the extraction folder, or a link."""
    name = info.filename
    if not name or "\x00" in name or name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return True
    if any(part == ".." for part in re.split(r"[\\/]", name)):
        return True
    return stat.S_ISLNK(info.external_attr >> 16)


def check_zip(path: Path, log: ProblemLog, limits: Limits) -> list[zipfile.ZipInfo] | None:
    """The members of a zip archive when it is safe to expand, else None.

    Checked from the central directory before anything is decompressed:
    member count, paths leaving the folder (../, absolute, links), encryption,
    total expanded size and compression ratio (a zip bomb). Every offending
    member is reported, so one pass shows everything wrong.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        log.add("import.zip_invalid")
        return None
    ok = True
    if len(infos) > limits.max_zip_members:
        log.add("import.zip_too_many_files", count=len(infos), limit=limits.max_zip_members)
        ok = False
    for info in infos:
        if unsafe_member(info):
            log.add("import.zip_unsafe_path", member=info.filename)
            ok = False
        elif info.flag_bits & 0x1:
            log.add("import.zip_encrypted", member=info.filename)
            ok = False
    total = sum(info.file_size for info in infos)
    if total > limits.max_unzipped_bytes:
        log.add("import.zip_too_large", size_mb=_mb(total), limit_mb=_mb(limits.max_unzipped_bytes))
        ok = False
    for info in infos:
        if info.file_size > limits.ratio_floor_bytes:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_zip_ratio:
                log.add("import.zip_ratio", member=info.filename, ratio=f"{ratio:.0f}",
                        limit=f"{limits.max_zip_ratio:.0f}")
                ok = False
    return infos if ok else None


def extract_zip(path: Path, dest: Path, log: ProblemLog, limits: Limits) -> list[Path] | None:
    """Expand a checked archive into `dest`, counting real bytes written.

    The central directory can lie about sizes, so the byte budget is enforced
    while copying, not only from the declared sizes.
    """
    infos = check_zip(path, log, limits)
    if infos is None:
        return None
    budget = limits.max_unzipped_bytes
    written: list[Path] = []
    try:
        with zipfile.ZipFile(path) as archive:
            for info in infos:
                if info.is_dir():
                    continue
                target = dest.joinpath(*PurePosixPath(info.filename.replace("\\", "/")).parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as source, open(target, "wb") as sink:
                    while chunk := source.read(MIB):
                        budget -= len(chunk)
                        if budget < 0:
                            log.add("import.zip_too_large", size_mb=_mb(limits.max_unzipped_bytes + 1),
                                    limit_mb=_mb(limits.max_unzipped_bytes))
                            return None
                        sink.write(chunk)
                written.append(target)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        log.add("import.zip_invalid")
        return None
    return written


def dbf_encoding(dbf: Path) -> str | None:
    """The encoding of a shapefile's .dbf that has no .cpg: UTF-8, Windows-1258, or None when ASCII."""
    data = dbf.read_bytes()
    header = int.from_bytes(data[8:10], "little") if len(data) >= 32 else 0
    data = data[header:]  # the header is binary; field names are ASCII
    if data.isascii():
        return None
    try:
        data.decode("utf-8")
        return "UTF-8"
    except UnicodeDecodeError:
        return WINDOWS_1258


def stage_shapefile(shp: Path, dest: Path) -> tuple[Path, str | None]:
    """Copy a shapefile and its sidecars into `dest`, writing a .cpg when it has none.

    Without a .cpg GDAL reads text as ISO-8859-1, which garbles Vietnamese
    written in UTF-8. GDAL's own Windows-1258 recoding drops characters
    (GDAL 3.12: 'name' reads as 'nam'), so such a file is read as ISO-8859-1,
    which keeps every byte, and decoded afterwards by `redecode_1258`.
    Returns the copied .shp and the encoding detected (None when declared or ASCII).
    """
    detected = None
    for sidecar in shp.parent.iterdir():
        if sidecar.stem == shp.stem and sidecar.is_file():
            shutil.copyfile(sidecar, dest / (shp.stem + sidecar.suffix.lower()))
    copied = dest / (shp.stem + ".shp")
    dbf, cpg = copied.with_suffix(".dbf"), copied.with_suffix(".cpg")
    declared = cpg.read_text(encoding="ascii", errors="replace").strip().upper() if cpg.is_file() else ""
    if declared in ("1258", "CP1258", "WINDOWS-1258"):
        detected = WINDOWS_1258
        cpg.write_text("ISO-8859-1", encoding="ascii")
    elif dbf.is_file() and not declared:
        detected = dbf_encoding(dbf)
        if detected:
            cpg.write_text("UTF-8" if detected == "UTF-8" else "ISO-8859-1", encoding="ascii")
    return copied, detected
