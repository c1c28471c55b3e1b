"""Discover and fetch: the Scrapy spider, listings (feeds, sitemaps, section pages), the
settings, the disk queue, progress, and the downloader/spider middlewares.

Owns everything between a source's address and a fetched page handed to the pipeline as an
item. May import config, lock, process, items, text and storage; never archive or alerts
(the pipeline is named to Scrapy by its path in settings, not imported).
"""
