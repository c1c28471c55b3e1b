"""newsmon: a scheduled news-monitoring crawler.

The packages read as the data flow, top to bottom, and each imports only those below it
(import-linter checks this in `make lint`):

    cli                      the `newsmon` command
    demo (top level), web    the demo site and the read-only web view
    schedule                 the daemon: APScheduler ticks, child crawls, leadership
    cycle, lock              one crawl cycle under the crawl lock
    distributed              cycles shared by several machines through Redis
    fetch | archive | alerts discover and fetch; store; send alert emails
    config                   the one configuration model
    process                  the extraction pool: pure CPU, no database
    items                    what passes between stages
    text                     pure functions: URLs, folding, shingles, MinHash, topics, diffs
    storage (top level)      models, sessions, queries, full-text search
"""
