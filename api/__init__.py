"""The HTTP API (API.md): accounts and sessions, one access table from the record, the
same commands and read-model queries as the CLI and the workflows."""
