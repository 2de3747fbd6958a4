"""Every projection the projector runs, in one list."""

from __future__ import annotations

from projections.organisations import OrganisationsProjection
from projections.projection import Projection


def all_projections() -> list[Projection]:
    return [OrganisationsProjection()]
