"""What a projection is: its tables, and how each event changes them."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from projections.store import Cursor


class Projection(ABC):
    name: ClassVar[str]
    ddl: ClassVar[tuple[str, ...]]
    tables: ClassVar[tuple[str, ...]]
    """Tables this projection owns (dropped and refilled by a rebuild)."""

    @abstractmethod
    def apply(self, cur: Cursor, event: Any, position: int) -> None:
        """Writes what `event` (at `position` in the log) changes; ignores the rest."""
