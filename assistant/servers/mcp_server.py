"""`newsdesk mcp`: the Model Context Protocol server (the official `mcp` SDK's MCPServer),
over stdio or streamable HTTP. Tools: search, ask, get_article, index_info; each article
is a resource, `newsdesk://article/{id}`. A bad request is a tool error with its message."""
from __future__ import annotations

from typing import Annotated, Any

# the SDK at the top: without the `serve` extra, `newsdesk mcp` says so before it starts
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError
from pydantic import Field

from ..service import MAX_K, Desk, DeskError

INSTRUCTIONS = (
    "newsdesk answers from the user's own news articles with their sentences quoted verbatim. "
    "Use `ask` for a question (the answer's quotes are exact spans of the sources' bodies; "
    "found=false means the articles do not hold the answer: say so rather than guess), "
    "`search` to find articles, `get_article` to read one or check a quote's span, and "
    "`index_info` for what the index holds. Cite the sources' outlet, date and URL.")

Day = Annotated[str | None, Field(description="a date, YYYY-MM-DD")]
Outlet = Annotated[str | None, Field(description="only articles from this outlet")]


def build(desk: Desk):
    """The MCP server over `desk`."""
    from ..version import installed_version

    server = MCPServer("newsdesk", instructions=INSTRUCTIONS, version=installed_version(),
                       log_level="WARNING")

    def call(fn, *args, **kwargs):
        """A tool's call: a bad request is a tool error with its message; anything else
        unexpected is one too, named, and the server goes on."""
        try:
            return fn(*args, **kwargs)
        except DeskError as exc:
            raise ToolError(exc.message) from None
        except Exception as exc:  # noqa: BLE001 - a client never brings the server down
            raise ToolError(f"internal error ({type(exc).__name__}): {str(exc)[:200]}") from None

    @server.tool(structured_output=True, description="Search the news articles. Returns the best articles, each with "
                 "its title, outlet, publication date, URL and best passages (with their "
                 "start/end offsets in the article's body).")
    def search(query: Annotated[str, Field(description="what to look for")],
               k: Annotated[int, Field(ge=1, le=MAX_K, description="how many articles")] = 10,
               outlet: Outlet = None, since: Day = None, until: Day = None,
               as_of: Annotated[str | None, Field(
                   description="the date 'this week' or 'yesterday' is read against, "
                               "YYYY-MM-DD (default today)")] = None) -> dict[str, Any]:
        return {"results": call(desk.search, query, k=k, outlet=outlet, since=since,
                                until=until, as_of=as_of)}

    @server.tool(structured_output=True, description="Answer a question from the news articles with their own "
                 "sentences, quoted verbatim. Returns found (false when the articles do not "
                 "answer), quotes (text, start/end offsets into the source article's body, "
                 "source number) and numbered sources (title, outlet, date, URL).")
    def ask(question: Annotated[str, Field(description="the question, in plain words")],
            as_of: Annotated[str | None, Field(
                description="the date 'this week' or 'yesterday' is read against, "
                            "YYYY-MM-DD (default today)")] = None,
            outlet: Outlet = None, since: Day = None, until: Day = None) -> dict[str, Any]:
        return call(desk.ask, question, as_of=as_of, outlet=outlet, since=since, until=until)

    @server.tool(structured_output=True, description="Read a stored article by its id or URL (as search and ask "
                 "return them). With start and end, also returns body[start:end], so a quote "
                 "can be checked against its source.")
    def get_article(article: Annotated[str, Field(description="the article's id or URL")],
                    start: Annotated[int | None, Field(ge=0)] = None,
                    end: Annotated[int | None, Field(ge=0)] = None) -> dict[str, Any]:
        return call(desk.article, article, start=start, end=end)

    @server.tool(structured_output=True, description="What the index holds: how many articles and passages, the "
                 "embedding model, the range of publication dates, and the outlets.")
    def index_info() -> dict[str, Any]:
        return call(desk.info)

    @server.resource("newsdesk://article/{article_id}", mime_type="application/json",
                     description="A stored article: its title, outlet, date, URL and body.")
    def article_resource(article_id: str) -> dict[str, Any]:
        try:
            return desk.article(article_id)
        except DeskError as exc:
            raise (ResourceNotFoundError if exc.kind == "not_found" else ResourceError)(
                exc.message) from None

    return server


def run(desk: Desk, http: tuple[str, int] | None = None) -> None:
    """Serve over stdio, or over streamable HTTP at `http` (host, port)."""
    server = build(desk)
    if http is None:
        server.run("stdio")
    else:
        host, port = http
        server.run("streamable-http", host=host, port=port)
