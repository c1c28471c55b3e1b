"""newsmon storage: SQLAlchemy models, sessions, and the queries of the archive and the web view.

The bottom layer: imports nothing of crawler's, so the archive can be read without it."""
