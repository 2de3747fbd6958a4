"""`chibo` commands: Organisations and what supervisors read: inboxes, compliance, figures."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer

from api.calendar import CalendarTokens
from api.contacts import ContactStore
from domain.cell import Cell
from domain.commands import AdoptPolicy, CreateOrganisation, EraseMember
from domain.errors import DomainError
from domain.organisation import Organisation
from domain.periods import bounds, judged_on
from projections.compliance import compliance, organisation_figures
from projections.escalations import inbox as escalation_inbox
from projections.escalations import known_recipient
from projections.organisations import list_organisations
from workers.cli.app import REFUSED, app, console, fail, load_settings, members_app, org_app
from workers.cli.labels import KIND_LABELS, STATUS_LABELS
from workers.cli.printing import print_compliance
from workers.erasure import erase_member
from workers.keystore import FileKeyStore
from workers.wiring import make_app, make_read_store

PERIOD_HELP = "2026-03, 2026-Q1, 2026-H1 or 2026"


def _period(text: str | None) -> tuple[date, date]:
    """The bounds of `--period` (this year when omitted), or exit 2 naming the option."""
    value = text or str(date.today().year)
    try:
        start, end = bounds(value)
    except (ValueError, OverflowError):
        raise typer.BadParameter(
            f"kỳ không hợp lệ (invalid period) {value!r}: {PERIOD_HELP}", param_hint="'--period'"
        ) from None
    if not 1900 <= start.year <= 2999 or str(start.year) != value[:4]:
        raise typer.BadParameter(
            f"kỳ không hợp lệ (invalid period) {value!r}: {PERIOD_HELP}", param_hint="'--period'"
        )
    return start, end


def _date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"ngày không hợp lệ (invalid date) {text!r}: YYYY-MM-DD", param_hint=f"'{option}'"
        ) from None


@org_app.command("create")
def org_create(
    organisation: Annotated[str, typer.Option("--id", help="short id, e.g. tb")],
    name: Annotated[str, typer.Option(help="tên đảng ủy")],
    secretary: Annotated[str, typer.Option(help="bí thư (member id)")],
    standing: Annotated[list[str] | None, typer.Option(help="ban thường vụ")] = None,
    committee: Annotated[list[str] | None, typer.Option(help="đảng ủy viên")] = None,
    actor: Annotated[str, typer.Option(help="who records this")] = "cli",
    command_id: Annotated[str | None, typer.Option(help="idempotency key")] = None,
    occurred_on: Annotated[str | None, typer.Option(help="business date (ISO)")] = None,
    rules_version: Annotated[
        int,
        typer.Option(
            min=1,
            max=2,
            help="2: every checked rule live (SCENARIOS.md version 2); 1: the first set",
        ),
    ] = 2,
) -> None:
    """Register a grassroots committee (đảng ủy cơ sở), judged by every checked rule
    unless `--rules-version 1`."""
    day = _date(occurred_on, "--occurred-on") if occurred_on else date.today()
    settings = load_settings()
    application = make_app(settings)
    command = CreateOrganisation(
        actor=actor,
        command_id=command_id or f"org-create-{organisation}",
        occurred_on=day,
        organisation=organisation,
        name=name,
        secretary=secretary,
        standing_committee=standing or [],
        committee=committee or [],
    )
    rules = AdoptPolicy(
        actor=actor,
        command_id=f"{command.command_id}:rules",
        occurred_on=day,
        organisation=organisation,
        name=f"rules version {rules_version}",
        effective_from=day,
        values={"rules_version": rules_version},
    )
    try:
        result = application.handle(command)
        if rules_version != 1:  # 1 is what a policy without the key reads as
            application.handle(rules)
    except DomainError as error:
        fail(f"từ chối (refused) {error}", REFUSED)
    finally:
        application.close()
    console.print(json.dumps(result, ensure_ascii=False), markup=False)


@members_app.command("erase")
def members_erase(
    organisation: Annotated[str, typer.Argument(help="organisation id, e.g. tb")],
    member: Annotated[str, typer.Argument(help="member id, e.g. m12")],
    legal_basis: Annotated[str, typer.Option(help="why the data may be erased")] = "",
    request_ref: Annotated[str, typer.Option(help="the request's reference")] = "",
    actor: Annotated[str, typer.Option(help="who records this")] = "cli",
) -> None:
    """Erase a member's personal data (name, excuse reasons): records the erasure, then
    destroys their key. Running it again finishes an interrupted erasure."""
    settings = load_settings()
    application = make_app(settings)
    keys = FileKeyStore(settings.personal_keys_dir) if settings.personal_keys_dir else None
    command = EraseMember(
        actor=actor,
        command_id=f"erase-{organisation}-{member}",
        occurred_on=date.today(),
        organisation=organisation,
        member=member,
        legal_basis=legal_basis,
        request_ref=request_ref,
    )
    store = make_read_store(settings)
    try:
        outcome = erase_member(
            application, keys, command, ContactStore(store), CalendarTokens(store)
        )
    except DomainError as error:
        fail(f"từ chối (refused) {error}", REFUSED)
    finally:
        store.close()
        application.close()
    if keys is None:
        console.print("CHIBO_PERSONAL_KEYS_DIR is unset: names were stored unsealed", markup=False)
    print(json.dumps(outcome.result | {"stored": outcome.stored}, ensure_ascii=False))


@org_app.command("list")
def org_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List organisations from the read model."""
    store = make_read_store(load_settings())
    try:
        rows = list_organisations(store)
    finally:
        store.close()
    if as_json:
        print(json.dumps([r.model_dump() for r in rows], ensure_ascii=False))
        return
    for row in rows:
        console.print(
            f"{row.key}\t{row.name}\tbí thư {row.secretary}\t{row.registered_on}", markup=False
        )


@app.command()
def inbox(
    member: Annotated[str, typer.Argument(help="member id, e.g. m03")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
    everything: Annotated[
        bool, typer.Option("--all", help="also acknowledged and resolved")
    ] = False,
) -> None:
    """A member's escalations (hộp thư cảnh báo): open ones unless --all."""
    store = make_read_store(load_settings())
    try:
        if not known_recipient(store, member):
            fail(f"không có đảng viên (unknown member) {member!r}", REFUSED)
        rows = escalation_inbox(store, member, status=None if everything else "open")
    finally:
        store.close()
    if as_json:
        print(json.dumps([r.model_dump(mode="json") for r in rows], ensure_ascii=False, indent=1))
        return
    if not rows:
        console.print(f"{member}: không có cảnh báo (no escalations)", markup=False)
    for row in rows:
        console.print(
            f"{row.raised_on} [{row.rule}] {KIND_LABELS.get(row.kind, row.kind)}"
            f" {row.cell or row.member or ''} {row.period or ''} cấp {row.level}"
            f" — {STATUS_LABELS.get(row.status, row.status)}  ({row.key})",
            markup=False,
        )


@app.command("compliance")
def compliance_command(
    cell: Annotated[str | None, typer.Option(help="one cell")] = None,
    period: Annotated[
        str | None, typer.Option(help="2026-03, 2026-Q1, 2026-H1 or 2026 (default: this year)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Compliance of each cell over a period (months and quarters ended by its end)."""
    start, end = _period(period)
    end = judged_on(start, end, date.today())
    settings = load_settings()
    application, store = make_app(settings), make_read_store(settings)
    try:
        if cell is not None and Cell.id_for(cell) not in application.repository:
            fail(f"không có chi bộ (unknown cell) {cell!r}", REFUSED)
        result = compliance(store, start, end, application.policy_on, cell=cell)
    finally:
        store.close()
        application.close()
    if as_json:
        print(json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=1))
        return
    print_compliance(console, result)


@app.command("figures")
def figures_command(
    organisation: Annotated[str, typer.Argument(help="organisation id, e.g. tb")],
    period: Annotated[str | None, typer.Option(help="2026-Q1, 2026-H1 or 2026")] = None,
    target: Annotated[
        float | None,
        typer.Option(help="attendance target (R13); default: the policy's in force"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """An organisation's figures against its targets: attendance (R13), member tasks
    (R30), cells inspected (R51), ratings (R60)."""
    start, end = _period(period)
    settings = load_settings()
    application, store = make_app(settings), make_read_store(settings)
    try:
        if Organisation.id_for(organisation) not in application.repository:
            fail(f"không có đảng ủy (unknown organisation) {organisation!r}", REFUSED)
        result = organisation_figures(
            store, organisation, start, end, application.policy_on, attendance_target=target
        )
    finally:
        store.close()
        application.close()
    if as_json:
        print(json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=1))
        return
    rate = "—" if result.attendance_rate is None else f"{result.attendance_rate:.1%}"
    console.print(f"{organisation} {start} → {end}")
    console.print(f"  tỷ lệ dự họp (attendance) {rate} / chỉ tiêu {result.attendance_target:.0%}")
    console.print(f"  phân công nhiệm vụ (tasks) {result.task_coverage:.0%} / 100%")
    console.print(f"  chi bộ được kiểm tra (inspected) {result.inspection_coverage:.0%} / 100%")
    console.print(f"  xếp loại (ratings) {result.ratings}")
