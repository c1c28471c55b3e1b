"""Store: the pipeline and the write path, one module per stage.

pipeline (batches, the extraction pool), ingest (the entry point and its shared state,
context), sources, aliases, articles, stories, learning (boilerplate), revisits (and
versions), matches, outbox; lookup finds an article by what a user types; search reads the
archive back with the topics' query language (FTS5 or tsvector); reprocess re-runs extraction
on stored HTML. May import config, lock, process, items, text and storage; never fetch or
alerts.
"""
