"""The demo site's markup: one page style per publisher, feeds, sitemaps and robots.txt files.

base (views, escaping, body blocks), chrome (each publisher's furniture), herald, lattice, wire
and farm (an article page each), pages (article dispatch, listings, bare pages), feeds and
sitemaps. Everything here is a pure function of its arguments; demo.site decides what to render.
"""

from demo.templates.base import STYLES, ArticleView, Chrome, Link, e, human_date, human_time
from demo.templates.chrome import BOILERPLATE, make_chrome
from demo.templates.feeds import FeedItem, atom, json_feed, rss092, rss1, rss2
from demo.templates.pages import listing_page, render_article, simple_page
from demo.templates.sitemaps import news_urlset, robots, sitemap_index, urlset

__all__ = [
    "BOILERPLATE",
    "STYLES",
    "ArticleView",
    "Chrome",
    "FeedItem",
    "Link",
    "atom",
    "e",
    "human_date",
    "human_time",
    "json_feed",
    "listing_page",
    "make_chrome",
    "news_urlset",
    "render_article",
    "robots",
    "rss1",
    "rss2",
    "rss092",
    "simple_page",
    "sitemap_index",
    "urlset",
]
