"""Inputs and outputs of workflows: small pydantic models, passed through the sandbox."""

from __future__ import annotations

from pydantic import BaseModel


class CalendarInput(BaseModel):
    organisation: str
    year: int
