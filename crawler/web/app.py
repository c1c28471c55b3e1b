"""The Starlette application of `newsmon serve`: read-only sessions, templates, routes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from crawler.web import present
from crawler.web.security import Guard

STATIC = Path(__file__).resolve().parent / "static"


def read_only_engine(url: str) -> Engine:
    """An engine whose connections cannot write: PRAGMA query_only on SQLite, read-only
    transactions on PostgreSQL. No route writes, and the database enforces it too."""
    from storage.db import make_engine

    engine = make_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", lambda c, _r: c.execute("PRAGMA query_only=1"))
        return engine
    return engine.execution_options(postgresql_readonly=True)


def templates() -> Jinja2Templates:
    # Autoescape everywhere, .xml (the Atom feed) included: every archived field is escaped.
    env = Environment(loader=PackageLoader("crawler.web", "templates"), autoescape=True)
    env.globals.update(
        bar_chart=present.bar_chart,
        timeline=present.timeline,
        snippet_parts=present.snippet_parts,
    )
    env.filters["http_url"] = present.http_url
    return Jinja2Templates(env=env)


def respond(request: Request, template: str, data: dict[str, Any], **extra: Any) -> Response:
    """The page, or with ?format=json the same data as JSON."""
    if request.query_params.get("format") == "json":
        return JSONResponse(data)
    tpl: Jinja2Templates = request.app.state.templates
    context = {"data": data, "auth": bool(request.app.state.token), **extra}
    media = "application/atom+xml" if template.endswith(".xml") else None
    return tpl.TemplateResponse(request, template, context, media_type=media)


def session(request: Request) -> Session:
    factory: sessionmaker[Session] = request.app.state.sessions
    return factory()


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    data = {"error": exc.detail, "status": exc.status_code}
    if request.query_params.get("format") == "json":
        return JSONResponse(data, exc.status_code)
    tpl: Jinja2Templates = request.app.state.templates
    context = {"data": data, "auth": bool(request.app.state.token)}
    return tpl.TemplateResponse(request, "error.html", context, status_code=exc.status_code)


def favicon(request: Request) -> Response:
    return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")


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
