"""The writer process: a crawl's archive writes, taken out of the crawl process."""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import signal
from collections import Counter, deque
from concurrent.futures import Future, ProcessPoolExecutor

from crawler.archive.batches import BatchWriter, Op, Recleaned, Reply

logger = logging.getLogger(__name__)

_writer: BatchWriter | None = None
PR_SET_NAME = 15


def _name_process(name: bytes) -> None:
    """Show the process as `name` in ps and /proc/PID/comm (Linux; elsewhere nothing)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(PR_SET_NAME, name, 0, 0, 0)


def _start(writer: BatchWriter) -> None:
    """Initializer of the writer process: open the handed-over writer's database."""
    global _writer
    from crawler.process.texts import exit_with_parent

    _name_process(b"newsmon-writer")
    # Ctrl-C and a service manager's stop signal the whole process group: the crawl stops
    # gracefully and waits for its batches, which this process must live to write. It ends
    # when shut down, or with the crawl.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    exit_with_parent()  # a killed crawl's writer commits nothing more
    writer.open()
    _writer = writer


def _write(batch: list[Op], recleaned: list[Recleaned], closing: bool, pool: bool) -> Reply:
    assert _writer is not None
    _writer.pool_recleans = pool
    return _writer.write(batch, recleaned, closing=closing)


def _finish() -> Counter[str]:
    assert _writer is not None
    counters = _writer.finish()
    _writer.close()
    return counters


class WriterProcess:
    """A BatchWriter run in a process of its own, batches written in the order sent.

    Sending a batch costs the crawl process its pickling only (the pages' bodies are gone by
    then); the SQL, the full-text indexing, the story lookups and the relearning run there.
    """

    def __init__(self, writer: BatchWriter) -> None:
        # spawn: forking a process that runs the Twisted reactor is unsafe (see pool.py)
        self._executor = ProcessPoolExecutor(
            1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start,
            initargs=(writer,),
        )
        self.pending: deque[Future[Reply]] = deque()

    def send(
        self, batch: list[Op], recleaned: list[Recleaned], *, closing: bool, pool: bool
    ) -> None:
        """Send a batch to be written; `pool`: whether the crawl's pool can re-strip stored
        articles (Reply.recleans), else the writer does."""
        self.pending.append(self._executor.submit(_write, batch, recleaned, closing, pool))

    def replies(self, *, wait: bool) -> list[Reply | Exception]:
        """The replies of the batches written (all sent so far, with `wait`), in order; a
        batch that failed gives its exception (BrokenProcessPool: the process died)."""
        out: list[Reply | Exception] = []
        while self.pending and (wait or self.pending[0].done()):
            future = self.pending.popleft()
            try:
                out.append(future.result())
            except Exception as exc:  # noqa: BLE001 - the batch's failure, told to the crawl
                out.append(exc)
        return out

    def finish(self) -> Counter[str]:
        """The run's per-source bookkeeping, after every batch sent; the run's counters."""
        return self._executor.submit(_finish).result()

    def shutdown(self, *, wait: bool = True) -> None:
        self._executor.shutdown(wait=wait, cancel_futures=True)
