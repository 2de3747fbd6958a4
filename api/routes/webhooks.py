"""An organisation's webhook (issue 13): where its notices are POSTed, signed with a
secret kept outside the event log and never returned (docs/webhooks.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from api.deps import CallerDep, OrganisationDep, ServicesDep
from api.guard import not_found
from api.problems import ProblemError, errors
from domain import commands as c
from projections import webhooks

router = APIRouter(tags=["commands"])


class WebhookBody(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    url: Annotated[str, Field(min_length=1, max_length=webhooks.URL_MAX)]
    secret: Annotated[str, Field(min_length=webhooks.SECRET_MIN, max_length=webhooks.SECRET_MAX)]
    """Signs every POST (HMAC-SHA256); stored, never returned."""


class WebhookAnswer(BaseModel):
    organisation: str
    url: str
    secret_set: bool = True


@router.put(
    "/organisations/{organisation}/webhook",
    response_model=WebhookAnswer,
    responses=errors(401, 403, 404, 413, 422),
)
def set_webhook(
    organisation: Annotated[str, Path(pattern=c.ID_PATTERN, max_length=c.ID_MAX)],
    body: WebhookBody,
    svc: ServicesDep,
    caller: CallerDep,
    org: OrganisationDep,
) -> WebhookAnswer:
    """The organisation secretary sets where its notices are POSTed, and their secret."""
    if organisation != org.key:
        raise not_found("tổ chức (organisation)", organisation)
    if caller.member != org.secretary:
        raise ProblemError(403, "không được phép (not allowed): the organisation secretary")
    problem = webhooks.url_problem(body.url)
    if problem:
        raise ProblemError(422, problem)
    webhooks.set_webhook(svc.store(), org.key, body.url, body.secret, caller.member)
    return WebhookAnswer(organisation=org.key, url=body.url)
