"""Forms: parsing what was typed into the API's body models, and turning any refusal
(a rule, a bad field, a lost race) into what the form shows above what was typed.

A page posts, the page code builds the API's body and calls the API's route function:
the same access checks, the same domain command, the same rule decides. Nothing is
checked twice here."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from eventsourcing.persistence import IntegrityError
from fastapi import Request
from pydantic import ValidationError
from starlette.datastructures import FormData

from api.problems import ProblemError
from domain.errors import DomainError
from web import catalogue
from web.catalogue import t

T = TypeVar("T")


@dataclass
class Refusal:
    """Why a form was not stored: the rule (with its Vietnamese name), the fields to fix
    and the technical detail."""

    status: int
    detail: str
    rule: str | None = None
    fields: list[str] = field(default_factory=list)

    @property
    def rule_name(self) -> str:
        return catalogue.rule_name(self.rule)

    @property
    def headline(self) -> str:
        return t(f"error.{self.status}") if self.status != 422 else t("refusal.title")


class Form:
    """What was typed, kept to fill the form again after a refusal."""

    def __init__(self, data: FormData | None = None) -> None:
        self.data = data

    def get(self, name: str, default: str = "") -> str:
        value = self.data.get(name) if self.data is not None else None
        return str(value) if value is not None else default

    def all(self, name: str) -> list[str]:
        return [str(v) for v in self.data.getlist(name)] if self.data is not None else []

    def lines(self, name: str) -> list[str]:
        return [line.strip() for line in self.get(name).splitlines() if line.strip()]

    def optional(self, name: str) -> str | None:
        return self.get(name).strip() or None

    def checked(self, name: str) -> bool:
        return self.get(name) in ("on", "true", "1")


async def read_form(request: Request) -> Form:
    return Form(await request.form())


WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def attempt(
    action: Callable[[], T], known_fields: Iterable[str] = ()
) -> tuple[T | None, Refusal | None]:
    """Runs a page's action; a refusal of any kind becomes a `Refusal` (nothing stored).
    Fields named in the refusal's text are marked for the form to highlight."""
    try:
        return action(), None
    except ProblemError as error:
        return None, _refusal(error.status, error.detail, error.rule, known_fields)
    except ValidationError as error:
        names = [
            ".".join(str(p) for p in e.get("loc", ()) if p not in ("body",)) for e in error.errors()
        ]
        detail = "; ".join(
            f"{name or '(body)'}: {e.get('msg', '')}"
            for name, e in zip(names, error.errors(), strict=True)
        )
        refusal = _refusal(422, detail, None, known_fields)
        refusal.fields = sorted({*refusal.fields, *(n.split(".")[0] for n in names if n)})
        return None, refusal
    except DomainError as error:
        return None, _refusal(422, str(error.message), error.rule, known_fields)
    except IntegrityError:
        return None, Refusal(409, t("error.409"))


def _refusal(status: int, detail: str, rule: str | None, known: Iterable[str]) -> Refusal:
    words = set(WORD.findall(detail))
    return Refusal(status, detail, rule, sorted(name for name in known if name in words))
