"""Checkpoint signatures: the Ed25519 key files (kept outside the database), the check
of a checkpoint's signature, and storing a signed checkpoint in `chibo_checkpoints`.

Signing the chain's head is audit/verify.py `sign_checkpoint`: it verifies first."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from audit.chain import Checkpoint, checkpoint_message
from projections.store import ReadStore

# --- the key -------------------------------------------------------------------------------


class KeyFileError(ValueError):
    """A key file that is missing, unreadable or not the Ed25519 key expected (a
    configuration problem, never evidence of tampering)."""


def generate_key(path: Path) -> Ed25519PublicKey:
    """Writes a new private key (mode 0600, its directory 0700) and its public key beside
    it (`.pub`); created exclusively, so an existing key is never replaced."""
    if path.exists():
        raise FileExistsError(f"{path} exists: refusing to replace an audit key")
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    _write_new(
        path,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        0o600,
    )
    public = key.public_key()
    pub = public_path(path)
    pub.unlink(missing_ok=True)  # a stale public key of a key that is gone
    _write_new(
        pub,
        public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        0o644,
    )
    return public


def _write_new(path: Path, data: bytes, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def public_path(path: Path) -> Path:
    return path.with_suffix(path.suffix + ".pub")


def _read(path: Path, what: str) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise KeyFileError(f"no {what} at {path}: run `chibo audit keygen`") from None
    except OSError as error:
        raise KeyFileError(f"cannot read the {what} {path}: {error.strerror}") from None
    if not data.strip():
        raise KeyFileError(f"the {what} {path} is empty")
    return data


def load_private(path: Path) -> Ed25519PrivateKey:
    data = _read(path, "audit key")
    if b"PRIVATE KEY" not in data and b"PUBLIC KEY" in data:
        raise KeyFileError(f"{path} holds a public key: signing needs the private key")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise KeyFileError(f"{path} is not a PEM private key (unreadable or encrypted)") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{path} is not an Ed25519 key ({type(key).__name__})")
    return key


def load_public(path: Path) -> Ed25519PublicKey:
    """The public key from a `.pub` file, or derived from the private key file."""
    data = _read(path, "audit public key")
    if b"PRIVATE" in data:
        return load_private(path).public_key()
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise KeyFileError(f"{path} is not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise KeyFileError(f"{path} is not an Ed25519 public key ({type(key).__name__})")
    return key


def raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def signature_checker(public: Ed25519PublicKey) -> Callable[[Checkpoint], bool]:
    expected = raw(public)

    def ok(checkpoint: Checkpoint) -> bool:
        if checkpoint.public_key != expected:
            return False
        try:
            public.verify(
                checkpoint.signature,
                checkpoint_message(checkpoint.position, checkpoint.chain_hash),
            )
        except InvalidSignature:
            return False
        return True

    return ok


# --- checkpoints ---------------------------------------------------------------------------


def make_checkpoint(key: Ed25519PrivateKey, position: int, chain: bytes) -> Checkpoint:
    return Checkpoint(
        position,
        chain,
        key.sign(checkpoint_message(position, chain)),
        raw(key.public_key()),
        datetime.now(UTC).isoformat(timespec="seconds"),
    )


def store_checkpoint(store: ReadStore, checkpoint: Checkpoint) -> None:
    with store.transaction() as cur:
        cur.execute(
            "INSERT INTO chibo_checkpoints (position, chain_hash, signature, public_key,"
            " signed_at) VALUES (%s, %s, %s, %s, %s) ON CONFLICT (position) DO NOTHING",
            (
                checkpoint.position,
                checkpoint.chain_hash,
                checkpoint.signature,
                checkpoint.public_key,
                checkpoint.signed_at,
            ),
        )


def unsigned_events(store: ReadStore) -> int:
    row = store.query(
        "SELECT (SELECT COALESCE(MAX(position), 0) FROM chibo_chain)"
        " - (SELECT COALESCE(MAX(position), 0) FROM chibo_checkpoints)"
    )
    return int(row[0][0])
