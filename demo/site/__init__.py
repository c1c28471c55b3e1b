"""The demo news site: publishers on their own loopback hosts, with truth for every article.

Modules: model (constants, records, helpers), catalogue (the articles and what changes at each
cycle: edits, new articles, takedowns), demosite (DemoSite: lifecycle, truth, config), server
(HTTP and conditional GETs), pages (route-table plumbing and article pages), listings (each
publisher's home, section pages, feeds, sitemaps and faults), corpus (the Readability host),
config (the newsmon TOML); newcomers (NewcomerSite: three more publishers, on 127.0.0.6 to .8,
that newsmon is not told about: `newsmon sources add` finds them from their addresses; its own
map is its docstring); mastheads and metasite (the metadata site, below); cjksite (CJKSite:
Chinese, Japanese, Korean and Thai publishers; its map is its docstring). None of these is part
of DemoSite, so they change none of its counts. Markup is in demo.templates, prose in
demo.content.

THE MAP. Every publisher is a ThreadingHTTPServer on its own address (127.0.0.1, .2, .3, .4, and
.5 for the corpus host; or `hosts`) and an ephemeral port. All pages are rendered in memory at
start() and again at each advance(). Every 200 carries an ETag (quoted hash of the body) and a
Last-Modified (content time at first, then later than anything served before when the body
changes); If-None-Match (first) or If-Modified-Since answer 304. Any path not listed is 404.
"N" below is an article id (1001, 1002, ...), "slug" is made from the first headline.

Northgate Herald (host 1; semantic HTML5: <article>, <header>, <time>; og:/article: meta tags,
meta author, <html lang="en-GB">; AMP variants; times to the minute)
  /robots.txt                      Disallow: /private/ and /search
  /                                home: newest 15 articles
  /feeds/rss.xml                   RSS 2.0, <ttl>15</ttl>, newest 30; every link carries
                                   ?utm_source=rss&utm_medium=feed; N % 6 == 5 link the AMP page
  /news/, /news/page/2/, ...       section pages, 20 links each, "Next page" link (paginate);
                                   every article, so the older ones are reachable only from here;
                                   links with N % 7 == 6 end in #comments; page 1 also links the
                                   500 and 404 faults below
  /world/                          the world section (up to 25 links) plus two /private/ links
  /YYYY/MM/DD/slug-N.html          article; body in <div class="story-body">; "Last updated:"
                                   header line and "Most read" sidebar change every cycle
  /amp/YYYY/MM/DD/slug-N.html      AMP variant, rel=canonical to the article
  /private/YYYY/MM/DD/...html      members-only pages: disallowed, must never be requested
  /2024/03/17/live-coverage-unavailable-99001.html   fault: always 500
  /2024/03/16/story-removed-99002.html               fault: always 404
The Daily Lattice (host 2; div soup with classes; visible byline and date only, no meta tags;
times are midnight UTC because the page only gives a date)
  /robots.txt                      Disallow: /api/, Sitemap: /sitemap_index.xml
  /                                home: newest 15
  /feeds/atom.xml                  Atom, newest 20; N % 4 == 3 link /s/N, other N % 5 == 4
                                   carries ?fbclid=...; links the empty-page fault
  /sitemap_index.xml               index of /sitemaps/news.xml and /sitemaps/posts-YYYY-WW.xml
  /sitemaps/news.xml               Google News sitemap, newest 15
  /sitemaps/posts-YYYY-WW.xml      every article, by ISO week of publication
  /news/section/slug-N             article; body in <div class="post-content entry-body">;
                                   "Trending now" sidebar changes every cycle
  /s/N -> 301 /n/N -> 301 article  old short links (a redirect chain of 2)
  /news/world/placeholder-story-99003                fault: 200 with an empty body
Meridian Wire (host 3; a wire agency; JSON-LD NewsArticle, <html lang="en-US">; nothing on the
page changes between cycles, but the ETag of every article page does)
  /robots.txt                      Disallow: /admin/
  /                                home: newest 15
  /feed.json                       JSON Feed 1.1, every article; N % 6 == 5 carry ?gclid=...;
                                   links the binary fault
  /index.rdf                       RSS 1.0 (RDF), newest 20; N % 4 == 3 end in #main
  /article/N/slug                  article; standfirst + body in <div class="article-body">
  /article/99004/annual-report     fault: PDF bytes served as text/html
BuzzDaily Hub (host 4; a content farm on an old table/<font> theme; meta author and
article:published_time, no <html lang>; a "Leave a Reply" comment form on every page; it
republishes about 10 Meridian Wire stories plus the seed article, see copies.syndicate)
  /robots.txt                      Disallow: /wp-admin/, Sitemap: /sitemap.xml
  /                                home: newest 15
  /rss.xml                         RSS 0.92, newest 25; N % 3 == 2 link /?p=N
  /sitemap.xml                     every article
  /slug/                           article; body in <div class="entry-content">; ad ids change
                                   every cycle
  /?p=N -> 301 /archives/N/ -> 302 article           old WordPress links (a chain of 2)
Readability Archive (host 5, only with the corpus): the real pages of the Readability test
corpus (manifest.json synthetic=false), served as-is (their own rel=canonical tags point at
their original sites and are not the truth here)
  /robots.txt, /sitemap.xml        every page
  /page/NAME.html                  source.html.gz, decompressed (the two lifehacker pages are
                                   one article saved twice: they share a story key)

THE METADATA SITE (MetadataSite, one loopback host, `host` default 127.0.0.1, ephemeral port):
six publishers, five article pages each, each publisher built around one class of metadata
trap; /NAME/feed.xml is an RSS 2.0 feed of pages 1-4 until release(), then of all five, so a
second crawl extracts page 5 with what the first taught newsmon about the publisher.
truth(NAME) gives each listed page's title, authors, time, paragraphs and absent lines.
  /kurier/N.html    (pl) <title> and og:title end " | Kurier Poranny dziennik regionu
                    łódzkiego od 1957 roku" (too long to pass for a site name); no og:site_name;
                    page 5 has no h1 (headline in an h2): only the learned suffix explains it
  /ledger/N.html    (en-GB) the h1 is the headline; og:title a social variant on odd pages;
                    <title> "headline | The Evening Ledger"; page 5: og:title and <title> both
                    variants, the h1 the headline (only the learned candidate, h1, decides)
  /harbour/N.html   (en-AU) JSON-LD author is the section editor (Margaret Olsen); meta author
                    "Brazil, Rachel" (page 2: "Brazil, Rachel; Hale, Tom") and a visible byline
                    "By Rachel Brazil" (and Tom Hale); page 5 has no visible byline
  /bote/N.html      (de) naive local article:published_time (CET); the feed's pubDate carries
                    +0100, except page 5's entry, which has no date
  /diario/N.html    (es) JSON-LD datePublished with +01:00 beside the same clock time naive in
                    article:published_time; a sidebar <time> of 2023; a breadcrumb line
                    "Inicio › Andalucía › Sevilla" and a "Trending: ..." line in the article
  /pulse/N.html     (en) a Next.js shell: the body only in __NEXT_DATA__ blocks (odd N) or in
                    JSON-LD articleBody (even N); title, author and time in meta tags

Cycles: advance() moves the site clock one hour on and: rewrites the "changing" furniture (see
above: no new version may come of it), applies edits(cycle) (headline, paragraph_added,
one_word), publishes 2 or 3 new articles (ukraine-russia, climate, chips) at the top of the
Herald, Lattice and Wire feeds, and answers gone(cycle) articles 410/404 (two at cycle 2, back
to 200 at cycle 3; they leave the listings meanwhile).

Truth: articles() (one ArticleTruth per live article, current cycle), edits(c), gone(c),
cosmetic(c), faults(), private_urls(); `hits` and `responses` count every request under
DemoSite.key(url) == "address:port/path?query" (Publisher.host + path and query as requested).
"""

from demo.site.demosite import DemoSite, iter_pages
from demo.site.metasite import MetadataSite
from demo.site.model import (
    CYCLE,
    DEFAULT_CORPUS,
    DEFAULT_HOSTS,
    DEFAULT_SEED,
    EPOCH,
    ArticleTruth,
    Publisher,
)

__all__ = [
    "CYCLE",
    "DEFAULT_CORPUS",
    "DEFAULT_HOSTS",
    "DEFAULT_SEED",
    "EPOCH",
    "ArticleTruth",
    "DemoSite",
    "MetadataSite",
    "Publisher",
    "iter_pages",
]
