"""Entrypoints of crmbridge: configuration, the container, the HTTP API and the CLI."""
