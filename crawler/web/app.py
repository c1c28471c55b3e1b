"""The Starlette application of `newsmon serve`: read-only sessions, templates, routes."""

from __future__ import annotations

from sqlalchemy import Engine, event
from sqlalchemy.orm import sessionmaker
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from crawler.web.responses import STATIC, favicon, http_error, templates
from crawler.web.security import Guard


def read_only_engine(url: str) -> Engine:
    """An engine whose connections cannot write: PRAGMA query_only on SQLite, read-only
    transactions on PostgreSQL. No route writes, and the database enforces it too."""
    from storage.db import make_engine

    engine = make_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", lambda c, _r: c.execute("PRAGMA query_only=1"))
        return engine
    return engine.execution_options(postgresql_readonly=True)


def create_app(database_url: str, *, token: str = "", topics: list[str] | None = None) -> Starlette:
    """The web view of the archive at `database_url`; `token` (if any) guards every page;
    `topics` are the configured topic names, shown even before they match anything."""
    from crawler.web import routes

    engine = read_only_engine(database_url)
    read = ["GET"]  # Starlette answers HEAD for every GET route
    app = Starlette(
        routes=[
            Route("/", routes.dashboard, methods=read, name="dashboard"),
            Route("/topics/{name}.atom", routes.topic_feed, methods=read, name="feed"),
            Route("/topics/{name}", routes.topic, methods=read, name="topic"),
            Route("/stories/{story_id:int}", routes.story, methods=read, name="story"),
            Route("/articles/{article_id:int}", routes.article, methods=read, name="article"),
            Route("/search", routes.search, methods=read, name="search"),
            Route("/sources", routes.sources, methods=read, name="sources"),
            Route("/login", routes.login_form, methods=read, name="login"),
            Route("/login", routes.login, methods=["POST"]),
            # Browsers ask for /favicon.ico where a page names no icon (the Atom feed).
            Route("/favicon.ico", favicon, methods=read, include_in_schema=False),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        middleware=[Middleware(Guard, token=token)],
        exception_handlers={HTTPException: http_error},
    )
    app.state.engine = engine
    app.state.sessions = sessionmaker(engine, expire_on_commit=False)
    app.state.templates = templates()
    app.state.token = token
    app.state.topics = list(topics or [])
    return app
