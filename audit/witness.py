"""The witness: every signed checkpoint, also appended to a file outside the database.

Whoever can write the database can delete its last events with their chain rows and the
checkpoints past them, and what remains verifies clean. The witness remembers what was
signed: `DIR/checkpoints.jsonl`, one JSON line per checkpoint, opened O_APPEND and synced
at each write. In production DIR is a place the database's administrators cannot write
(another host's mount, an append-only file system, a log shipped off the machine).

    {"position": 1000, "chain_hash": "<hex>", "signature": "<hex>", "public_key": "<hex>",
     "signed_at": "2026-04-02T10:00:00+00:00"}
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from audit.chain import Checkpoint

FILE = "checkpoints.jsonl"


class WitnessError(ValueError):
    """The witness cannot be read or written (configuration, not tampering)."""


def witness_file(directory: Path) -> Path:
    return directory / FILE


def append(directory: Path, checkpoint: Checkpoint) -> None:
    """Appends one checkpoint (created 0600 in a 0700 directory), synced to disk."""
    line = json.dumps(
        {
            "position": checkpoint.position,
            "chain_hash": checkpoint.chain_hash.hex(),
            "signature": checkpoint.signature.hex(),
            "public_key": checkpoint.public_key.hex(),
            "signed_at": checkpoint.signed_at,
        }
    )
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = witness_file(directory)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (line + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as error:
        raise WitnessError(f"cannot write the witness in {directory}: {error.strerror}") from None


def read(directory: Path, *, missing_ok: bool = False) -> list[Checkpoint]:
    """Every checkpoint the witness holds, in the order written ([] if it has none yet;
    a missing directory is an error unless `missing_ok`: the signer's first checkpoint).

    A last line without its newline (a write cut short by a crash) is ignored."""
    if missing_ok and not directory.exists():
        return []
    if not directory.is_dir():
        raise WitnessError(f"the witness directory {directory} does not exist")
    path = witness_file(directory)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as error:
        raise WitnessError(f"cannot read the witness {path}: {error}") from None
    lines = text.split("\n")
    found = []
    for number, line in enumerate(lines[:-1], start=1):  # lines[-1]: after the last "\n"
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            found.append(
                Checkpoint(
                    int(entry["position"]),
                    bytes.fromhex(entry["chain_hash"]),
                    bytes.fromhex(entry["signature"]),
                    bytes.fromhex(entry["public_key"]),
                    str(entry["signed_at"]),
                )
            )
        except (ValueError, KeyError, TypeError):
            raise WitnessError(f"the witness {path} line {number} is not a checkpoint") from None
    return found
