"""Personal data in events, ready for erasure on lawful request (see docs/personal-data.md).

An event names its personal fields and whose data each is (`PERSONAL`). When the
Application has a cipher, the mapper stores those fields sealed under the data subject's
own key; the hash chain covers the sealed bytes, so erasing the key (crypto-shredding)
leaves every hash and signature intact while the plaintext is gone for good.
"""

from __future__ import annotations

from typing import Protocol

ERASED = "[đã xóa]"


class PersonalDataCipher(Protocol):
    def seal(self, subject: str, context: str, plaintext: str) -> str:
        """Encrypts `plaintext` under `subject`'s key, bound to `context`."""
        ...

    def open(self, subject: str, context: str, sealed: str) -> str | None:
        """The plaintext, or None once the subject's key has been erased."""
        ...
