"""The composition root: settings, wiring, process entry points and the `chibo` CLI."""
