"""Concrete adapters behind the ports: launchers, the database server, the file system."""
