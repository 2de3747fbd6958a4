"""Personal data in events, ready for erasure on lawful request (see docs/personal-data.md).

An event names its personal fields and whose data each is (`PERSONAL`). When the
Application has a cipher, the mapper stores those fields sealed under the data subject's
own key; the hash chain covers the sealed bytes, so erasing the key (crypto-shredding)
leaves every hash and signature intact while the plaintext is gone for good.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

ERASED = "[đã xóa]"


class PersonalDataCipher(Protocol):
    def seal(self, subject: str, context: str, plaintext: str) -> str:
        """Encrypts `plaintext` under `subject`'s key, bound to `context`."""
        ...

    def open(self, subject: str, context: str, sealed: str) -> str | None:
        """The plaintext, or None once the subject's key has been erased."""
        ...

    def mac(self, subject: str, context: str, value: str, *, create: bool) -> str | None:
        """A keyed digest of `value` under `subject`'s key, bound to `context` (None once
        the key is erased, or when there is none and `create` is false): lets a command
        be matched with its record without storing anything that confirms a guess."""
        ...


def locate(state: Any, pattern: str) -> Iterator[tuple[dict[str, Any], str, str, str]]:
    """Each personal value a pattern names in a (JSON) state, as `(container, key,
    subject, path)`: `container[key]` is the value, `subject` the member whose data it
    is, `path` the concrete dotted path. In the pattern, `*` is a dict keyed by member
    id, e.g. `members.*.name` or `session.excused.*`."""
    yield from _walk(state, pattern.split("."), None, [])


def _walk(
    node: Any, parts: list[str], subject: str | None, path: list[str]
) -> Iterator[tuple[dict[str, Any], str, str, str]]:
    if not isinstance(node, dict):
        return
    head, rest = parts[0], parts[1:]
    keys = [k for k in node if isinstance(k, str)] if head == "*" else [head]
    for key in keys:
        if key not in node:
            continue
        who = key if head == "*" else subject
        if rest:
            yield from _walk(node[key], rest, who, [*path, key])
        elif who is not None:
            yield node, key, who, ".".join([*path, key])
