"""Canonical URLs, hosts, same-site tests and AMP detection (pure, no network)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from urllib.parse import SplitResult, parse_qsl, unquote_plus, urlsplit, urlunsplit

import tldextract
from w3lib.url import canonicalize_url

# Query parameters that only say where a click came from, never which page is served.
# Matched case-insensitively; any parameter starting with "utm_" is dropped as well.
TRACKING_PARAMS: frozenset[str] = frozenset(
    {
        # Google Ads / Analytics / Merchant
        "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "_ga", "_gl", "srsltid",
        # Meta, Microsoft, Yandex, Twitter/X, TikTok, LinkedIn, Instagram
        "fbclid", "msclkid", "yclid", "ysclid", "twclid", "ttclid", "li_fat_id", "igshid",
        "igsh", "ref_src", "ref_url",
        # Mailchimp, HubSpot, Marketo, Vero, Omeda
        "mc_cid", "mc_eid", "_hsenc", "_hsmi", "__hstc", "__hssc", "__hsfp", "hsctatracking",
        "mkt_tok", "vero_conv", "vero_id", "oly_anon_id", "oly_enc_id",
        # newsroom campaign ids (Adobe, Yahoo, CNN, BBC, Openstat, AT Internet, ...)
        "cmpid", "s_cid", "ncid", "sr_share", "ocid", "_openstat", "at_medium", "at_campaign",
        "wickedid", "rb_clickid", "epik",
    }
)  # fmt: skip

_DEFAULT_PORTS = {"http": 80, "https": 443}
_FORBIDDEN_IN_HOST = frozenset(" \t\n\r#%/<>?@[\\]^|")

# Offline public-suffix lookups: the bundled snapshot, no HTTP fetch, no cache on disk (safe
# in a process pool). Private suffixes count, so two blogs on github.io are two sites.
_TLD = tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), include_psl_private_domains=True)


def _split_http(url: str) -> SplitResult:
    """Split `url`, raising ValueError unless it is an absolute http(s) URL with a host."""
    parts = urlsplit(url.strip())
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    host = parts.hostname
    # WHATWG's forbidden domain code points (":" is only for IPv6 literals), and invisibles.
    forbidden = any(ch in _FORBIDDEN_IN_HOST or not ch.isprintable() for ch in host)
    if forbidden or (":" in host and not _is_local_or_ip(host)):
        raise ValueError(f"not a host name: {host!r}")
    _ = parts.port  # raises ValueError on a malformed port
    return parts


def _is_tracking(key: str) -> bool:
    name = unquote_plus(key).strip().lower()
    return name.startswith("utm_") or name in TRACKING_PARAMS


def _canonical_query(query: str) -> str:
    """Normalise each pair with w3lib, drop trackers, sort by key keeping repeated keys in order."""
    pairs = []
    for raw in query.split("&"):
        if not raw:
            continue
        # w3lib normalises one pair at a time so that its (key, value) sort never reorders
        # the values of a repeated key, whose order can matter to the server.
        pair = urlsplit(canonicalize_url("http://h/?" + raw)).query
        key = pair.split("=", 1)[0]
        if pair and not _is_tracking(key):
            pairs.append((key, pair))
    pairs.sort(key=lambda kv: kv[0])
    return "&".join(pair for _, pair in pairs)


def _strip_default_port(parts: SplitResult) -> SplitResult:
    port = parts.port
    if port is None:
        return parts
    userinfo, _, hostport = parts.netloc.rpartition("@")
    hostname = hostport[: hostport.rfind(":")]
    suffix = "" if port == _DEFAULT_PORTS[parts.scheme] else f":{port}"
    netloc = f"{userinfo}@" if userinfo else ""
    return parts._replace(netloc=f"{netloc}{hostname}{suffix}")


def canonicalise(url: str) -> str:
    """Return the one spelling of `url` used as an article's identity.

    Lower-cases scheme and host (IDNA-encoded), drops the default port, the fragment and
    tracking parameters, sorts the query by key (stable: repeated keys keep their order),
    normalises percent-encoding and dot segments, keeps the path's case, and turns an empty
    path into "/". Idempotent.

    :param url: an absolute http or https URL.
    :raises ValueError: for another scheme, a URL without host or with a bad port.
    """
    out = _canonicalise_once(url)
    # w3lib resolves dot segments before it drops an empty ";" parameter ("/.;" -> "/."), so
    # such a path needs a second pass to reach its one spelling.
    return _canonicalise_once(out) if ";" in urlsplit(url).path else out


def _canonicalise_once(url: str) -> str:
    parts = _split_http(url)
    base = urlsplit(canonicalize_url(urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))))
    base = _strip_default_port(base)
    out = urlunsplit(base._replace(query=_canonical_query(parts.query), fragment=""))
    _split_http(out)  # w3lib drops a host it cannot encode ("\\"): then this is no URL
    return out


# The names a server gives its front page when asked for "/".
_FRONT_PAGES = frozenset(
    {"index.html", "index.htm", "index.shtml", "index.php", "index.asp", "index.aspx",
     "default.asp", "default.aspx", "default.htm", "default.html"}
)  # fmt: skip


def is_home(url: str) -> bool:
    """Tell whether `url` is a site's front page: "/" or a bare index file at the root.

    A query makes it a page of its own (/index.php?id=123 and /?p=42 serve articles), and an
    index file below the root is a directory's page (/news/some-slug/index.html).
    """
    parts = urlsplit(url.strip())
    path = parts.path
    if parts.query:
        return False
    return path in ("", "/") or (path.count("/") == 1 and path[1:].lower() in _FRONT_PAGES)


def as_listed(requested: str, listed: str | None) -> str:
    """`requested` with the host spelled as in `listed`, the link it was made from.

    Scrapy's Request normalises its URL through w3lib, which (2.6+) rewrites an IP host given
    in decimal, octal or hex (2130706462, 0177.0.0.1, 0x7f000001) as dotted decimal; a failure
    is recorded, and a refusal logged, under the link a listing gave.
    """
    if not listed:
        return requested
    try:
        was, now = urlsplit(listed.strip()), urlsplit(requested)
    except ValueError:
        return requested
    if not was.netloc or was.scheme.lower() != now.scheme:
        return requested
    return urlunsplit(now._replace(netloc=was.netloc))


def host(url: str) -> str:
    """Return the lower-case host name of `url` without port ("" when it has none)."""
    try:
        return urlsplit(url.strip()).hostname or ""
    except ValueError:
        return ""


def _effective_port(url: str) -> int | None:
    parts = urlsplit(url.strip())
    try:
        return parts.port or _DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return None


def _is_local_or_ip(hostname: str) -> bool:
    if hostname == "localhost" or hostname.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(hostname)
    except ValueError:
        return False
    return True


@lru_cache(maxsize=4096)
def _registered_domain(hostname: str) -> str:
    """The domain just under the public suffix ("bbc.co.uk"), or the host itself if none."""
    return _TLD.extract_str(hostname).top_domain_under_public_suffix or hostname


def same_site(a: str, b: str) -> bool:
    """Tell whether two URLs belong to one publisher.

    Names compare by registered domain (news.bbc.co.uk and www.bbc.co.uk are one site). IP
    addresses and localhost compare by host and port, since each of our loopback fixture
    publishers is its own address or port.
    """
    host_a, host_b = host(a), host(b)
    if not host_a or not host_b:
        return False
    if _is_local_or_ip(host_a) or _is_local_or_ip(host_b):
        return host_a == host_b and _effective_port(a) == _effective_port(b)
    return _registered_domain(host_a) == _registered_domain(host_b)


def _amp_query(query: str) -> bool:
    for key, value in parse_qsl(query, keep_blank_values=True):
        name, val = key.lower(), value.lower()
        if name == "amp" and val in {"", "1", "true"}:
            return True
        if name == "outputtype" and val == "amp":
            return True
    return False


def is_amp(url: str) -> bool:
    """Tell whether `url` looks like the AMP edition of a page.

    Recognises an "amp" path segment (/amp/, /story/amp), a .amp or .amp.html file, ?amp=1
    (or ?amp, ?outputType=amp), an amp. subdomain and the Google AMP cache.
    """
    parts = urlsplit(url.strip())
    hostname = parts.hostname or ""
    path = parts.path.lower()
    return (
        "amp" in path.split("/")
        or path.endswith((".amp", ".amp.html"))
        or hostname.startswith("amp.")
        or hostname.endswith(".cdn.ampproject.org")
        or _amp_query(parts.query)
    )


def canonical_urls(urls: list[str]) -> list[str]:
    """The canonical forms of `urls` that are URLs at all, in order, without repeats."""
    out = []
    for url in urls:
        try:
            out.append(canonicalise(url))
        except ValueError:
            continue
    return list(dict.fromkeys(out))
