"""The pure core of the driver: entities, settings values, statuses and rules.

Nothing in this package performs I/O (no subprocess, socket or filesystem calls) or imports an
adapter; it can be tested without starting anything.
"""
