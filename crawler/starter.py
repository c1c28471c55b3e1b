"""The commented starter configuration written by `newsmon init`."""

from __future__ import annotations

from pathlib import Path

STARTER = Path(__file__).with_name("starter.toml")


def write_starter(directory: Path) -> Path:
    """Write DIR/config/newsmon.toml unless it exists; return its path."""
    path = directory / "config" / "newsmon.toml"
    if path.exists():
        raise FileExistsError(f"{path} exists; not overwriting it")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(STARTER.read_text(encoding="utf-8"), encoding="utf-8")
    return path
