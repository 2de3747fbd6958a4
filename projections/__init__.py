"""The read side: tables filled exactly once from the event log, and queries over them."""
