"""newsmon: scheduled news monitoring crawler."""
