"""Running the web view: the bind check, the schema check, then uvicorn."""

from __future__ import annotations

from crawler.config import Config
from crawler.web.security import BindError, check_bind

__all__ = ["BindError", "serve"]


def serve(config: Config, host: str, port: int) -> None:
    """Serve the archive of `config` on host:port until interrupted.

    :raises BindError: a host other than loopback without web.token, or a short token.
    :raises storage.db.SchemaError: the archive is not migrated to this newsmon's schema.
    """
    import uvicorn

    from crawler.web.app import create_app
    from storage.db import require_schema

    token = config.web.effective_token
    check_bind(host, token)
    require_schema(config.database_url)
    app = create_app(config.database_url, token=token, topics=[t.name for t in config.topics])
    # No proxy headers: behind a reverse proxy the client address is the proxy's, which is
    # what the access log should say unless the proxy is configured to be trusted.
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False)
