"""Checkpoint signatures: the Ed25519 key files (kept outside the database), the check
of a checkpoint's signature, and signing the chain's head into `chibo_checkpoints`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from audit.chain import Checkpoint, checkpoint_message
from projections.store import ReadStore

# --- the key -------------------------------------------------------------------------------


def generate_key(path: Path) -> Ed25519PublicKey:
    """Writes a new private key (mode 0600) and its public key beside it (`.pub`)."""
    if path.exists():
        raise FileExistsError(f"{path} exists: refusing to replace an audit key")
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public = key.public_key()
    public_path(path).write_bytes(
        public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return public


def public_path(path: Path) -> Path:
    return path.with_suffix(path.suffix + ".pub")


def load_private(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 key")
    return key


def load_public(path: Path) -> Ed25519PublicKey:
    """The public key from a `.pub` file, or derived from the private key file."""
    data = path.read_bytes()
    if b"PRIVATE" in data:
        return load_private(path).public_key()
    key = serialization.load_pem_public_key(data)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{path} is not an Ed25519 public key")
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


def sign_checkpoint(store: ReadStore, key: Ed25519PrivateKey) -> Checkpoint | None:
    """Signs (position, chain hash) of the chain's head; None when nothing new is chained."""
    head = store.query(
        "SELECT position, chain_hash FROM chibo_chain ORDER BY position DESC LIMIT 1"
    )
    if not head:
        return None
    position, chain = int(head[0][0]), bytes(head[0][1])
    last = store.query("SELECT MAX(position) FROM chibo_checkpoints")[0][0]
    if last is not None and int(last) >= position:
        return None
    checkpoint = Checkpoint(
        position,
        chain,
        key.sign(checkpoint_message(position, chain)),
        raw(key.public_key()),
        datetime.now(UTC).isoformat(timespec="seconds"),
    )
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
    return checkpoint


def unsigned_events(store: ReadStore) -> int:
    row = store.query(
        "SELECT (SELECT COALESCE(MAX(position), 0) FROM chibo_chain)"
        " - (SELECT COALESCE(MAX(position), 0) FROM chibo_checkpoints)"
    )
    return int(row[0][0])
