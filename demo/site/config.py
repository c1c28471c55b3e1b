"""A newsmon TOML config for the demo site."""

from __future__ import annotations

import json
from typing import Any


def toml_value(value: Any) -> str:
    """A TOML value: JSON's string escapes are valid TOML basic-string escapes."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return "[" + ", ".join(toml_value(v) for v in value) + "]"


def newsmon_toml(
    database_url: str, smtp_port: int, tables: dict[str, list[dict[str, Any]]], extra: str
) -> str:
    """The config: fixed crawl and alert settings, then `tables` ([[sources]], [[topics]])."""
    lines = [
        "# newsmon configuration for the demo news site (written by demo)",
        "[database]",
        f"url = {toml_value(database_url)}",
        "",
        "[crawl]",
        'user_agent = "newsmon-demo/1.0 (+https://example.org/newsmon)"',
        "obey_robots = true",
        "concurrency = 32",
        "per_host_concurrency = 8",
        'download_delay = "0s"',
        'timeout = "10s"',
        "max_page_bytes = 5_000_000",
        'allow_private_networks = ["127.0.0.0/8"]',
        "",
        "[alerts]",
        'smtp_host = "127.0.0.1"',
        f"smtp_port = {smtp_port}",
        "smtp_starttls = false",
        'from = "newsmon@example.org"',
        "",
    ]
    for table, rows in tables.items():
        for row in rows:
            lines.append(f"[[{table}]]")
            lines += [f"{k} = {toml_value(v)}" for k, v in row.items()]
            lines.append("")
    return "\n".join(lines) + (f"\n{extra.strip()}\n" if extra.strip() else "")
