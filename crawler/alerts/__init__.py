"""Alert emails: the outbox sender, SMTP delivery, what an email shows, and its templates.

Reads the outbox rows the archive writes; may import config, text and storage, never fetch
or archive.
"""
