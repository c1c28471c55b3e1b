"""newsmon storage: SQLAlchemy models, sessions, queries and full-text search."""
