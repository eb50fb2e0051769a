"""``smartsim.ml``: helpers that prepare ML models for the Orchestrator."""
