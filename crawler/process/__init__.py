"""The extraction pool: a fetched page becomes clean text, metadata, fingerprints and topic
matches, in worker processes.

Owns the pool (pool), the per-page work (worker), HTML decoding (decode), extraction
(extract, metadata, byline) and the workers' memory upkeep. Pure CPU: may import items and
text, never the database, Scrapy or the stages above.
"""
