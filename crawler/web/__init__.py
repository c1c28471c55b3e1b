"""`newsmon serve`: a read-only web view of the archive (Starlette, Jinja2, uvicorn).

app.py builds the application, routes.py has its pages, responses.py how they answer (a
template or JSON), security.py the guard (read-only methods, the token, the
Content-Security-Policy), present.py the pure helpers that draw charts and diffs, server.py the
command's checks and the uvicorn server. The queries are in storage/views.py; templates and the
stylesheet are package data. Beside the CLI at the top: may import config, text and storage,
never the crawl's stages.
"""
