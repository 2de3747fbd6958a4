"""Per-member data keys for personal fields (crypto-shredding), kept outside the database.

One AES-256-GCM key per data subject in its own file; erasing a member's personal data on
lawful request is deleting that file. Sealed values are bound to their event topic and
field, so a sealed name cannot be moved into another field unnoticed.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class FileKeyStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, subject: str) -> Path:
        safe = base64.urlsafe_b64encode(subject.encode()).decode().rstrip("=")
        return self.directory / f"{safe}.key"

    def _key(self, subject: str, *, create: bool) -> bytes | None:
        path = self._path(subject)
        if path.exists():
            return path.read_bytes()
        if not create:
            return None
        self.directory.mkdir(parents=True, exist_ok=True)
        key = AESGCM.generate_key(bit_length=256)
        path.touch(mode=0o600)
        path.write_bytes(key)
        return key

    def seal(self, subject: str, context: str, plaintext: str) -> str:
        key = self._key(subject, create=True)
        assert key is not None
        nonce = os.urandom(12)
        sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), context.encode())
        return base64.b64encode(nonce + sealed).decode()

    def open(self, subject: str, context: str, sealed: str) -> str | None:
        key = self._key(subject, create=False)
        if key is None:
            return None
        data = base64.b64decode(sealed)
        try:
            return AESGCM(key).decrypt(data[:12], data[12:], context.encode()).decode()
        except InvalidTag:
            return None

    def erase(self, subject: str) -> bool:
        """Destroys the subject's key; their sealed fields become unreadable for good."""
        path = self._path(subject)
        if not path.exists():
            return False
        path.unlink()
        return True
