"""File-system adapters: building entity directories from attached files."""
