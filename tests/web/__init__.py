"""Tests of `newsmon serve`, the web view, over a real crawl of the fixture site."""
