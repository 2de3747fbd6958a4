"""Tamper evidence and the auditors' questions, in one room.

    chain.py      the hash format and the verification algorithm (pure: rows in, report out)
    recorders.py  the event store's recorders that write the chain with the events (both
                  backends), and the backend SQL that reads an event's log position
    signing.py    the Ed25519 key files, checkpoint signatures, signing the chain's head
    verify.py     reading the stored log, chain and checkpoints; verifying the store
    bundle.py     exporting a window of the log and verifying it with no database
    history.py    every event of a record, any record or cell as known at a moment
    replay.py     rebuilding the read models into a scratch store and comparing them

Depends on `domain` and `projections` only; the CLI (`workers/audit.py`) prints.
"""
