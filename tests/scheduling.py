"""How `make test` shares the suite between its 2 xdist workers (`--dist loadfile`).

xdist's loadfile sends a whole module to one worker, the modules with the most tests first; a
long module sent last (the kill-safety crawls take two minutes) leaves the other worker idle
at the end. This plan keeps modules whole (their module-scoped fixtures are made once), with
three changes:

- a module whose module-scoped archive fixtures are per backend is two units, its SQLite half
  and its PostgreSQL half (they share no fixture), so the two can run side by side;
- the web tests that read the crawled web archive are one unit per backend, so that archive
  (two crawls) is made once per backend, not once per module and worker;
- the longest units go first (the figures: seconds on a quiet 2-core machine, for the order
  only), so the end of the run is made of short ones.

The serial phase (timing-sensitive tests, kept away from the parallel phase's load) runs on
2 workers too: its tests mostly wait (the daemon's interval test sleeps through 84 seconds),
so test_daemon.py is cut in two units and the other worker runs test_distributed.py.
"""

from __future__ import annotations

from collections import OrderedDict

from xdist.scheduler import LoadFileScheduling
from xdist.workermanage import WorkerController

# Modules split into their SQLite and PostgreSQL halves (tests without a backend stay apart).
PER_BACKEND = {
    "tests/test_killsafety.py",
    "tests/test_revisits.py",
    "tests/test_crawl.py",
    "tests/test_source_health.py",
    "tests/test_revisit_budget.py",
}
# The tests of the crawled web archive (tests/web/conftest.py's web_archives).
WEB_ARCHIVE = {"tests/web/test_app.py", "tests/web/test_browser.py", "tests/web/test_datasette.py"}
# Tests moved out of their module's unit into a unit of their own: test name -> unit.
UNITS = {
    "tests/test_daemon.py::test_daemon_stops_at_any_moment_without_traceback_or_leftover": (
        "tests/test_daemon.py (stops)"
    ),
    # the two readers of conftest's demo_run
    "tests/test_cli.py::test_demo_crawls_and_shows_matches_and_the_email": "newsmon demo",
    "tests/web/test_demo.py::test_demo_ends_with_the_serve_command_and_it_serves": "newsmon demo",
}

COST = {
    "tests/test_killsafety.py[sqlite]": 110,
    "tests/test_killsafety.py[postgres]": 60,
    "tests/test_daemon.py": 110,  # its 84-second interval test first
    "tests/test_distributed.py": 80,
    "tests/test_daemon.py (stops)": 25,
    "tests/test_sources.py": 35,
    "tests/test_revisits.py[sqlite]": 32,
    "tests/test_revisits.py[postgres]": 30,
    "tests/test_faults.py": 30,
    "tests/test_hardening.py": 30,
    "web archive[sqlite]": 30,
    "tests/test_cli.py": 20,
    "tests/test_source_health.py[postgres]": 20,
    "tests/test_source_health.py[sqlite]": 20,
    "tests/test_crawl.py[sqlite]": 20,
    "tests/test_crawl.py[postgres]": 18,
    "tests/test_extraction_failures.py": 20,
    "tests/test_concurrency.py": 18,
    "tests/test_normalise.py": 18,
    "web archive[postgres]": 16,
    "newsmon demo": 20,
    "tests/test_scheduler.py": 15,
    "tests/test_source_learning.py": 15,
    "tests/test_revisit_budget.py[sqlite]": 14,
    "tests/test_revisit_budget.py[postgres]": 14,
    "tests/test_ops.py": 12,
    "tests/test_metadata_rules.py": 10,
    "tests/test_extract.py": 10,
    "tests/test_cjk_crawl.py": 9,
    "tests/test_writer.py": 90,
}


def backend_of(nodeid: str) -> str | None:
    """The backend a test runs on, from its parameters' id (`test_x[postgres-3]`)."""
    if not nodeid.endswith("]"):
        return None
    params = nodeid[nodeid.index("[") + 1 : -1].split("-")
    return next((b for b in ("sqlite", "postgres") if b in params), None)


def unit_of(nodeid: str) -> str:
    """The work unit a test belongs to: its module, except as the module docstring says."""
    module = nodeid.split("::", 1)[0]
    if (test := nodeid.split("[", 1)[0]) in UNITS:
        return UNITS[test]
    backend = backend_of(nodeid)
    if module in WEB_ARCHIVE:
        return f"web archive[{backend or 'sqlite'}]"
    if module in PER_BACKEND and backend is not None:
        return f"{module}[{backend}]"
    return module


class Plan(LoadFileScheduling):
    """loadfile with the units and the order above."""

    def _split_scope(self, nodeid: str) -> str:
        return unit_of(nodeid)

    def _assign_work_unit(self, node: WorkerController) -> None:
        if not getattr(self, "_ordered", False):  # once, before the first unit is sent
            units = sorted(self.workqueue.items(), key=lambda u: (-COST.get(u[0], 0), -len(u[1])))
            self.workqueue = OrderedDict(units)
            self._ordered = True
        super()._assign_work_unit(node)

    def _reschedule(self, node: WorkerController) -> None:
        """A worker gets its next unit when it holds only the last test of its current one (a
        worker runs a test once it knows the next, for the teardown), not two tests before as
        in xdist: a prefetched unit would wait behind a long last test while the other worker
        could have taken it."""
        if node.shutting_down:
            return
        if not self.workqueue:
            node.shutdown()
            return
        if self._pending_of(self.assigned_work[node]) > 1:
            return
        self._assign_work_unit(node)
