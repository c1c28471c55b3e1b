"""Downloader and spider middlewares, one component per module (order: fetch.settings)."""
