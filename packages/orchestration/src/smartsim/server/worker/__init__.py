"""Worker processes that execute the AI module's queued model and script runs.

See ``docs/worker-protocol.md`` for the protocol; ``python -m smartsim.server.worker --help`` for
the supervisor command line.
"""
