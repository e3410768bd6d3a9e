"""Declarative content: `displays/` and `playlists/` YAML in and out of the database."""
