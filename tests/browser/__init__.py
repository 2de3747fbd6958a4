"""Browser tests: Playwright driving Debian's Chromium against the whole site served
over TCP (tests/browser/conftest.py)."""
