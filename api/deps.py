"""What a request needs, as typed `Annotated` dependencies: the services, the caller
(bearer token or session cookie), and the caller's organisation and cells as recorded."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from api.accounts import AccountStore
from api.problems import ProblemError
from domain.access import Caller
from domain.application import ChiboApplication
from domain.cell import Cell
from domain.organisation import Organisation
from projections.projector import Projector
from projections.registry import all_projections
from projections.store import ReadStore

SESSION_COOKIE = "chibo_session"

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/token", auto_error=False)


@dataclass
class Services:
    """The parts the API works with, built once per process (`api.app.create_app`)."""

    app: ChiboApplication
    open_store: Callable[[], ReadStore]
    read_your_writes: float = 5.0
    """Seconds a command's answer waits for the read models to show it (0: no wait)."""
    project_inline: bool = False
    """Catch the read models up in this process after each command (tests, no projector)."""
    check_temporal: Callable[[], bool] = lambda: True
    audit_key_path: Path | None = None
    """The audit key (or its `.pub`) that `GET /api/audit/verification` checks with."""
    mail_dir: Path | None = None
    """The embedded mail sink's folder, which the page `/mail` lists (None: mail goes to a
    real server, and there is no such page)."""
    _local: threading.local = field(default_factory=threading.local)
    _owners: dict[threading.Thread, ReadStore] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _projecting: threading.Lock = field(default_factory=threading.Lock)

    def store(self) -> ReadStore:
        """This thread's read store (a connection is never shared between threads). The
        server's worker threads come and go (anyio retires idle ones): the store of a
        thread that has ended is closed when another opens, so connections stay as many
        as the live threads."""
        store: ReadStore | None = getattr(self._local, "store", None)
        if store is None:
            store = self._local.store = self.open_store()
            with self._lock:
                for thread in [t for t in self._owners if not t.is_alive()]:
                    self._owners.pop(thread).close()
                self._owners[threading.current_thread()] = store
        return store

    @property
    def _stores(self) -> list[ReadStore]:
        """The stores open now (tests close them)."""
        with self._lock:
            return list(self._owners.values())

    def accounts(self) -> AccountStore:
        return AccountStore(self.store())

    def caught_up(self) -> None:
        """Read-your-writes: the read models show everything stored so far."""
        head = self.app.recorder.max_notification_id() or 0
        projector = Projector(self.app, self.store(), all_projections())
        if self.project_inline:
            with self._projecting:
                projector.run_until_caught_up()
            return
        if self.read_your_writes > 0:
            # No projector running: the answer still holds the command's own result.
            with contextlib.suppress(TimeoutError):
                projector.wait_for(head, self.read_your_writes)

    def close(self) -> None:
        with self._lock:
            for store in self._owners.values():
                store.close()
            self._owners.clear()
        self.app.close()


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


ServicesDep = Annotated[Services, Depends(services)]


def current_caller(
    request: Request, svc: ServicesDep, token: Annotated[str | None, Depends(oauth2)]
) -> Caller:
    """The authenticated member: bearer token, else the pages' session cookie; 401."""
    token = token or request.cookies.get(SESSION_COOKIE)
    caller = svc.accounts().caller_for(token) if token else None
    if caller is None:
        raise ProblemError(
            401,
            "cần đăng nhập (a valid bearer token is required)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return caller


CallerDep = Annotated[Caller, Depends(current_caller)]


def organisation_of(svc: ServicesDep, caller: CallerDep) -> Organisation:
    org: Any = svc.app.view(Organisation.id_for(caller.organisation))
    if not isinstance(org, Organisation):
        raise ProblemError(
            401, "tổ chức của tài khoản không còn (the account's organisation is gone)"
        )
    return org


OrganisationDep = Annotated[Organisation, Depends(organisation_of)]


def cells_of(svc: Services, org: Organisation) -> list[Cell]:
    found = [svc.app.view(Cell.id_for(key)) for key in org.cells]
    return [cell for cell in found if isinstance(cell, Cell)]


def today() -> date:
    return date.today()
