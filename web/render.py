"""Templates (Jinja2, autoescaped) and the one way a page answers: `render`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from web import catalogue

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
env.globals.update(t=catalogue.t, rule_name=catalogue.rule_name, lang=catalogue.LANGUAGE)
env.globals["has"] = catalogue.has
env.filters["day"] = catalogue.day
env.filters["field_label"] = catalogue.field_label


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """The page, with the viewer (when logged in) and the request for the frame.
    Pages are never cached: they show one person's records."""
    context.setdefault("viewer", getattr(request.state, "viewer", None))
    context.setdefault("notice", request.query_params.get("notice"))
    html = env.get_template(template).render(request=request, **context)
    return HTMLResponse(
        html,
        status_code=status,
        headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY"},
    )
