"""The OpenAPI document is kept in the repo (docs/openapi.json), so a change to the API
shows up in review; and every operation the app has — whichever routes exist when the
test runs — is described and documents the errors it can answer.

Regenerate after changing a route: `make openapi` (CHIBO_UPDATE_OPENAPI=1 on this test).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.app import create_app
from api.deps import Services
from tests.factories import memory_app

DOC = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"
PUBLIC = {
    ("post", "/api/token"),
    ("get", "/api/health"),
    ("get", "/api/calendar/{token}.ics"),
}
"""Operations that need no token (API.md "Identity"; the calendar feed's token is in
its path)."""
WRITES = {"post", "put", "patch", "delete"}
OWN = {("post", "/api/calendar-tokens"), ("delete", "/api/calendar-tokens")}
"""Writes on the caller's own credentials: nothing to refuse (no 403)."""
HOW_TO_UPDATE = (
    "docs/openapi.json differs from the app's OpenAPI document. If the change is "
    "intended, regenerate it with `make openapi` (or CHIBO_UPDATE_OPENAPI=1 pytest "
    "tests/test_openapi.py) and commit it."
)


def document() -> dict[str, Any]:
    services = Services(app=memory_app(), open_store=lambda: None)  # type: ignore[arg-type,return-value]
    try:
        result: dict[str, Any] = create_app(services).openapi()
    finally:
        services.app.close()
    return result


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return document()


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in doc["paths"].items():
        for method, operation in methods.items():
            yield method, path, operation


def test_the_document_in_the_repo_is_current(doc: dict[str, Any]) -> None:
    text = render(doc)
    if os.environ.get("CHIBO_UPDATE_OPENAPI") == "1":
        DOC.write_text(text, encoding="utf-8")
        return
    assert DOC.exists(), f"docs/openapi.json is missing. {HOW_TO_UPDATE}"
    stored = DOC.read_text(encoding="utf-8")
    if stored != text:
        ours, theirs = json.loads(stored), doc
        changed = sorted(
            f"{m.upper()} {p}"
            for m, p, op in operations(theirs)
            if ours["paths"].get(p, {}).get(m) != op
        ) + sorted(
            f"{m.upper()} {p} (removed)"
            for m, p, _ in operations(ours)
            if m not in theirs["paths"].get(p, {})
        )
        pytest.fail(f"{HOW_TO_UPDATE}\nChanged operations: {changed or 'components only'}")


def test_the_document_is_served_without_a_token() -> None:
    from fastapi.testclient import TestClient

    services = Services(app=memory_app(), open_store=lambda: None)  # type: ignore[arg-type,return-value]
    try:
        http = TestClient(create_app(services))
        answer = http.get("/api/openapi.json")
        assert answer.status_code == 200
        assert answer.json()["paths"].keys() == document()["paths"].keys()
        assert http.get("/api/docs").status_code == 200
    finally:
        services.app.close()


def test_every_operation_is_described(doc: dict[str, Any]) -> None:
    missing = [
        f"{m.upper()} {p}"
        for m, p, op in operations(doc)
        if not op.get("summary") or not (op.get("description") or "").strip()
    ]
    assert not missing, f"operations without a summary and description (docstring): {missing}"


def expected_errors(method: str, path: str, operation: dict[str, Any]) -> set[str]:
    """The error statuses an operation can answer, so must document."""
    expected = set()
    if (method, path) not in PUBLIC:
        expected.add("401")
        if method in WRITES and (method, path) not in OWN:
            expected.add("403")
    parameters = operation.get("parameters", [])
    if parameters or "requestBody" in operation:
        expected.add("422")
    if any(p["in"] == "path" for p in parameters):
        expected.add("404")
    if "requestBody" in operation:
        expected.add("413")
    return expected


def test_every_operation_documents_its_errors(doc: dict[str, Any]) -> None:
    missing = {
        f"{m.upper()} {p}": sorted(expected_errors(m, p, op) - set(op["responses"]))
        for m, p, op in operations(doc)
    }
    missing = {k: v for k, v in missing.items() if v}
    assert not missing, (
        f"undocumented error answers (add `responses=` from api.problems.PROBLEMS): {missing}"
    )


def test_errors_are_documented_as_problem_documents(doc: dict[str, Any]) -> None:
    wrong = []
    for m, p, op in operations(doc):
        for status, answer in op["responses"].items():
            if not status.startswith("4"):
                continue
            schema = answer.get("content", {}).get("application/problem+json", {}).get("schema")
            if schema != {"$ref": "#/components/schemas/Problem"}:
                wrong.append(f"{m.upper()} {p} {status}")
    assert not wrong, f"error answers not documented as application/problem+json Problem: {wrong}"
    problem = doc["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "rule"} <= set(problem["properties"])


def test_protected_operations_declare_the_bearer_scheme(doc: dict[str, Any]) -> None:
    unsecured = [
        f"{m.upper()} {p}"
        for m, p, op in operations(doc)
        if (m, p) not in PUBLIC and not op.get("security")
    ]
    assert not unsecured, f"operations needing a token without `security`: {unsecured}"
    assert {"OAuth2PasswordBearer"} <= set(doc["components"]["securitySchemes"])


def test_successful_answers_have_a_schema(doc: dict[str, Any]) -> None:
    bare = [
        f"{m.upper()} {p} {status}"
        for m, p, op in operations(doc)
        for status, answer in op["responses"].items()
        if status.startswith("2")
        and status != "204"
        and not any(media.get("schema") for media in answer.get("content", {}).values())
    ]
    assert not bare, f"successful answers without a schema: {bare}"


def test_every_body_example_is_a_valid_body() -> None:
    """The examples a client copies from the document are accepted as they stand."""
    from api import commands

    checked = 0
    for model in vars(commands).values():
        if isinstance(model, type) and issubclass(model, commands.Body):
            extra = model.model_config.get("json_schema_extra")
            examples = extra.get("examples") if isinstance(extra, dict) else None
            for example in examples if isinstance(examples, list) else []:
                model.model_validate(example)
                checked += 1
    assert checked >= 7
