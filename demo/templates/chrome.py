"""A publisher's page furniture: inline CSS, a JS config blob, a mega-menu, a footer.

Real pages are 20-80 KB, mostly furniture; each publisher's is the same on every page.
"""

from __future__ import annotations

import json
import random

from demo.templates.base import Chrome, e, slug

_MENU = {
    "News": (
        "Home",
        "UK",
        "World",
        "Europe",
        "Americas",
        "Asia",
        "Africa",
        "Middle East",
        "Politics",
        "Education",
        "Media",
        "Science",
        "Environment",
        "Obituaries",
    ),
    "Business": (
        "Markets",
        "Companies",
        "Economics",
        "Personal finance",
        "Property",
        "Careers",
        "Small business",
        "Retail",
        "Banking",
        "Transport",
    ),
    "Sport": (
        "Football",
        "Cricket",
        "Rugby union",
        "Tennis",
        "Golf",
        "Cycling",
        "Athletics",
        "Formula One",
        "Boxing",
        "Swimming",
        "Sailing",
    ),
    "Culture": (
        "Film",
        "Music",
        "Books",
        "TV and radio",
        "Art and design",
        "Stage",
        "Games",
        "Classical",
        "Podcasts",
    ),
    "Lifestyle": (
        "Food",
        "Recipes",
        "Travel",
        "Fashion",
        "Money",
        "Wellness",
        "Family",
        "Gardening",
        "Motoring",
        "Homes",
    ),
    "Opinion": ("Editorials", "Columnists", "Letters", "Cartoons", "Obituaries and tributes"),
}
_FOOTER = (
    "About us",
    "Contact us",
    "Complaints and corrections",
    "Work for us",
    "Advertise with us",
    "Terms and conditions",
    "Privacy policy",
    "Cookie policy",
    "Accessibility",
    "Help centre",
    "Newsletters",
    "Puzzles",
    "Archive",
    "Site map",
    "Syndication",
    "Digital archive",
    "Events",
    "Shop",
    "Subscriptions",
    "Apps",
)


def _css(rng: random.Random, prefix: str, rules: int) -> str:
    parts = ["body{margin:0;font-family:Georgia,serif;color:#121212}"]
    for i in range(rules):
        parts.append(
            f".{prefix}-{rng.choice(('box', 'col', 'row', 'card', 'item', 'pane'))}-{i}"
            f"{{margin:{rng.randint(0, 24)}px {rng.randint(0, 24)}px;"
            f"padding:{rng.randint(0, 16)}px;color:#{rng.randrange(16**6):06x};"
            f"font-size:{rng.randint(11, 22)}px;line-height:{rng.randint(12, 18) / 10}}}"
        )
    return "\n".join(parts)


def _script(rng: random.Random, name: str, units: int) -> str:
    config = {
        "site": name,
        "adUnits": [
            {
                "code": f"slot-{rng.randrange(16**8):08x}",
                "sizes": [[300, 250], [728, 90]],
                "bidders": [
                    {"bidder": b, "params": {"placement": rng.randrange(10**7)}}
                    for b in ("appnexus", "rubicon", "ix", "openx")
                ],
            }
            for _ in range(units)
        ],
        "experiments": {
            f"exp_{rng.randrange(16**6):06x}": rng.choice(("control", "variant"))
            for _ in range(units)
        },
    }
    return "window.__SITE_CONFIG__ = " + json.dumps(config, separators=(",", ":")) + ";"


def _nav(prefix: str) -> str:
    items = []
    for section, subs in _MENU.items():
        links = "".join(
            f'<li class="{prefix}-nav-item"><a class="{prefix}-nav-link" '
            f'href="/{slug(section)}/{slug(sub)}/" data-link-name="nav : {e(sub)}">'
            f"{e(sub)}</a></li>"
            for sub in subs
        )
        items.append(
            f'<li class="{prefix}-nav-section"><a href="/{slug(section)}/">{e(section)}</a>'
            f'<ul class="{prefix}-nav-sub">{links}</ul></li>'
        )
    return "".join(items)


def _footer_links(prefix: str) -> str:
    return "".join(
        f'<li class="{prefix}-footer-item"><a href="/info/{slug(t)}">{e(t)}</a></li>'
        for t in _FOOTER
    )


BOILERPLATE: dict[str, tuple[str, ...]] = {
    "herald": (
        "We use cookies to personalise content and measure our audience",
        "Get the Northgate Morning Briefing in your inbox every weekday",
        "Most read on Northgate Herald",
        "More from Northgate Herald",
        "Share this article",
        "© 2024 Northgate Herald Media Ltd. All rights reserved.",
    ),
    "lattice": (
        "Accept all cookies to continue browsing The Daily Lattice",
        "Trending now",
        "Sign up for Lattice Daily, our free evening newsletter",
        "You might also like",
        "Share via email",
        "Copyright © 2024 Lattice Publishing Group",
    ),
    "wire": (
        "Manage your privacy choices",
        "Meridian Wire is an independent news agency serving publishers in 90 countries",
        "Licensing and syndication enquiries",
        "Editorial standards and corrections policy",
        "© 2024 Meridian Wire Services. Redistribution prohibited.",
    ),
    "farm": (
        "Leave a Reply",
        "Your email address will not be published.",
        "Required fields are marked",
        "Popular Posts",
        "Subscribe to BuzzDaily Hub alerts",
        "Copyright © 2024 BuzzDaily Hub | Powered by WordPress",
    ),
}


def make_chrome(style: str, name: str) -> Chrome:
    """The fixed furniture of `style`, the same for every page (seeded by the style name)."""
    rng = random.Random(f"chrome-{style}")
    prefix = style[:3]
    return Chrome(
        style=style,
        name=name,
        css=_css(rng, prefix, rules=90),
        script=_script(rng, name, units=14),
        nav=_nav(prefix),
        footer_links=_footer_links(prefix),
        boilerplate=BOILERPLATE[style],
    )
