"""The web pages: server-rendered Vietnamese pages over the HTTP API's routes."""
