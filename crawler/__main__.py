"""`python -m crawler` runs the newsmon command line."""

from crawler.cli import main

main()
