"""The crawl lock: one cycle at a time per archive, released even when the process is killed."""

from __future__ import annotations

import fcntl
import hashlib
import os
from pathlib import Path
from types import TracebackType

from crawler.config import Config
from storage.db import sqlite_path

EXIT_LOCKED = 75  # EX_TEMPFAIL: cron may simply try again later


class LockedError(RuntimeError):
    """Another crawl holds the lock."""


def lock_path(config: Config) -> Path:
    """Beside the SQLite file; for a server database, in the user's cache folder."""
    if config.crawl.lock_path:
        return Path(config.crawl.lock_path)
    db_file = sqlite_path(config.database_url)
    if db_file is not None:
        return db_file.with_name(db_file.name + ".lock")
    digest = hashlib.sha256(config.database_url.encode()).hexdigest()[:16]
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "newsmon"
    return cache / f"crawl-{digest}.lock"


class CrawlLock:
    """An exclusive flock(2) on the lock file; the kernel drops it when the holder dies,
    so a lock left by a killed run is never stale."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise LockedError(
                f"another crawl is running (pid {holder}; lock {self.path})"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> CrawlLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
