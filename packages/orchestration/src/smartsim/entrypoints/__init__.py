"""Programs the driver launches (``python -m smartsim.entrypoints.<name>``)."""
