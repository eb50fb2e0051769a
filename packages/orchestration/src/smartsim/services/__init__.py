"""Use-cases of the driver, written against the ports only."""
