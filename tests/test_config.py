"""Configuration: the TOML loader, validation errors naming file and key, the CLI's exit code 2."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from crawler.config import ConfigError, load, parse_duration
from tests.conftest import REPO, newsmon

GOOD = """
[database]
url = "sqlite:///x.db"
[[sources]]
name = "Wire"
feeds = ["https://example.org/rss.xml"]
[[topics]]
name = "ukraine"
query = 'Ukraine AND (Russia OR Putin)'
alert_to = ["desk@example.org"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "newsmon.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_config_loads_with_defaults(tmp_path: Path) -> None:
    config = load(write(tmp_path, GOOD))
    assert config.sources[0].every == timedelta(minutes=15)
    assert config.crawl.per_host_concurrency == 2
    assert config.revisit.schedule[0] == timedelta(minutes=15)
    assert config.topics[0].alert_mode == "immediate"


def test_example_config_is_valid() -> None:
    config = load(REPO / "config" / "example.toml")
    assert config.topics[0].name == "ukraine-russia"


@pytest.mark.parametrize(
    ("patch", "key", "problem"),
    [
        ("[crawl]\nconcurency = 3\n", "crawl.concurency", "unknown key"),
        ('[crawl]\ntimeout = "soon"\n', "crawl.timeout", "invalid duration"),
        (
            '[crawl]\nallow_private_networks = ["10.0.0.0/33"]\n',
            "crawl.allow_private_networks",
            "not an address",
        ),
        ('[[topics]]\nname = "bad"\nquery = "(Kyiv"\n', "topics[1].query", "position"),
        ('[[sources]]\nname = "S"\npages = ["https://x.org/"]\n', "sources[1]", "follow"),
        ('[[sources]]\nname = "S"\nfeeds = ["ftp://x.org/"]\n', "sources[1].feeds", "not an http"),
        ("[alerts]\nsmtp_port = 0\n", "alerts.smtp_port", "greater than"),
    ],
)
def test_bad_values_name_file_and_key(tmp_path: Path, patch: str, key: str, problem: str) -> None:
    path = write(tmp_path, GOOD + patch)
    with pytest.raises(ConfigError) as info:
        load(path)
    message = str(info.value)
    assert str(path) in message
    assert f"{key}:" in message
    assert problem in message


def test_durations() -> None:
    assert parse_duration("30s") == timedelta(seconds=30)
    assert parse_duration("1.5h") == timedelta(minutes=90)
    assert parse_duration("1d") == timedelta(days=1)
    with pytest.raises(ValueError):
        parse_duration("15 minutes")


def test_cli_exits_2_naming_the_key(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + '[crawl]\nmax_page_bytes = "big"\n')
    result = newsmon("crawl", config=path)
    assert result.returncode == 2
    assert "crawl.max_page_bytes" in result.stderr
    assert str(path) in result.stderr.replace("\n", "")


def test_missing_config_file_exits_2(tmp_path: Path) -> None:
    result = newsmon("search", "x", config=tmp_path / "nope.toml")
    assert result.returncode == 2
    assert "nope.toml" in result.stderr.replace("\n", "")


def test_database_url_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSMON_DATABASE_URL", "sqlite:///other.db")
    assert load(write(tmp_path, GOOD)).database_url == "sqlite:///other.db"
