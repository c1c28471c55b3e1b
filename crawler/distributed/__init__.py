"""Crawling on several machines through Redis (the [distributed] extra).

Owns: coordination (leases, keys, the connection), cycle (a cycle shared by several crawls) and
components (the Scrapy spider, queue, scheduler and extension of such a cycle). Sits between the
cycle and the stages: it may import fetch, archive, config, items and storage, never cycle or
schedule.
"""
