"""Progress of a long analysis, told to whoever runs it: the pages draw a progress bar from it.

Why here. The engine knows how far it is (null maps drawn out of how many);
only the caller knows how to show it. The engine calls `report` with a frozen
`Progress`; a caller that wants a run stopped raises `Cancelled` from it, and
the run ends there, leaving nothing half-written (the engine writes nothing).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

__all__ = ["Cancelled", "Progress", "Report", "silent"]


@dataclass(frozen=True)
class Progress:
    """`done` of `total` units of one `step`; `scan` counts the passes of a step that repeats."""

    step: str  # a key the page labels: "dispersion", "null_maps", "finishing"
    done: int
    total: int
    scan: int = 1

    @property
    def fraction(self) -> float:
        return min(1.0, max(0.0, self.done / self.total)) if self.total > 0 else 1.0


Report = Callable[[Progress], None]


class Cancelled(Exception):
    """Raised by a `Report` to stop the run that called it (nobody waits for the result any more)."""


def silent(progress: Progress) -> None:
    """The default `Report`: the CLI and the tests have nobody to tell."""
