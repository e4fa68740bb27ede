"""The report of a checked upload: what was found in each file and what was done.

`risk.ingest.upload.check_upload` writes one; the Data page and the CLI show it;
`Store.add_checked` stores a dataset with the report it was checked with (the
file checksum spots a repeated import, the content checksum proves the dataset
was not changed between the check and the save).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from risk.contracts.problems import Problem
from risk.i18n import DEFAULT_LANGUAGE

__all__ = ["GeometryRepair", "ImportReport", "NameMatch", "PartReport"]


@dataclass(frozen=True)
class NameMatch:
    """A table row whose commune name matched no commune, with the closest name."""

    row: int
    name: str
    suggestion: str | None = None
    suggestion_id: str | None = None


@dataclass(frozen=True)
class GeometryRepair:
    """One feature whose geometry was made valid, and why it was not."""

    feature: int
    commune_id: str
    reason: str
    before: str
    after: str


@dataclass
class PartReport:
    """What was found in one uploaded file and what was done to it."""

    part: str
    file: str
    format: str = ""
    size_bytes: int = 0
    sha256: str = ""
    rows_read: int = 0
    rows_kept: int = 0
    encoding: str | None = None
    delimiter: str | None = None
    header_row: int | None = None
    layer: str | None = None
    layout: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    crs: str | None = None
    crs_epsg: int | None = None
    reprojection: str | None = None
    matched_by_id: int = 0
    matched_by_name: int = 0
    unmatched: list[NameMatch] = field(default_factory=list)
    repairs: list[GeometryRepair] = field(default_factory=list)
    converted_rows: int = 0  # rows keyed by pre-2025 communes, converted through the crosswalk
    converted_years: list[int] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def _problem_dict(problem: Problem, lang: str) -> dict:
    return {"file": problem.file, "row": problem.row, "column": problem.column, "code": problem.code,
            "message": problem.message(lang)}


@dataclass
class ImportReport:
    """Everything an import found: blocking problems, notes (detections and
    repairs, located like problems), and per-file details."""

    parts: dict[str, PartReport] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    checksum: str = ""  # the uploaded files (part, name, bytes): spots a repeated import
    content_checksum: str = ""  # the checked Dataset (risk.contracts.dataset.dataset_checksum)
    version_id: int | None = None

    @property
    def ok(self) -> bool:
        """True when nothing blocks the import."""
        return not self.problems

    def messages(self, lang: str = DEFAULT_LANGUAGE) -> list[str]:
        return [p.message(lang) for p in self.problems]

    def note_messages(self, lang: str = DEFAULT_LANGUAGE) -> list[str]:
        return [p.message(lang) for p in self.notes]

    def to_dict(self, lang: str = DEFAULT_LANGUAGE) -> dict:
        """JSON-ready form (the CLI's --json output)."""
        return {
            "ok": self.ok, "version": self.version_id, "checksum": self.checksum,
            "errors": [_problem_dict(p, lang) for p in self.problems],
            "notes": [_problem_dict(p, lang) for p in self.notes],
            "parts": {name: part.to_dict() for name, part in self.parts.items()},
        }
