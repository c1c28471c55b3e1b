"""The extraction process pool: every failure of a page's processing becomes a reason."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import CancelledError, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from crawler.process.errors import describe
from crawler.text.topics import TopicSpec

logger = logging.getLogger(__name__)


# Exceptions that mean "stop", never "this page failed".
_STOP = (KeyboardInterrupt, SystemExit, asyncio.CancelledError, CancelledError)


_init_error: BaseException | None = None


def _initialise(topics: Sequence[TopicSpec]) -> None:
    """Worker initializer. A failure is kept and raised by every task, so that each page
    records the cause (a worker that dies in its initializer only breaks the pool)."""
    global _init_error
    try:
        from crawler.process.worker import init_worker

        init_worker(topics)
    except BaseException as exc:  # noqa: BLE001 - native code may raise BaseException
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        _init_error = exc


def _process_page(*args: Any) -> Any:
    """Worker task: `crawler.process.worker.process_page`, or the worker's start-up failure."""
    if _init_error is not None:
        raise _init_error
    from crawler.process.worker import process_page

    return process_page(*args)


def _call(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Worker task: any other function of the worker (re-stripping), or its start-up failure."""
    if _init_error is not None:
        raise _init_error
    return fn(*args, **kwargs)


class ExtractionPool:
    """A ProcessPoolExecutor that turns any failure of a page's processing into a reason.

    A worker that dies (the OOM killer, a crash in native code) breaks the whole executor:
    every page in flight fails with BrokenProcessPool. The pool is then started again: the
    first time always, later only if the restarted pool processed a page since, so a pool
    that cannot work (it breaks before any page succeeds) is not restarted for ever.
    """

    MAX_RESTARTS = 10

    def __init__(self, workers: int, topics: Sequence[TopicSpec]) -> None:
        self.workers = workers
        self.topics = topics
        self.restarts = 0
        self.start_error: str | None = None
        self.attempted = 0
        self.failed = 0
        self.first_failure: str | None = None
        self._succeeded_since_start = False
        self._executor: ProcessPoolExecutor | None = self._start()
        # Tasks handed to the executor at once: two a worker keep every worker busy.
        self._slots = asyncio.Semaphore(2 * max(workers, 1))

    def _start(self) -> ProcessPoolExecutor | None:
        # spawn: forking a process that runs the Twisted reactor and holds DB connections is
        # unsafe. (forkserver is as safe, but its server process stays beside the workers for
        # the whole crawl: 14 MB, for workers started once.)
        try:
            return ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_initialise,
                initargs=(self.topics,),
            )
        except Exception as exc:  # e.g. no /dev/shm for the pool's semaphores
            self.start_error = describe(exc)
            logger.error("the extraction pool could not start: %s", self.start_error)
            return None

    async def process_page(self, url: str, *args: Any) -> tuple[Any, str | None]:
        """`crawler.process.worker.process_page(*args)` in a worker: (its result, None), or
        (None, why it failed). Never raises but to stop the crawl."""
        self.attempted += 1
        result, reason = await self._run(_process_page, *args)
        if reason is None:
            self._succeeded_since_start = True
            return result, None
        self.failed += 1
        self.first_failure = self.first_failure or reason
        logger.error("extraction failed for %s: %s", url, reason)
        return None, reason

    async def run(
        self, fn: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> tuple[Any, str | None]:
        """`fn(*args, **kwargs)` (a module-level function) in a worker: (its result, None), or
        (None, why it failed). Not counted as a page."""
        return await self._run(_call, fn, args, kwargs)

    async def _run(self, fn: Callable[..., Any], *args: Any) -> tuple[Any, str | None]:
        # The rest wait here, not in the executor: a worker's death fails every task the
        # executor holds, and the waiting ones then go to the restarted pool.
        async with self._slots:
            return await self._submit(fn, *args)

    async def _submit(self, fn: Callable[..., Any], *args: Any) -> tuple[Any, str | None]:
        executor = self._executor
        if executor is None:
            return None, f"the extraction pool could not start: {self.start_error}"
        try:
            return await asyncio.get_running_loop().run_in_executor(executor, fn, *args), None
        except _STOP:
            raise
        except BrokenProcessPool as exc:
            self._restart(executor)
            return None, f"an extraction worker died: {describe(exc)}"
        except BaseException as exc:  # noqa: BLE001 - pyo3's PanicException is one
            return None, describe(exc)

    def _restart(self, broken: ProcessPoolExecutor) -> None:
        if broken is not self._executor:
            return  # another page in flight on the same pool restarted it already
        broken.shutdown(wait=False, cancel_futures=True)
        allowed = self.restarts == 0 or self._succeeded_since_start
        if not allowed or self.restarts >= self.MAX_RESTARTS:
            self._executor = None
            self.start_error = self.start_error or "its workers kept dying"
            return
        self.restarts += 1
        self._succeeded_since_start = False
        logger.warning("an extraction worker died; restarting the pool (%d)", self.restarts)
        self._executor = self._start()

    def every_page_failed(self) -> bool:
        """Whether processing failed for every page it was given (at least one)."""
        return self.attempted > 0 and self.failed == self.attempted

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
