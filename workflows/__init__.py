"""Temporal workflows (deterministic, workflow time only), their activities and the dispatcher."""
