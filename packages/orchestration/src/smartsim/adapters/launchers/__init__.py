"""Launcher adapters, one module per workload manager."""
