"""The one configuration model (pydantic) and its TOML loader."""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from crawler.text.normalise import stemming_language

DEFAULT_CONFIG_PATH = Path("config/newsmon.toml")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_MAX_SECONDS = 3650 * 86400


class ConfigError(Exception):
    """A configuration problem, naming the file and the key."""

    def __init__(self, path: Path | str | None, key: str, problem: str) -> None:
        self.path, self.key, self.problem = path, key, problem
        where = f"{path}: " if path else ""
        super().__init__(f"{where}{key}: {problem}" if key else f"{where}{problem}")


def parse_duration(value: Any) -> timedelta:
    """Turn `30s`, `15m`, `3h`, `1d` (or a number of seconds) into a timedelta."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(min(value, _MAX_SECONDS + 1))  # min() first: float() of a huge int fails
    elif isinstance(value, str) and (m := _DURATION.match(value)):
        seconds = float(m.group(1)) * _UNITS[m.group(2)]
    else:
        raise ValueError(f"invalid duration {value!r} (write e.g. 30s, 15m, 3h, 1d)")
    # Also refuses NaN (no comparison holds) and what timedelta would overflow on.
    if not 0 <= seconds <= _MAX_SECONDS:
        raise ValueError(f"duration {value!r} out of range (0s to 3650d)")
    return timedelta(seconds=seconds)


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


def _emails(value: Any) -> list[str]:
    value = [value] if isinstance(value, str) else value
    if not isinstance(value, list):
        raise ValueError("must be an email address or a list of them")
    for addr in value:
        if not isinstance(addr, str) or not re.match(r"^[^@\s<>]+@[^@\s<>]+$", addr):
            raise ValueError(f"not an email address: {addr!r}")
    return value


def _count_or_duration(value: Any) -> int | timedelta:
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise ValueError("must be 0 or more")
        return value
    return parse_duration(value)


def hide_password(url: str) -> str:
    """A URL fit for an error message: its password, and query (which may hold one), as ***.

    A URL with a user part that does not parse as scheme://user:password@host is not shown
    at all: in a malformed URL the password may sit anywhere.
    """
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed [IPv6 address
        return "(not shown: it may hold a password)"
    if "@" in url:
        if not (parts.scheme and "@" in parts.netloc and url.count("@") == 1):
            return "(not shown: it may hold a password)"
        user, _, host = parts.netloc.rpartition("@")
        parts = parts._replace(netloc=f"{user.partition(':')[0]}:***@{host}")
    return repr(urlunsplit(parts._replace(query="***" if parts.query else "")))


class _Section(BaseModel):
    # Unknown keys are errors: a typo must not silently fall back to a default.
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseConfig(_Section):
    url: str = Field("sqlite:///newsmon.db", description="SQLAlchemy URL of the archive")
    echo: bool = Field(False, description="log every SQL statement")


class CrawlConfig(_Section):
    user_agent: str = "newsmon/1.0 (+https://example.org/newsmon)"
    obey_robots: bool = True
    concurrency: int = Field(16, ge=1, le=1024)
    per_host_concurrency: int = Field(2, ge=1, le=256)
    download_delay: Duration = timedelta(seconds=0.5)
    timeout: Duration = timedelta(seconds=30)
    max_page_bytes: int = Field(5_000_000, ge=1024)
    allow_private_networks: bool | list[str] = False
    store_html: bool = Field(False, description="keep the compressed raw HTML of every version")
    max_pages: int = Field(5, ge=1, description="listing pages followed per source and poll")
    retries: int = Field(3, ge=0, le=20)
    cycle_budget: Duration = Field(timedelta(hours=1), description="wall-time budget of one cycle")
    workers: int = Field(0, ge=0, description="extraction processes; 0 means one per core")
    writer_after: int = Field(100, ge=0, description="article pages before a writer process")
    lock_path: str = Field("", description="lock file; default: beside the SQLite file")
    history_retention: Duration = Field(
        timedelta(days=90),
        description="crawl_runs and page_errors rows older than this are deleted by each crawl",
    )

    @field_validator("timeout", "cycle_budget")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        # 0 would switch Scrapy's per-request timeout (or the cycle's budget) off altogether.
        if value <= timedelta(0):
            raise ValueError("must be longer than 0s")
        return value

    @field_validator("allow_private_networks")
    @classmethod
    def _networks(cls, value: bool | list[str]) -> bool | list[str]:
        if isinstance(value, list):
            for net in value:
                try:
                    ipaddress.ip_network(net, strict=False)
                except ValueError as exc:
                    raise ValueError(f"not an address or CIDR network: {net!r}") from exc
        return value


class RevisitConfig(_Section):
    schedule: list[Duration] = Field(
        default_factory=lambda: [
            parse_duration(d) for d in ("15m", "1h", "3h", "12h", "1d", "3d", "7d")
        ]
    )
    # Time for revisits per cycle ("60s"), or (older form, still read) how many; overdue first.
    budget: Annotated[int | timedelta, BeforeValidator(_count_or_duration)] = timedelta(seconds=60)
    material_words: int = Field(
        10, ge=1, description="words added+removed that make a change material"
    )


class AlertsConfig(_Section):
    smtp_host: str = "localhost"
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_starttls: bool = False
    smtp_ssl: bool = Field(False, description="implicit TLS (SMTPS)")
    smtp_user: str = ""
    from_: str = Field("newsmon@example.org", alias="from")
    daily_at: str = Field("08:00", pattern=r"^\d{2}:\d{2}$")
    timezone: str = "UTC"
    max_attempts: int = Field(20, ge=1)
    # told when a source turns unhealthy and when it recovers (one address, or a list)
    operator_to: Annotated[list[str], BeforeValidator(_emails)] = Field(default_factory=list)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. UTC, Europe/Berlin)") from None
        return value

    @field_validator("daily_at")
    @classmethod
    def _clock(cls, value: str) -> str:
        hours, minutes = (int(x) for x in value.split(":"))
        if hours > 23 or minutes > 59:
            raise ValueError(f"not a time of day: {value!r} (write HH:MM, 00:00 to 23:59)")
        return value

    @property
    def smtp_password(self) -> str:
        # Secrets only from the environment, never from the file.
        return os.environ.get("NEWSMON_SMTP_PASSWORD", "")


class SourceConfig(_Section):
    name: str = Field(min_length=1)
    feeds: list[str] = Field(default_factory=list)
    sitemaps: list[str] = Field(default_factory=list)
    pages: list[str] = Field(default_factory=list)
    follow: str = ""
    paginate: str = ""
    every: Duration = timedelta(minutes=15)
    # Adaptive polling: the interval follows the source's publishing rate between these.
    every_min: Duration | None = None
    every_max: Duration | None = None

    @field_validator("follow", "paginate")
    @classmethod
    def _regex(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"invalid regular expression {value!r}: {exc}") from exc
        return value

    @field_validator("feeds", "sitemaps", "pages")
    @classmethod
    def _urls(cls, value: list[str]) -> list[str]:
        for url in value:
            if not re.match(r"^https?://[^/\s]+", url):
                raise ValueError(f"not an http(s) URL: {url!r}")
        return value

    @model_validator(mode="after")
    def _something_to_poll(self) -> SourceConfig:
        if not (self.feeds or self.sitemaps or self.pages):
            raise ValueError("a source needs at least one of feeds, sitemaps or pages")
        if self.pages and not self.follow:
            raise ValueError("`pages` needs a `follow` regex saying which links are articles")
        if (self.every_min is None) != (self.every_max is None):
            raise ValueError("`every_min` and `every_max` go together (or write a fixed `every`)")
        low, high = self.poll_range
        if self.every_min is not None and not timedelta(0) < low <= high:
            raise ValueError("`every_min` must be above 0s and at most `every_max`")
        return self

    @property
    def poll_range(self) -> tuple[timedelta, timedelta]:  # equal bounds for a fixed `every`
        return (self.every_min or self.every, self.every_max or self.every)


class SourceHealthConfig(_Section):  # when a source is unhealthy (stats, operator emails)
    empty_polls: int = Field(12, ge=1, description="polls in a row without a new article")
    min_articles: int = Field(3, ge=1, description="new articles a poll needs to judge length")


class TopicConfig(_Section):
    name: str = Field(min_length=1)
    query: str
    alert_to: list[str] = Field(default_factory=list)
    alert_mode: Literal["immediate", "daily", "none"] = "immediate"
    alert_updates: bool = False
    # Off by default: exact (folded) words. A Snowball language ("russian", "ru") matches by stems.
    language: Annotated[str, AfterValidator(stemming_language)] | None = None

    @field_validator("query")
    @classmethod
    def _parses(cls, value: str) -> str:
        from crawler.text.topics import QueryError, parse

        try:
            parse(value)
        except QueryError as exc:
            raise ValueError(f"{exc.message} in {value!r}") from exc
        return value

    @field_validator("alert_to")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        return _emails(value)


class DistributedConfig(_Section):
    redis_url: str = Field(
        "",
        description="Redis URL; when set, crawls on several machines share each cycle "
        "(env NEWSMON_REDIS_URL overrides it, e.g. to keep a password out of the file)",
    )
    key_prefix: str = Field(
        "newsmon",
        pattern=r"^[A-Za-z0-9_.:-]+$",
        description="namespace of newsmon's Redis keys; one per archive",
    )
    leader_ttl: Duration = Field(
        timedelta(seconds=30),
        description="how long a dead daemon keeps the leadership (and a dead crawl its cycle)",
    )

    @field_validator("redis_url")
    @classmethod
    def _redis(cls, value: str) -> str:
        if value and not re.match(r"^(redis|rediss|unix)://", value):
            raise ValueError(
                f"not a Redis URL: {hide_password(value)} (write e.g. redis://host:6379/0)"
            )
        return value

    @field_validator("leader_ttl")
    @classmethod
    def _ttl(cls, value: timedelta) -> timedelta:
        # Renewed every third of it: below a second the renewals would be all it does.
        if value < timedelta(seconds=1):
            raise ValueError("must be at least 1s")
        return value

    @property
    def url(self) -> str:
        """The Redis URL in use: NEWSMON_REDIS_URL, else `redis_url`; empty: not distributed."""
        return os.environ.get("NEWSMON_REDIS_URL") or self.redis_url


class WebConfig(_Section):
    """`newsmon serve`: the token that any bind other than loopback requires."""

    token: str = Field(
        "", description="bearer token of the web view (env NEWSMON_WEB_TOKEN overrides it)"
    )

    @property
    def effective_token(self) -> str:
        # The environment wins, so the secret can stay out of the file.
        return os.environ.get("NEWSMON_WEB_TOKEN") or self.token


class Config(_Section):
    database: DatabaseConfig = DatabaseConfig()
    crawl: CrawlConfig = CrawlConfig()
    revisit: RevisitConfig = RevisitConfig()
    alerts: AlertsConfig = AlertsConfig()
    distributed: DistributedConfig = DistributedConfig()
    web: WebConfig = WebConfig()
    source_health: SourceHealthConfig = SourceHealthConfig()
    sources: list[SourceConfig] = Field(default_factory=list)
    topics: list[TopicConfig] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_names(self) -> Config:
        for kind, names in (
            ("sources", [s.name for s in self.sources]),
            ("topics", [t.name for t in self.topics]),
        ):
            seen: set[str] = set()
            for i, name in enumerate(names):
                if name in seen:
                    raise ValueError(f"{kind}[{i}].name: duplicate name {name!r}")
                seen.add(name)
        return self

    @property
    def database_url(self) -> str:
        return os.environ.get("NEWSMON_DATABASE_URL") or self.database.url


def _key_of(loc: tuple[int | str, ...]) -> str:
    """Render a pydantic error location as a TOML key path: `sources[1].follow`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def from_dict(data: dict[str, Any], path: Path | str | None = None) -> Config:
    """Validate a parsed TOML document; raise ConfigError naming the first bad key."""
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        raise ConfigError(path, _key_of(loc), msg) from None


def load(path: Path | str | None = None) -> Config:
    """Load the configuration file: `path`, else $NEWSMON_CONFIG, else config/newsmon.toml."""
    resolved = Path(path or os.environ.get("NEWSMON_CONFIG") or DEFAULT_CONFIG_PATH)
    try:
        raw = resolved.read_bytes()
    except FileNotFoundError:
        raise ConfigError(resolved, "", "file not found (see `newsmon init`)") from None
    except OSError as exc:
        raise ConfigError(resolved, "", f"cannot read: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError) as exc:
        # (tomllib recurses once per level of nested arrays and tables)
        raise ConfigError(resolved, "", f"not valid TOML: {exc}") from None
    return from_dict(data, resolved)
