"""Benchmarks: crmbridge's sync against what a team would otherwise run.

Not part of the product: it drives the product, the emulator and two
stand-ins (a hand-written simple-salesforce script and a download-only loop)
as separate processes and compares them.
"""
