"""Alert emails: outbox sender and templates."""
