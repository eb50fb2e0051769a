"""The server side of the Orchestrator: the AI module (C) and, later, the inference workers."""
