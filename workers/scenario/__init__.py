"""Scenario files (SCENARIOS.md): `format` reads them, `importer` turns each item into
domain commands and applies them, `simulate` plays a timeline through the real system
on Temporal's time-skipping server."""
