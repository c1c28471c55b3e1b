"""Pure text functions: URLs, normalisation, shingles and MinHash, boilerplate lines, topic
matching and diffs.

Owns everything that can be computed from strings alone, tested on strings and saved pages.
normalise is the one text-folding module (typography, case and accents, words) that
extraction, dedup, topics, search and diffing share. Imports no Scrapy and no database.
"""
