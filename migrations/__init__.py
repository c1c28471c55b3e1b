"""Alembic migrations for the newsmon archive."""
