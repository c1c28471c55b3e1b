"""newsmon storage: SQLAlchemy models, sessions, queries, full-text search and the topic query
language they share with the crawler (querylang).

The bottom layer: imports nothing of crawler's, so the archive can be read without it."""
