"""The daemon (`newsmon run`): APScheduler marks what is due, a dispatcher runs one crawl for
it in a child process, and with Redis one daemon leads.

May import cycle, distributed and everything below; only the CLI imports it.
"""
