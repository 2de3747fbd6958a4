"""Every projection the projector runs, in one list."""

from __future__ import annotations

from projections.cells import CellsProjection
from projections.deliveries import DeliveriesProjection
from projections.escalations import EscalationsProjection
from projections.fees import FeesProjection
from projections.inspections import InspectionsProjection
from projections.meetings import MeetingsProjection
from projections.organisations import OrganisationsProjection
from projections.projection import Projection
from projections.reminders import RemindersProjection
from projections.resolutions import ResolutionsProjection
from projections.tasks import TasksProjection

PROJECTIONS: tuple[type[Projection], ...] = (
    OrganisationsProjection,
    CellsProjection,
    MeetingsProjection,
    ResolutionsProjection,
    InspectionsProjection,
    TasksProjection,
    FeesProjection,
    EscalationsProjection,
    RemindersProjection,
    DeliveriesProjection,
)
"""In the order the projector applies a batch."""


def all_projections() -> list[Projection]:
    return [projection() for projection in PROJECTIONS]
