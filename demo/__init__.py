"""A fixture news site served on loopback, for tests and the demo."""

from demo.site import ArticleTruth, DemoSite, Publisher

__all__ = ["ArticleTruth", "DemoSite", "Publisher"]
