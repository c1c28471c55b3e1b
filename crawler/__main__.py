"""`python -m crawler` and the `newsmon` command: the command line, imported only to run."""

from __future__ import annotations


def main() -> None:
    """Run the command line.

    Imported here, not at the top: a process started with spawn (the extraction pool's workers,
    the writer) runs the script that started its parent first, and the `newsmon` script imports
    this module. At the top, every such process imported typer, rich and the commands too:
    about 20 MB and a fifth of a second each, for nothing.
    """
    from crawler.cli import main as run

    run()


if __name__ == "__main__":
    main()
