"""A fixture news site served on loopback, for tests and the demo.

site/ (DemoSite: four publishers and a corpus host, with the truth about every article),
faults/ (FaultSite: every kind of bad page, and a canary), templates/ (their markup), content,
copies and topics (the articles, their copies and their topic truth), prose and data/ (the
words they are written from), sink (an SMTP sink for alert emails), run (`newsmon demo`).
It imports nothing from crawler or storage but run.py, which drives a crawl of the site.
"""

from demo.site import ArticleTruth, DemoSite, Publisher

__all__ = ["ArticleTruth", "DemoSite", "Publisher"]
