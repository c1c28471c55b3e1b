"""A fixture news site served on loopback, for tests and the demo."""
