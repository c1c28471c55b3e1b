"""The daemon's child processes: a crawl in a process of its own, SIGTERM passed on, and a
stop signal taken without a lock."""

from __future__ import annotations

import contextlib
import logging
import os
import select
import signal
import subprocess
import sys
import threading
from types import FrameType

from crawler.lock import EXIT_LOCKED

logger = logging.getLogger(__name__)


# The child processes now running (a scheduled crawl; with Redis also a joining crawl), so
# that SIGTERM can be passed on to them.
_child_lock = threading.Lock()


_children: set[subprocess.Popen[bytes]] = set()


# Set by the main thread once SIGTERM/SIGINT arrived: a job that starts after it must not
# spawn a new crawl.
_stopping = threading.Event()
# Set to wake the dispatcher: something is due, or the daemon stops.
_wake = threading.Event()


class _StopPipe:
    """SIGTERM/SIGINT as a byte in a pipe, read by the main thread.

    A Python signal handler runs in the main thread between two bytecodes, maybe while that
    thread holds `_child_lock` (in `_join`) or the lock inside a threading.Event; neither is
    re-entrant. Writing to a pipe takes no lock, so the handler cannot deadlock.
    """

    def __init__(self) -> None:
        self.read_fd, self.write_fd = os.pipe()
        os.set_blocking(self.write_fd, False)

    def handler(self, signum: int, _frame: FrameType | None) -> None:
        with contextlib.suppress(OSError):  # the pipe is full: a stop is requested already
            os.write(self.write_fd, bytes([signum]))

    def wait(self, timeout: float | None) -> int | None:
        """The signal received within `timeout` seconds, or None."""
        if not select.select([self.read_fd], [], [], timeout)[0]:
            return None
        return os.read(self.read_fd, 1)[0]


_stop_pipe: _StopPipe | None = None


def install_stop_handlers() -> None:
    """Let SIGTERM and SIGINT request a stop (see `wait_for_stop`)."""
    global _stop_pipe
    _stop_pipe = _StopPipe()
    signal.signal(signal.SIGTERM, _stop_pipe.handler)
    signal.signal(signal.SIGINT, _stop_pipe.handler)


def wait_for_stop(timeout: float | None) -> bool:
    """In the main thread: wait up to `timeout` seconds for a stop signal; on the first,
    pass SIGTERM on to the running children and tell the other threads. Whether stopping."""
    if _stopping.is_set():
        return True
    assert _stop_pipe is not None, "install_stop_handlers() first"
    signum = _stop_pipe.wait(timeout)
    if signum is None:
        return False
    logger.info("received %s: stopping", signal.Signals(signum).name)
    with _child_lock:
        _stopping.set()
        for child in _children:
            if child.poll() is None:
                # Scrapy stops gracefully on SIGTERM: the running batch is committed.
                child.send_signal(signal.SIGTERM)
    _wake.set()
    return True


def _run_cli(config_path: str, *args: str, env: dict[str, str] | None = None) -> int:
    """Run one `newsmon` command in a child process: the Twisted reactor cannot restart, so
    every crawl gets a fresh process. Exit 75 means a cron crawl holds the lock: skip.

    :param env: variables added to the child's environment.
    """
    cmd = [sys.executable, "-m", "crawler", "--config", config_path, *args]
    with _child_lock:
        if _stopping.is_set():
            return 0
        child = subprocess.Popen(cmd, env={**os.environ, **env} if env else None)
        _children.add(child)
    try:
        code = child.wait()
    finally:
        with _child_lock:
            _children.discard(child)
    if code == EXIT_LOCKED:
        logger.info("skipped %s: another crawl is running", " ".join(args))
    elif code != 0:
        logger.warning("%s exited with %s", " ".join(args), code)
    return code
