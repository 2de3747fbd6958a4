"""No 500 for bad input (API.md "Errors"): every operation of the app's OpenAPI
document — whichever routes exist when the test runs — gets malformed input from a
logged-in member (bad JSON, invalid UTF-8, deep nesting, wrong types, unknown and
missing fields, huge strings, bad path and query values, bodies over 1 MB) and answers
a 4xx problem document (RFC 9457), never a 5xx. Hypothesis is derandomized and bounded."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from api.app import MAX_BODY
from audit.signing import generate_key
from tests.api_support import bearer, client, login, seeded
from tests.test_openapi import document
from workers.settings import Settings
from workers.wiring import init_db

DOC = document()
OPERATIONS = [
    (method, path, operation)
    for path, methods in DOC["paths"].items()
    for method, operation in methods.items()
]
PROBLEM_FIELDS = {"type", "title", "status", "detail", "rule"}
GUESSES = {"cell": "c1", "year": "2026", "member": "m12", "meeting": "h1", "id": "r1"}
"""Plausible path values, so that body checks get past the path."""
BAD_VALUES = [
    "",
    " ",
    "x" * 5000,
    "-1",
    "0",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "2026-02-30",
    "not-a-date",
    "../../etc/passwd",
    "%00",
    "%ff%fe",
    "Đảng viên 🎌",
    "true",
    "null",
    "[]",
    "{}",
    "' OR 1=1 --",
]
HUGE = "ă" * 200_000


@pytest.fixture(scope="module")
def http(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """A client over ward `tb` (SQLite) and the headers of a member (m12) and of the
    organisation secretary (m01), who gets furthest past the access checks."""
    root: Path = tmp_path_factory.mktemp("fuzz")
    settings = Settings(
        database_url=f"sqlite:///{root / 'chibo.db'}",
        data_dir=root,
        audit_key_path=root / "audit" / "ed25519.pem",
    )
    init_db(settings)
    generate_key(settings.audit_key_path)  # so the auditors' verification answers
    for svc in seeded(settings):
        test_client = client(svc, "fuzzer")
        tokens = {member: login(client(svc, "login"), member) for member in ("m12", "m01")}
        yield test_client, tokens


def check(answer: Any, where: str) -> None:
    status = answer.status_code
    assert status < 500, f"{where}: {status} {answer.text[:500]}"
    if status < 400:
        return
    kind = answer.headers.get("content-type", "")
    assert kind.startswith("application/problem+json"), f"{where}: {status} {kind}"
    body = answer.json()
    assert set(body) >= PROBLEM_FIELDS, f"{where}: {body}"
    assert body["status"] == status and isinstance(body["detail"], str) and body["detail"], body
    assert "Traceback" not in answer.text, where


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = DOC["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def sample(schema: dict[str, Any], depth: int = 0) -> Any:
    """A plausible value of a schema (the starting point each mutation breaks)."""
    schema = resolve(schema)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if resolve(s).get("type") != "null"]
            return sample(options[0], depth) if options else None
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if depth > 4:
            return {}
        return {k: sample(v, depth + 1) for k, v in schema.get("properties", {}).items()}
    if kind == "array":
        return [sample(schema.get("items", {}), depth + 1)] if depth <= 4 else []
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    if schema.get("format") == "date":
        return "2026-01-05"
    if schema.get("format") == "date-time":
        return "2026-01-05T10:00:00+07:00"
    return "x1"


def body_schema(operation: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    content = operation.get("requestBody", {}).get("content", {})
    for media_type, spec in content.items():
        return media_type, resolve(spec.get("schema", {}))
    return None


def url(path: str, values: dict[str, str] | None = None) -> str:
    for name in [p.split("}")[0] for p in path.split("{")[1:]]:
        value = (values or {}).get(name, GUESSES.get(name, "x1"))
        # Percent-encoded as a client must: the server sees every character.
        path = path.replace("{" + name + "}", quote(value, safe="/"))
    return path


def encode(media_type: str, value: Any) -> bytes:
    if media_type == "application/x-www-form-urlencoded" and isinstance(value, dict):
        from urllib.parse import urlencode

        return urlencode(
            {k: json.dumps(v) if not isinstance(v, str) else v for k, v in value.items()}
        ).encode()
    return json.dumps(value, ensure_ascii=False).encode()


def mutations(schema: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """(what, body): the valid-looking body with one thing broken at a time."""
    base = sample(schema)
    yield "plausible", base
    yield "empty object", {}
    if not isinstance(base, dict):
        return
    yield "unknown field", {**base, "khong_co": 1}
    for name, prop in schema.get("properties", {}).items():
        rest = {k: v for k, v in base.items() if k != name}
        yield f"missing {name}", rest
        wrongs: tuple[Any, ...] = (None, 123, -1, 1e308, True, "x", [], {}, [[[]]], HUGE)
        for wrong in wrongs:
            yield f"{name}={str(wrong)[:12]!r}", {**rest, name: wrong}
        if resolve(prop).get("type") == "array":
            yield f"{name} long", {**rest, name: ["x"] * 5000}


RAW_BODIES = [
    b"{",
    b"",
    b"null",
    b"[]",
    b'"s"',
    b"1e999999",
    b'{"a": NaN}',
    b"\xff\xfe\xfd",
    b'{"a": "\xc3\x28"}',
    b"\x00" * 100,
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    '{"x": "Đảng"}'.encode("utf-16"),
]


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    OPERATIONS,
    ids=[f"{m.upper()} {p}" for m, p, _ in OPERATIONS],
)
def test_no_500_for_bad_input(
    http: tuple[TestClient, dict[str, str]], method: str, path: str, operation: dict[str, Any]
) -> None:
    test_client, tokens = http
    headers = bearer(tokens["m01"])
    params = operation.get("parameters", [])
    in_path = [p["name"] for p in params if p["in"] == "path"]
    in_query = [p["name"] for p in params if p["in"] == "query"]
    body = body_schema(operation)
    media_type = body[0] if body else "application/json"

    def send(target: str, content: Any = None, kind: str = media_type, **kw: Any) -> Any:
        answer = test_client.request(
            method.upper(),
            target,
            content=content,
            headers={**headers, "Content-Type": kind, **kw.pop("headers", {})},
            **kw,
        )
        shown = content[:80] if isinstance(content, bytes) else content
        check(answer, f"{method.upper()} {target[:200]} {shown!r}")
        return answer

    # Bad path values, one parameter at a time.
    for name in in_path:
        for bad in BAD_VALUES:
            send(url(path, {name: bad.replace("/", "%2F")}))
    # Bad query values, and unknown query parameters.
    for name in [*in_query, "khong_co", "limit", "cursor"]:
        for bad in BAD_VALUES:
            send(url(path), params={name: bad})
    send(url(path), params={"limit": ["1", "2"], "on": ["2026-01-01", "x"]})
    # Raw bodies: bad JSON, invalid UTF-8, nesting, wrong content types.
    for raw in RAW_BODIES:
        send(url(path), raw)
        send(url(path), raw, kind="text/plain")
    # Structured bodies with one field broken at a time.
    if body is not None:
        for _, value in mutations(body[1]):
            send(url(path), encode(media_type, value))
    # Oversized: by Content-Length, and streamed without one.
    big = b'{"x": "' + b"a" * MAX_BODY + b'"}'
    assert send(url(path), big).status_code == 413
    chunked = send(url(path), content=iter([big[i : i + 65536] for i in range(0, len(big), 65536)]))
    if body is not None:
        assert chunked.status_code == 413


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=50),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=20,
)


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    [op for op in OPERATIONS if "requestBody" in op[2] or op[2].get("parameters")],
    ids=[
        f"{m.upper()} {p}" for m, p, op in OPERATIONS if "requestBody" in op or op.get("parameters")
    ],
)
def test_no_500_for_generated_input(
    http: tuple[TestClient, dict[str, str]], method: str, path: str, operation: dict[str, Any]
) -> None:
    test_client, tokens = http
    body = body_schema(operation)
    media_type = body[0] if body else "application/json"
    base = sample(body[1]) if body else None
    names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]

    @hsettings(
        max_examples=60,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(
        value=JSON,
        field=st.sampled_from(sorted(base)) if isinstance(base, dict) and base else st.none(),
        path_value=st.text(min_size=1, max_size=30).filter(
            lambda s: "/" not in s and "?" not in s and "#" not in s
        ),
        raw=st.binary(max_size=64),
        member=st.sampled_from(sorted(tokens)),
    )
    def fuzz(value: Any, field: str | None, path_value: str, raw: bytes, member: str) -> None:
        target = url(path, dict.fromkeys(names, path_value))
        headers = {**bearer(tokens[member]), "Content-Type": media_type}
        content = encode(
            media_type, {**base, field: value} if field and isinstance(base, dict) else value
        )
        for payload in (content, raw):
            answer = test_client.request(method.upper(), target, content=payload, headers=headers)
            check(answer, f"{method.upper()} {target!r} {payload[:80]!r}")

    fuzz()
