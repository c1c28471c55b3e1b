"""Pure text functions: URLs, normalisation, shingles and MinHash, boilerplate lines, topic
matching and diffs.

Owns everything that can be computed from strings alone, tested on strings and saved pages.
May import only storage's pure query language (storage.querylang); no Scrapy, no database.
"""
