"""Readable reports (Vietnamese labels) of a simulation and of compliance figures."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from rich.console import Console
from rich.table import Table

from projections.compliance import Compliance
from workers.cli.labels import KIND_LABELS

SUBJECTS = ("cell", "member", "meeting", "resolution", "members", "rate", "period")


def _subject(item: dict[str, Any]) -> str:
    return ", ".join(f"{k} {item[k]}" for k in SUBJECTS if k in item)


def print_report(console: Console, result: dict[str, Any]) -> None:
    console.print(f"[bold]{result['name']}[/bold]  {result['start']} → {result['end']}")
    for title, key, day in (
        ("Cảnh báo (escalations)", "escalations", "raised_on"),
        ("Nhắc việc (reminders)", "reminders", "on"),
    ):
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for item in result[key]:
            groups[item["kind"]].append(item)
        console.print(f"\n[bold]{title}[/bold]: {len(result[key])}")
        for kind in sorted(groups):
            console.print(f"  [cyan]{KIND_LABELS.get(kind, kind)}[/cyan] ({kind})")
            for item in sorted(groups[kind], key=lambda i: (i[day], _subject(i))):
                level = f" cấp {item['level']}" if "level" in item else ""
                console.print(
                    f"    {item[day]} [{item['rule']}] {_subject(item)}{level}"
                    f" → {', '.join(item['to'])}"
                )
    console.print(f"\n[bold]Lệnh bị từ chối (refused)[/bold]: {len(result['errors'])}")
    for error in result["errors"]:
        console.print(
            f"  {error['on']} mục {error['item']} [{error['rule'] or '—'}] {error['message']}"
        )
    cells = result["compliance"]["cells"]
    console.print("\n[bold]Chấp hành (compliance)[/bold]")
    table = _compliance_table()
    for cell, f in sorted(cells.items()):
        table.add_row(cell, *_row(f))
    console.print(table)


def _compliance_table() -> Table:
    table = Table()
    for column in (
        "chi bộ",
        "tháng có SH thường kỳ",
        "muộn",
        "quý có chuyên đề",
        "tỷ lệ dự họp",
        "NQ thông qua",
        "đúng hạn",
        "trễ hạn",
        "đang mở",
        "quá hạn",
        "kiểm tra",
    ):
        table.add_column(column)
    return table


def _row(f: dict[str, Any]) -> list[str]:
    r = f["resolutions"]
    rate = f["attendance_rate"]
    return [
        str(f["regular_months"]),
        str(f["late_regular"]),
        str(f["thematic_quarters"]),
        "—" if rate is None else f"{rate:.1%}",
        str(r["adopted"]),
        str(r["completed_on_time"]),
        str(r["completed_late"]),
        str(r["open"]),
        str(r["overdue_open"]),
        str(f["inspections"]),
    ]


def print_compliance(console: Console, result: Compliance) -> None:
    console.print(f"[bold]Chấp hành (compliance)[/bold] {result.start} → {result.end}")
    table = _compliance_table()
    for cell, figures in sorted(result.cells.items()):
        table.add_row(cell, *_row(figures.model_dump(mode="json")))
    console.print(table)
