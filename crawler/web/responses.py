"""How a route answers: its template (autoescaped) or, with ?format=json, the same data as JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.templating import Jinja2Templates

from crawler.web import present

STATIC = Path(__file__).resolve().parent / "static"


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
