"""What the fault site serves: its texts, replies, and the bad bytes (bombs, binaries)."""

from __future__ import annotations

import functools
import random
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from typing import cast

import brotli

GAZETTE, LANDING, BUSY, CANARY = "127.0.0.20", "127.0.0.21", "127.0.0.22", "127.0.0.30"
ALLOWED = "127.0.0.20/30"
SOURCE = "Fault Gazette"
BOMB_BYTES = 200 * 1024 * 1024  # what each bomb inflates to
MAX_PAGE_BYTES = 2_000_000
HTML = "text/html; charset=utf-8"
PUBLISHED = datetime(2024, 3, 18, 9, 0, tzinfo=UTC)

# Text in legacy encodings: each paragraph must come back exactly (after normalise_text).
RUSSIAN_TITLE = "Городской совет утвердил новый план развития набережной"
RUSSIAN = [
    "Городской совет в среду утвердил план реконструкции набережной, который обсуждался "
    "почти два года. Работы начнутся весной и продлятся до конца следующего года.",
    "По словам главы комиссии по благоустройству, на набережной появятся новые скамейки, "
    "велосипедные дорожки и освещение. Старые деревья сохранят, а вдоль реки высадят ещё "
    "двести лип.",
    "Жители района, пришедшие на заседание, в целом поддержали проект, но попросили "
    "оставить бесплатную стоянку у рынка и продлить работу паромной переправы.",
    "Стоимость работ оценивается в четыреста миллионов рублей. Часть денег выделит "
    "областной бюджет, остальное город надеется получить от продажи бывших складов.",
]
FRENCH_TITLE = "La région prolonge les horaires des trains du soir"
FRENCH = [
    "La région a annoncé jeudi que les trains du soir circuleront une heure de plus à "
    "partir du mois prochain, une mesure réclamée depuis longtemps par les étudiants.",
    "Selon le vice-président chargé des transports, l'élargissement des horaires coûtera "
    "près de trois millions d'euros par an, financés en partie par les communes desservies.",
    "Les associations d'usagers saluent une « décision attendue » mais regrettent que les "
    "lignes secondaires, où les retards sont fréquents, ne soient pas concernées.",
    "Une évaluation sera menée à la fin de l'année afin de décider si l'expérience doit être "
    "étendue aux fins de semaine et aux vacances scolaires.",
]
GERMAN_TITLE = "Stadtbibliothek öffnet künftig auch sonntags"
GERMAN = [
    "Die Stadtbibliothek öffnet vom nächsten Monat an auch sonntags, teilte die Verwaltung "
    "am Dienstag mit. Zunächst gilt die Regelung für ein Jahr.",
    "Möglich wird die Öffnung durch zusätzliche Stellen und Selbstverbuchungsgeräte, an "
    "denen Leserinnen und Leser Bücher ohne Hilfe ausleihen und zurückgeben können.",
    "Der Förderverein begrüßte die Entscheidung. Gerade Familien und Berufstätige hätten "
    "unter der Woche kaum Zeit, die Räume in Ruhe zu nutzen, sagte die Vorsitzende.",
    "Im Herbst will die Stadt prüfen, wie viele Besucher das Angebot angenommen haben und "
    "ob sich die längeren Öffnungszeiten dauerhaft finanzieren lassen.",
]


@dataclass(frozen=True)
class Page:
    """An article the archive must hold: its title and the paragraphs of its text."""

    title: str
    paragraphs: list[str]


@dataclass
class Reply:
    """One route: a fixed answer, or a behaviour (slow, drip, stream) that ignores `body`."""

    status: int = 200
    body: bytes = b""
    content_type: str = HTML
    headers: dict[str, str] = field(default_factory=dict)
    behaviour: str = ""


def article_html(title: str, paragraphs: list[str], *, charset: str = "", lang: str = "en") -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head>{meta}<title>{escape(title)}</title>'
        '</head>\n<body><header><nav><a href="/">Fault Gazette</a> | <a href="/news/">News</a>'
        f"</nav></header>\n<main><article><h1>{escape(title)}</h1>\n{body}\n</article></main>\n"
        "<footer>Copyright Fault Gazette</footer></body></html>\n"
    )


def laugh_entities(levels: int = 9) -> str:
    """The entity declarations of a "billion laughs" document (10**levels copies of lol)."""
    decls = ['<!ENTITY lol0 "lol">']
    decls += [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels + 1)]
    return "".join(decls)


@functools.cache
def bomb(encoding: str) -> bytes:
    """BOMB_BYTES of zeros, compressed (computed once per process: about a second)."""
    chunk = bytes(1 << 20)
    if encoding == "br":
        compressor = brotli.Compressor(quality=5)
        return b"".join(compressor.process(chunk) for _ in range(BOMB_BYTES >> 20)) + (
            compressor.finish()
        )
    wbits = 31 if encoding == "gzip" else 15
    deflate = zlib.compressobj(9, zlib.DEFLATED, wbits)
    return b"".join(deflate.compress(chunk) for _ in range(BOMB_BYTES >> 20)) + deflate.flush()


def compress(body: bytes, encoding: str) -> bytes:
    if encoding == "br":
        return cast(bytes, brotli.compress(body))
    deflate = zlib.compressobj(6, zlib.DEFLATED, 31 if encoding == "gzip" else 15)
    return deflate.compress(body) + deflate.flush()


def png() -> bytes:
    rng = random.Random("png")
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(rng.randrange(256) for _ in range(3000))


def jpeg() -> bytes:
    rng = random.Random("jpeg")
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(rng.randrange(256) for _ in range(3000))


def pdf() -> bytes:
    rng = random.Random("pdf")
    return (
        b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\nstream\n"
        + bytes(rng.randrange(256) for _ in range(5000))
        + b"\nendstream\n%%EOF\n"
    )


def rss(links: list[str]) -> bytes:
    items = "".join(
        f"<item><title>Item {n}</title><link>{escape(url)}</link>"
        "<pubDate>Mon, 18 Mar 2024 09:00:00 GMT</pubDate></item>\n"
        for n, url in enumerate(links)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>Fault Gazette</title><link>http://{GAZETTE}/</link>\n{items}</channel></rss>\n"
    ).encode()
