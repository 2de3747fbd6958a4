"""Per-member data keys for personal fields (crypto-shredding), kept outside the database.

One AES-256-GCM key per data subject in its own file; erasing a member's personal data on
lawful request is deleting that file. Sealed values are bound to their event topic and
field, so a sealed name cannot be moved into another field unnoticed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import tempfile
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32


class KeyStoreError(Exception):
    """A key file that cannot be used (damaged or unreadable)."""


class FileKeyStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, subject: str) -> Path:
        safe = base64.urlsafe_b64encode(subject.encode()).decode().rstrip("=")
        return self.directory / f"{safe}.key"

    def _key(self, subject: str, *, create: bool) -> bytes | None:
        path = self._path(subject)
        key = self._read(path)
        if key is not None or not create:
            return key
        return self._create(path)

    @staticmethod
    def _read(path: Path) -> bytes | None:
        try:
            key = path.read_bytes()
        except FileNotFoundError:
            return None
        if len(key) != KEY_BYTES:
            raise KeyStoreError(f"key file {path} is damaged ({len(key)} bytes, not {KEY_BYTES})")
        return key

    def _create(self, path: Path) -> bytes:
        """A new key, written in full to a private temporary file and then linked into
        place, which fails if another process linked its key first: readers never see a
        partial file, and the first key made is the one every process keeps."""
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
        fd, temp = tempfile.mkstemp(dir=self.directory, prefix=".new-", suffix=".tmp")
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, key)
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(temp, path)
        except FileExistsError:
            winner = self._read(path)
            if winner is None:  # erased in between: make one again
                return self._create(path)
            return winner
        finally:
            os.unlink(temp)
        self._sync_directory()
        return key

    def _sync_directory(self) -> None:
        fd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

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

    def mac(self, subject: str, context: str, value: str, *, create: bool) -> str | None:
        key = self._key(subject, create=create)
        if key is None:
            return None
        # A key of its own for digests, derived from the member's data key.
        mac_key = hmac.new(key, b"chibo fingerprint v1", hashlib.sha256).digest()
        message = context.encode() + b"\0" + value.encode()
        return hmac.new(mac_key, message, hashlib.sha256).hexdigest()

    def erase(self, subject: str) -> bool:
        """Destroys the subject's key; their sealed fields become unreadable for good."""
        path = self._path(subject)
        if not path.exists():
            return False
        path.unlink(missing_ok=True)
        self._sync_directory()
        return True
