"""Spiders: discovery of article links and article fetching."""
