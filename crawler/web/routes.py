"""The pages of `newsmon serve`. Each endpoint gathers plain data through storage.views (or the
shared search) and hands it to `respond`, which renders it or returns it as JSON."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from crawler.web import present
from crawler.web.responses import respond, session
from crawler.web.security import COOKIE, login_attempt, safe_next, session_value
from storage import views

PER_PAGE = 25
FEED_ENTRIES = 50
DASHBOARD_STORIES = 5
CHART_DAYS = 30
SEARCH_LIMIT = 20


def _topics(request: Request, found: list[str]) -> list[str]:
    return sorted(set(found) | set(request.app.state.topics))


def _chart_end(newest: datetime | None) -> datetime:
    """The chart's last day: today; or, when the topic's last match is older than the chart
    (an archive no longer crawled), that match's day, so the chart shows matches."""
    today = datetime.now(UTC)
    if newest is not None and newest < today - timedelta(days=CHART_DAYS):
        return newest
    return today


def _topic_card(s: Any, name: str) -> dict[str, Any]:
    end = _chart_end(views.last_match_at(s, name)).date()
    return {
        "name": name,
        "chart_end": end.isoformat(),
        "per_day": views.matches_per_day(s, name, end, CHART_DAYS),
        "stories": views.topic_stories(s, name, limit=DASHBOARD_STORIES),
        "sources": views.busiest_sources(s, name),
        "sources_of_latest": views.RECENT_MATCHES,
    }


def dashboard(request: Request) -> Response:
    with session(request) as s:
        names = _topics(request, views.topic_names(s))
        data = {"topics": [_topic_card(s, name) for name in names]}
    return respond(request, "dashboard.html", data)


def _known_topic(request: Request, s: Any, name: str) -> None:
    if name not in request.app.state.topics and not views.has_matches(s, name):
        raise HTTPException(404, f"no topic named {name!r}")


def topic(request: Request) -> Response:
    name = request.path_params["name"]
    page = present.page_number(request.query_params.get("page"))
    with session(request) as s:
        _known_topic(request, s, name)
        # One more than a page: whether there is a next page, without counting them all.
        stories = views.topic_stories(s, name, limit=PER_PAGE + 1, offset=(page - 1) * PER_PAGE)
    data = {
        "topic": name,
        "page": page,
        "more": len(stories) > PER_PAGE,
        "stories": stories[:PER_PAGE],
    }
    return respond(request, "topic.html", data)


def topic_feed(request: Request) -> Response:
    name = request.path_params["name"]
    with session(request) as s:
        _known_topic(request, s, name)
        stories = views.topic_stories(s, name, limit=FEED_ENTRIES)
    base = str(request.base_url).rstrip("/")
    updated = max((st["last_match_at"] for st in stories if st["last_match_at"]), default=None)
    data = {"topic": name, "base": base, "updated": updated, "stories": stories}
    return respond(request, "feed.xml", data)


def story(request: Request) -> Response:
    story_id = request.path_params["story_id"]
    with session(request) as s:
        data = views.story_detail(s, story_id)
    if data is None:
        raise HTTPException(404, f"no story {story_id}")
    return respond(request, "story.html", data)


def article(request: Request) -> Response:
    article_id = request.path_params["article_id"]
    with session(request) as s:
        record = views.article_detail(s, article_id)
    if record is None:
        raise HTTPException(404, f"no article {article_id}")
    record["history"] = present.version_diffs(record["history"])
    return respond(request, "article.html", record)


def search(request: Request) -> Response:
    from crawler.archive.search import SearchError
    from crawler.archive.search import search as run_search

    query = request.query_params.get("q", "").strip()
    data: dict[str, Any] = {"query": query, "results": [], "error": None}
    if query:
        with session(request) as s:
            try:
                data["results"] = run_search(s, query, limit=SEARCH_LIMIT)
            except SearchError as exc:
                data["error"] = str(exc)
    response = respond(request, "search.html", data)
    if data["error"]:
        response.status_code = 400
    return response


def sources(request: Request) -> Response:
    from storage.queries import source_stats

    with session(request) as s:
        data = {"sources": source_stats(s), "health": None}
    return respond(request, "sources.html", data)


def login_form(request: Request) -> Response:
    data = {"next": safe_next(request.query_params.get("next")), "failed": False}
    return respond(request, "login.html", data)


async def login(request: Request) -> Response:
    token: str = request.app.state.token
    ok, target = await login_attempt(request, token)
    if not ok:
        data = {"next": target, "failed": True}
        response = respond(request, "login.html", data)
        response.status_code = 401 if token else 404
        return response
    response = RedirectResponse(target, 303)
    response.set_cookie(COOKIE, session_value(token), httponly=True, samesite="strict")
    return response
