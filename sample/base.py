"""The shared machinery of the fake APIs: routing, request log, faults, serving."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response


@dataclass
class Fault:
    """A failure to serve instead of (or before) the real answer.

    ``kind`` is one of the kinds the API knows (see ``FakeAPI.fault_response``);
    ``path`` limits it to requests whose path contains that text, and a ``body`` param
    to requests whose body does (one GraphQL query among others); ``times`` is how many
    requests it hits before it is used up.
    """

    kind: str
    path: str = ""
    times: int = 1
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class LoggedRequest:
    method: str
    path: str
    query: str
    status: int
    headers: dict[str, str]
    #: A POST's body (GraphQL queries, form posts), as text.
    body: str = ""


class FakeAPI:
    """Base class of a fake API: a WSGI app with a request log and fault injection.

    Subclasses list their routes in :meth:`rules` (endpoint names map to ``on_<name>``
    methods) and may add fault kinds in :meth:`fault_response`. Two control routes are
    always there, so a fault can be injected into a server running in another process:
    ``POST /_fake/faults`` (a JSON Fault) and ``GET /_fake/requests``.
    """

    name = "fake"

    def __init__(self) -> None:
        self.url_map = Map(
            [
                Rule("/_fake/faults", endpoint="_faults", methods=["POST"]),
                Rule("/_fake/requests", endpoint="_requests", methods=["GET"]),
                *self.rules(),
            ],
            strict_slashes=False,
        )
        self.log: list[LoggedRequest] = []
        self.faults: list[Fault] = []
        self._lock = threading.Lock()

    # -- for subclasses ---------------------------------------------------------------
    def rules(self) -> list[Rule]:
        return []

    def fault_response(self, fault: Fault, request: Request) -> Response | None:
        """The response for a fault; None means "go on and answer normally"."""
        if fault.kind == "slow":
            time.sleep(float(fault.params.get("seconds", 2)))
            return None
        if fault.kind == "server_error":
            status = int(fault.params.get("status", 502))
            return Response(
                "<html><body>Bad gateway</body></html>", status=status, content_type="text/html"
            )
        if fault.kind == "malformed":
            return Response('{"truncated": [', status=200, content_type="application/json")
        raise ValueError(f"{self.name} fake API: unknown fault kind {fault.kind!r}")

    def extra_headers(self, request: Request, response: Response) -> None:
        """Headers every response carries (rate-limit headers, for instance)."""

    # -- test helpers -----------------------------------------------------------------
    def inject(self, kind: str, *, path: str = "", times: int = 1, **params: Any) -> None:
        """Make the next ``times`` matching requests fail with ``kind``."""
        with self._lock:
            self.faults.append(Fault(kind, path, times, params))

    def requests_to(self, path_part: str = "") -> list[LoggedRequest]:
        """Logged requests whose path contains ``path_part`` (control routes excluded)."""
        return [r for r in self.log if path_part in r.path and not r.path.startswith("/_fake")]

    def reset_log(self) -> None:
        with self._lock:
            self.log.clear()

    # -- WSGI -------------------------------------------------------------------------
    def _take_fault(self, request: Request) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                body = fault.params.get("body")
                if body and body not in request.get_data(as_text=True):
                    continue
                if fault.path in request.path and fault.times > 0:
                    fault.times -= 1
                    if fault.times == 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def dispatch(self, request: Request) -> Response:
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, values = adapter.match()
            if endpoint.startswith("_"):
                return getattr(self, f"control{endpoint}")(request)
            fault = self._take_fault(request)
            if fault is not None and fault.kind == "broken_item":
                return self._break_item(fault, getattr(self, f"on_{endpoint}")(request, **values))
            if fault is not None:
                response = self.fault_response(fault, request)
                if response is not None:
                    return response
            return getattr(self, f"on_{endpoint}")(request, **values)
        except NotFound:
            return self.json({"message": "Not Found"}, status=404)
        except HTTPException as error:
            return error.get_response()

    @staticmethod
    def _break_item(fault: Fault, response: Response) -> Response:
        """The normal answer with one item unreadable: ``drop`` (a dotted path) removed
        from the item at ``index`` of the list (the body itself, or under the dotted
        ``key``)."""
        payload = json.loads(response.get_data(as_text=True))
        items = payload
        for part in fault.params.get("key", "").split(".") if fault.params.get("key") else []:
            items = items[part]
        if items:
            item = items[int(fault.params.get("index", 0))]
            *path, field = fault.params["drop"].split(".")
            for part in path:
                item = item[part]
            item.pop(field, None)
        response.set_data(json.dumps(payload))
        response.headers.pop("ETag", None)
        return response

    def __call__(self, environ: dict, start_response: Any) -> Any:
        request = Request(environ)
        # Read (and keep) the body first: parsing a form would consume it.
        body = request.get_data(cache=True, as_text=True) if request.method == "POST" else ""
        response = self.dispatch(request)
        if not request.path.startswith("/_fake"):
            self.extra_headers(request, response)
            with self._lock:
                self.log.append(
                    LoggedRequest(
                        request.method,
                        request.path,
                        request.query_string.decode(),
                        response.status_code,
                        dict(request.headers),
                        body,
                    )
                )
        return response(environ, start_response)

    # -- control routes ---------------------------------------------------------------
    def control_faults(self, request: Request) -> Response:
        spec = request.get_json(force=True)
        self.inject(spec.pop("kind"), path=spec.pop("path", ""), times=spec.pop("times", 1), **spec)
        return self.json({"ok": True})

    def control_requests(self, request: Request) -> Response:
        return self.json({"count": len(self.requests_to())})

    @staticmethod
    def json(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        return Response(
            json.dumps(payload),
            status=status,
            headers=headers,
            content_type="application/json; charset=utf-8",
        )


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: object, **kwargs: object) -> None:
        pass  # the request log lives on the FakeAPI


class FakeServer:
    """Serves a FakeAPI on 127.0.0.1 in a background thread (port 0 picks a free one)."""

    def __init__(self, api: FakeAPI, port: int = 0, host: str = "127.0.0.1") -> None:
        self.api = api
        self._server = make_server(host, port, api, threaded=True, request_handler=_QuietHandler)
        # Polled every 50 ms for a stop (werkzeug's default, 0.5 s, made stopping the
        # demo's seven servers one after the other take seconds).
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
            name=f"fake-{api.name}",
        )

    @property
    def url(self) -> str:
        return f"http://{self._server.host}:{self._server.port}"

    def start(self) -> FakeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass(frozen=True)
class DemoSource:
    """How the demo serves and configures one source: each ``sample/<source>.py``
    declares one as ``DEMO``, so the demo (pipelines/cli/demo.py) needs no list of sources.

    ``api`` builds the fake API from the sample community (None for a source that is
    files, like the events); ``settings`` is the source's section of the demo's
    acacia.yml, given the fake's URL; ``secrets`` maps its ``*_env`` keys to the demo's
    variables (their values are written to the demo's .env); ``prepare`` writes what a
    file-based source reads into the demo folder; ``land``, given the community and the
    demo's acacia.yml once written, lands what the team would have typed in the
    dashboard (the check-ins at an event's door)."""

    settings: Any
    port: int = 0
    api: Any = None
    secrets: dict[str, str] = field(default_factory=dict)
    prepare: Any = None
    land: Any = None
