"""The database server: binary and module resolution, command lines, network connector."""
