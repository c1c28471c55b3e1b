"""`newsmon serve` binds to loopback unless given a token; with one, every page asks for it."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from crawler.web.app import create_app
from crawler.web.security import COOKIE, check_bind, safe_next
from storage.db import upgrade
from tests.conftest import newsmon
from tests.web.conftest import serving

TOKEN = "correct horse battery staple"


@pytest.fixture
def archive(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'newsmon.db'}"
    upgrade(url)
    return url


@pytest.fixture
def guarded(archive: str) -> Iterator[TestClient]:
    app = create_app(archive, token=TOKEN)
    with TestClient(app, follow_redirects=False) as c:
        yield c
    app.state.engine.dispose()


def test_without_the_token_nothing_is_shown(guarded: TestClient) -> None:
    html = guarded.get("/sources", headers={"Accept": "text/html"})
    assert html.status_code == 303 and html.headers["location"] == "/login?next=%2Fsources"
    api = guarded.get("/sources?format=json")
    assert api.status_code == 401 and api.headers["www-authenticate"] == "Bearer"
    wrong = guarded.get("/sources", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert "content-security-policy" in wrong.headers
    assert guarded.get("/static/style.css").status_code == 200  # the login page's style


def test_a_bearer_token_or_the_login_cookie_opens_it(guarded: TestClient) -> None:
    bearer = guarded.get("/sources?format=json", headers={"Authorization": f"Bearer {TOKEN}"})
    assert bearer.status_code == 200 and bearer.json()["sources"] == []
    form = guarded.get("/login?next=/sources")
    assert form.status_code == 200 and 'name="token"' in form.text
    bad = guarded.post("/login", data={"token": "guess", "next": "/sources"})
    assert bad.status_code == 401 and COOKIE not in bad.cookies
    good = guarded.post("/login", data={"token": TOKEN, "next": "/sources"})
    assert good.status_code == 303 and good.headers["location"] == "/sources"
    cookie = good.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and TOKEN not in cookie
    assert guarded.get("/sources").status_code == 200  # the client keeps the cookie


def test_login_goes_back_only_to_this_server() -> None:
    assert safe_next("/topics/x?page=2") == "/topics/x?page=2"
    for outside in ("//evil.example/", "https://evil.example/", "/\\evil.example", None, ""):
        assert safe_next(outside) == "/"


def test_only_loopback_goes_without_a_token() -> None:
    for host in ("127.0.0.1", "localhost", "::1", "127.0.0.2"):
        check_bind(host, "")
    for host in ("0.0.0.0", "192.168.1.5", "news.example.org", "::"):
        with pytest.raises(ValueError, match="web.token"):
            check_bind(host, "")
        check_bind(host, TOKEN)
    with pytest.raises(ValueError, match="too short"):
        check_bind("0.0.0.0", "short")


def test_serve_refuses_to_start_on_a_public_address_without_a_token(
    tmp_path: Path, archive: str
) -> None:
    config = tmp_path / "newsmon.toml"
    config.write_text(f'[database]\nurl = "{archive}"\n', encoding="utf-8")
    result = newsmon("serve", "--host", "0.0.0.0", config=config, timeout=60)
    assert result.returncode == 2
    assert "refusing to serve on 0.0.0.0" in result.stderr and "web.token" in result.stderr
    short = newsmon(
        "serve", "--host", "0.0.0.0", config=config, env={"NEWSMON_WEB_TOKEN": "abc"}, timeout=60
    )
    assert short.returncode == 2 and "too short" in short.stderr


def test_serve_with_a_token_from_the_environment(tmp_path: Path, archive: str) -> None:
    config = tmp_path / "newsmon.toml"
    config.write_text(f'[database]\nurl = "{archive}"\n', encoding="utf-8")
    with serving(config, env={"NEWSMON_WEB_TOKEN": TOKEN}) as base:
        request = urllib.request.Request(base + "/sources?format=json")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 401
        request.add_header("Authorization", f"Bearer {TOKEN}")
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
