"""Import every module of newsmon's shipped packages; exit 1 naming each one that fails."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import traceback

PACKAGES = ("crawler", "storage", "migrations", "demo")
# Run, not imported: Alembic executes env.py inside its own context (the crawl in
# .ci/plain-install runs it), and a __main__ module is the body of `python -m`.
SKIP = {"migrations.env"}


def modules() -> list[str]:
    names = []
    for package in PACKAGES:
        pkg = importlib.import_module(package)
        names.append(package)
        for info in pkgutil.walk_packages(pkg.__path__, f"{package}."):
            if info.name not in SKIP and not info.name.endswith(".__main__"):
                names.append(info.name)
    return names


def main() -> int:
    failed = []
    names = modules()
    for name in names:
        try:
            importlib.import_module(name)
        except BaseException as exc:  # noqa: BLE001 - any failure is the finding
            failed.append(name)
            print(f"cannot import {name}: {type(exc).__name__}: {exc}", file=sys.stderr)
            traceback.print_exc(limit=-3)
    print(f"{len(names) - len(failed)} of {len(names)} modules import")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
