"""The bad pages of the fault site, and the links to its canary that must never be followed."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from demo.faults.bodies import CANARY, Reply, bomb, jpeg, pdf, png

if TYPE_CHECKING:
    from demo.faults.site import FaultSite


def bad_pages(site: FaultSite, gazette: dict[str, Reply]) -> None:
    rng = random.Random(f"{site.seed}-random")
    nested = b"<html><body>" + b"<div>" * 100_000 + b"deep" + b"</div>" * 100_000
    cases: dict[str, tuple[Reply, str]] = {
        "/bad/random.html": (Reply(body=rng.randbytes(8192)), "not HTML: binary"),
        "/bad/report.html": (Reply(body=pdf()), "not HTML: PDF"),
        "/bad/photo.html": (Reply(body=png()), "not HTML: PNG"),
        "/bad/photo.jpg": (Reply(body=jpeg(), content_type="image/jpeg"), "not HTML: JPEG"),
        "/bad/empty.html": (Reply(body=b""), "empty body"),
        "/bad/blank.html": (Reply(body=b" \r\n\t \n" * 50), "empty body"),
        "/bad/app-shell.html": (
            Reply(
                body=b"<html><head><title>Loading</title><script>start()</script></head>"
                b'<body><div id="app"></div></body></html>'
            ),
            "no article text",
        ),
        "/bad/deep.html": (Reply(body=nested + b"</body></html>"), "no article text"),
        "/bad/loop-a.html": (Reply(302, headers={"Location": "/bad/loop-b.html"}), "loop"),
        "/bad/self.html": (Reply(301, headers={"Location": "/bad/self.html"}), "loop"),
        "/bad/chain-0.html": (
            Reply(302, headers={"Location": "/bad/chain-1.html"}),
            "redirect",
        ),
        "/bad/slow.html": (Reply(behaviour="slow"), "timeout|took longer"),
        "/bad/drip.html": (Reply(behaviour="drip"), "timeout|took longer"),
        "/bad/huge.html": (Reply(body=b"<p>x</p>" * 1_500_000), "too large"),
        "/bad/huge-stream.html": (Reply(behaviour="stream"), "too large"),
        "/bad/bad-gzip.html": (
            Reply(body=rng.randbytes(5000), headers={"Content-Encoding": "gzip"}),
            "gzip|decompress|not HTML",
        ),
        "/bad/to-file.html": (
            Reply(302, headers={"Location": "file:///etc/passwd"}),
            "HTTP 302|refused: file: URLs",
        ),
        "/bad/gone.html": (Reply(404, b"gone\n"), "HTTP 404"),
        "/bad/error.html": (Reply(500, b"oops\n"), "HTTP 500"),
    }
    for encoding, name in (("gzip", "gzip"), ("deflate", "deflate"), ("br", "brotli")):
        reply = Reply(body=bomb(encoding), headers={"Content-Encoding": encoding})
        cases[f"/bad/{name}-bomb.html"] = (reply, "too large")
    for path, (reply, reason) in cases.items():
        gazette[path] = reply
        site.bad[site.base() + path] = reason
    gazette["/bad/loop-b.html"] = Reply(302, headers={"Location": "/bad/loop-a.html"})
    for n in range(1, 15):
        gazette[f"/bad/chain-{n}.html"] = Reply(
            302, headers={"Location": f"/bad/chain-{n + 1}.html"}
        )


def canary_links(site: FaultSite, gazette: dict[str, Reply]) -> None:
    port = site._servers["canary"].server_address[1]
    local_port = site._servers["canary-localhost"].server_address[1]
    by_address = f"http://{CANARY}:{port}/canary/by-address.html"
    by_name = f"http://localhost:{local_port}/canary/by-name.html"
    gazette["/bad/to-canary.html"] = Reply(302, headers={"Location": by_address + "?via=302"})
    gazette["/bad/to-localhost.html"] = Reply(302, headers={"Location": by_name + "?via=302"})
    site.canary_urls = [
        by_address,
        by_name,
        f"http://2130706462:{port}/canary/decimal.html",
        f"http://0177.0.0.30:{port}/canary/octal.html",
        f"http://0x7f00001e:{port}/canary/hex.html",
        f"http://[::1]:{local_port}/canary/ipv6.html",
        "http://169.254.169.254/latest/meta-data/",
        site.base() + "/bad/to-canary.html",
        site.base() + "/bad/to-localhost.html",
    ]
