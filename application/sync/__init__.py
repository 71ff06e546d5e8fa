"""Sync use cases: field mapping, sync jobs, and reading people and companies."""
