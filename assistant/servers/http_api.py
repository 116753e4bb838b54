"""`newsdesk serve`: a small HTTP JSON API (FastAPI, with its OpenAPI page at /docs and
/openapi.json) over `Desk`: GET /search, /ask, /articles/{id}, /health. A bad request is
a JSON `{"error", "kind"}` with 400 (bad input), 404 (no such article) or 503 (no index:
the message says how to build one)."""
# no `from __future__ import annotations`: FastAPI reads the parameters' annotations at run time

from typing import Annotated

# the frameworks at the top: without the `serve` extra, `newsdesk serve` says so first
import uvicorn
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from ..service import MAX_K, Desk, DeskError
from ..version import installed_version
from . import DEFAULT_HOST, LOOPBACK

STATUS = {"bad_input": 400, "not_found": 404, "unavailable": 503}


def build(desk: Desk, host: str = DEFAULT_HOST):
    """The ASGI app over `desk`. Bound to this machine, it answers only requests addressed
    to this machine (a web page that rebinds its own name to 127.0.0.1 is refused)."""
    app = FastAPI(title="newsdesk", version=installed_version(),
                  description="Answers from your news articles, in their own words: quotes "
                  "with offsets into their sources' bodies, and the sources' outlet, date and "
                  "URL.")

    if host in LOOPBACK:
        from starlette.middleware.trustedhost import TrustedHostMiddleware

        app.add_middleware(TrustedHostMiddleware,
                           allowed_hosts=["127.0.0.1", "localhost", "[::1]", "::1"])

    @app.exception_handler(DeskError)
    async def said(request: Request, exc: DeskError) -> JSONResponse:
        return JSONResponse(exc.to_dict(), status_code=STATUS.get(exc.kind, 400))

    @app.exception_handler(RequestValidationError)
    async def malformed(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'request'}: "
                             f"{e.get('msg', 'invalid')}" for e in exc.errors())
        return JSONResponse({"error": problems[:500], "kind": "bad_input"}, status_code=400)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"error": f"internal error ({type(exc).__name__})",
                             "kind": "internal"}, status_code=500)

    Day = Annotated[str | None, Query(description="a date, YYYY-MM-DD")]
    Outlet = Annotated[str | None, Query(description="only articles from this outlet")]
    AsOf = Annotated[str | None, Query(description="the date 'this week' is read against "
                                                   "(default today)")]
    # the endpoints are plain functions: FastAPI runs them on its thread pool, and the desk
    # serialises them

    @app.get("/search", summary="The best articles for a query, with their best passages")
    def search(q: Annotated[str, Query(description="what to look for")],
               k: Annotated[int, Query(ge=1, le=MAX_K)] = 10, outlet: Outlet = None,
               since: Day = None, until: Day = None, as_of: AsOf = None,
               all_copies: bool = False) -> list[dict]:
        return desk.search(q, k=k, outlet=outlet, since=since, until=until, as_of=as_of,
                           all_copies=all_copies)

    @app.get("/ask", summary="An answer quoted from the articles (found: false when they "
             "do not hold it)")
    def ask(q: Annotated[str, Query(description="the question")], as_of: AsOf = None,
            outlet: Outlet = None, since: Day = None, until: Day = None,
            all_copies: bool = False) -> dict:
        return desk.ask(q, as_of=as_of, outlet=outlet, since=since, until=until,
                        all_copies=all_copies)

    @app.get("/articles/{article_id:path}", summary="A stored article, by id or URL; with "
             "start and end, also body[start:end]")
    def article(article_id: str, start: Annotated[int | None, Query(ge=0)] = None,
                end: Annotated[int | None, Query(ge=0)] = None) -> dict:
        return desk.article(article_id, start=start, end=end)

    @app.get("/info", summary="What the index holds: articles, passages, model, dates, "
             "outlets")
    def info() -> dict:
        return desk.info()

    @app.get("/health", summary="ok and the number of articles, or 503 and how to build "
             "the index")
    def health() -> dict:
        return desk.health()

    return app


def run(desk: Desk, host: str, port: int) -> None:
    uvicorn.run(build(desk, host), host=host, port=port, log_level="warning")
