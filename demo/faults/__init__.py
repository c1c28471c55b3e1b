"""The fault site: a publisher that serves every kind of bad page, and a canary it links to.

THE MAP. Modules: bodies (texts, replies, bombs and binaries), good (the pages the archive must
hold, the Busy host), bad (the pages it must refuse, the canary links), listings (the feeds and
sitemaps), site (servers, request handling, FaultSite). Each host is a ThreadingHTTPServer on
an ephemeral port. The allowed networks are 127.0.0.20/30 (.20 to .23); the canary listens
outside them and must never be asked anything.

Fault Gazette (127.0.0.20, the one configured source; `feeds`/`sitemaps` below)
  /robots.txt                   starts with a UTF-8 BOM; Sitemap: /sitemaps/news.xml.gz;
                                disallows /private/ (also a configured sitemap listing)
  /feed.xml                     RSS 2.0 linking every article page below and every canary URL
  /feeds/laughs.xml             "billion laughs" RSS (nine levels of ten entities); its one item
                                links /news/from-laughs.html, reachable from nowhere else
  /feeds/malformed.xml          an HTML error page served as a feed: "not a feed"
  /feeds/broken.json            a JSON Feed cut short: "not a JSON feed"
  /feeds/truncated.xml          RSS cut inside its second item; the first links
                                /news/from-truncated.html
  /feeds/bomb.xml               a gzip bomb served as a feed
  /feeds/tangled.xml            tags closed out of order, on which feedparser raises
  /sitemaps/laughs.xml          "billion laughs" sitemap; links /news/from-sitemap.html
  /sitemaps/broken.xml          random bytes: "not a sitemap"
  /sitemaps/index.xml           a sitemap index of file:///etc/passwd and a data: URL
  /sitemaps/news.xml.gz         a gzip file (application/x-gzip, no Content-Encoding), named
                                only by robots.txt; links /news/from-gzip-sitemap.html
  /sitemaps/gzipped.xml         a sitemap gzip-compressed without Content-Encoding; links
                                /news/from-gzipped-sitemap.html
  /sitemaps/bomb.xml.gz         a gzip bomb as a .xml.gz file: "too large"
  good article pages (`good`: url -> title and paragraphs the archive must hold):
  /news/plain-N.html            N = 1..4, UTF-8, declared in the header
  /news/gzip.html, /news/deflate.html, /news/brotli.html   compressed the honest way
  /news/moved.html              301 to 127.0.0.21 /news/landed.html (another allowed host)
  /index.php?id=7               an article under a CMS's front controller, linked only as
                                /news/old-7.html (301 to it)
  /news/kept-slug/index.html    an article in a directory's index page, linked only as
                                /news/old-slug.html (301 to it)
  /news/truncated.html          cut inside its fifth paragraph, no closing tags: four survive
  /enc/windows-1251.html        Russian, charset=windows-1251 in the header
  /enc/windows-1251-meta.html   Russian, only <meta charset="windows-1251">
  /enc/latin1-undeclared.html   French in ISO-8859-1, declared nowhere
  /enc/utf8-bom.html            German in UTF-8 with a BOM; header and <meta> say ISO-8859-1
  /enc/mislabelled-utf8.html    French in UTF-8, header says charset=iso-8859-1
  /enc/mislabelled-1251.html    Russian in windows-1251, header says charset=utf-8
  bad pages (`bad`: url -> regex the recorded reason must match; failed listings are in
  `listings_bad`):
  /bad/random.html              8 KB of random bytes as text/html
  /bad/report.html              a PDF as text/html
  /bad/photo.html               a PNG as text/html;  /bad/photo.jpg  a JPEG as image/jpeg
  /bad/empty.html               200 and no body;  /bad/blank.html  200 and only whitespace
  /bad/app-shell.html           an HTML shell a script would fill: no article text
  /bad/deep.html                100,000 nested <div>s
  /bad/loop-a.html <-> /bad/loop-b.html, /bad/self.html -> itself    redirect loops
  /bad/chain-0.html -> chain-1.html -> ... chain-14.html            longer than 10 hops
  /bad/slow.html                answers nothing for 30 s
  /bad/drip.html                headers, then one body byte every 0.2 s for 30 s
  /bad/huge.html                12 MB with Content-Length
  /bad/huge-stream.html         20 MB chunked, no Content-Length
  /bad/gzip-bomb.html, /bad/deflate-bomb.html, /bad/brotli-bomb.html
                                200 MB of zeros in about 200 KB (gzip, deflate) or 300 B (br)
  /bad/bad-gzip.html            Content-Encoding: gzip over bytes that are not gzip
  /bad/to-file.html             302 to file:///etc/passwd
  /bad/gone.html                404;  /bad/error.html  500 every time
  /private/members.html         disallowed by robots.txt: refused, never requested; and
  /bad/to-private.html          302 to /private/redirected.html: refused the same way
                                (`robots_refused`: recorded, not counted as errors)
  /bad/to-canary.html           302 to the canary by address
  /bad/to-localhost.html        302 to the canary by the name "localhost"
  /feeds/busy.xml               not configured by default (`busy_feed`): links /news/plain-1..4
                                and the Busy host's pages below, these last
Landing (127.0.0.21): /news/landed.html, the target of /news/moved.html.
Busy (127.0.0.22), a server under load (`busy_urls`, `soon_urls`):
  /busy/N.html                  N = 1..20: 503 with Retry-After: 30, every time
  /busy/soon-N.html             N = 1..3: 503 with Retry-After: 2 the first time, then an article
Canary (127.0.0.30, and 127.0.0.1 for the name "localhost"): counts every request in `hits`
  and answers 200. Linked from /feed.xml by address, as 2130706462 (127.0.0.30 in decimal),
  0177.0.0.30 (octal) and 0x7f00001e (hex), by the name "localhost", through the two
  redirects above, plus 169.254.169.254 (link-local) and [::1] (`canary_urls`: each must be
  recorded as refused, under the URL as listed, none requested).
"""

from __future__ import annotations

from demo.faults.bodies import ALLOWED, BUSY, CANARY, GAZETTE, LANDING, SOURCE, Page
from demo.faults.site import FaultSite

__all__ = ["ALLOWED", "BUSY", "CANARY", "GAZETTE", "LANDING", "SOURCE", "FaultSite", "Page"]
