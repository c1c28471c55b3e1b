"""`newsmon demo` (what `make demo` runs) ends with the command that serves its archive."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

from tests.web.conftest import get_json, serving


def test_demo_ends_with_the_serve_command_and_it_serves(
    demo_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    result, _ = demo_run
    assert result.returncode == 0, result.stderr[-3000:]
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("web view: newsmon --config ") and "http://127.0.0.1:8080/" in last
    words = shlex.split(last.split("web view:", 1)[1].split("then open")[0])
    assert words[0] == "newsmon" and words[3] == "serve"
    config = Path(words[2])
    assert config.exists()
    with serving(config) as base:  # the same command, on a free port
        data = get_json(base + "/?format=json")
    assert isinstance(data, dict)
    assert {t["name"] for t in data["topics"]} == {"ukraine-russia", "climate", "chips"}
