"""Serving the sandbox: a threaded Werkzeug server in a background thread."""

from __future__ import annotations

import logging
import threading
from types import TracebackType
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from tripletex.sandbox.app import SandboxApp


class QuietRequestHandler(WSGIRequestHandler):
    """No access log: tests and benchmarks would drown in it."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass

    def log(self, type: str, message: str, *args: Any) -> None:
        if type == "error":
            logging.getLogger("tripletex.sandbox.server").debug(message, *args)


class SandboxServer:
    """`with SandboxServer(app) as server: server.base_url` -> "http://127.0.0.1:<port>/v2"."""

    def __init__(
        self, app: SandboxApp, *, host: str = "127.0.0.1", port: int = 0, quiet: bool = True
    ) -> None:
        self.app = app
        self._server: BaseWSGIServer = make_server(
            host, port, app, threaded=True, request_handler=QuietRequestHandler if quiet else None
        )
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_port

    @property
    def root_url(self) -> str:
        return f"http://{self._server.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/v2"

    def start(self) -> SandboxServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="tripletex-sandbox", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()
