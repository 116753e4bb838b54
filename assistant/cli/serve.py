"""`newsdesk mcp` and `newsdesk serve`: newsdesk for other programs (an MCP server; an HTTP
JSON API). Thin: `assistant.service.Desk` does the work, `assistant.servers` speaks the
protocols."""
from __future__ import annotations

import argparse
import sys

from assistant.servers import DEFAULT_HOST, LOOPBACK

from .common import EXIT_OK, EXIT_USAGE, add_index_option, fail

DEFAULT_PORT = 8765
EXTRA = "pip install 'newsdesk[serve]' (make test installs it)"


def port_number(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}") from None
    if not 0 < number < 65536:
        raise argparse.ArgumentTypeError(f"no such port: {number}")
    return number


def host_port(value: str) -> tuple[str, int]:
    """HOST:PORT, or PORT alone (on 127.0.0.1)."""
    host, _, port = value.rpartition(":")
    return (host.strip("[]") or DEFAULT_HOST), port_number(port)


def add_parsers(sub) -> None:
    p = sub.add_parser("mcp", help="run the MCP server (stdio; --http for streamable HTTP), "
                       "for editors, chat clients and agents")
    add_index_option(p)
    p.add_argument("--http", type=host_port, metavar="[HOST:]PORT",
                   help=f"serve streamable HTTP at HOST:PORT (HOST defaults to {DEFAULT_HOST}) "
                   f"instead of stdio; the endpoint is /mcp")
    p = sub.add_parser("serve", help="run the HTTP JSON API (/search, /ask, /articles/ID, "
                       "/health; OpenAPI at /docs)")
    add_index_option(p)
    p.add_argument("--host", default=DEFAULT_HOST,
                   help=f"the address to listen on (default {DEFAULT_HOST}: this machine only)")
    p.add_argument("--port", type=port_number, default=DEFAULT_PORT,
                   help=f"the port (default {DEFAULT_PORT})")


def _local(host: str) -> None:
    if host not in LOOPBACK:
        print(f"newsdesk: note: listening on {host}: other machines may reach the articles",
              file=sys.stderr)


def _desk(settings):
    from assistant.service import Desk

    return Desk(settings).open()  # the index opens once, warm; missing: said per request


def cmd_mcp(args, settings) -> int:
    try:
        from assistant.servers import mcp_server
    except ImportError as exc:
        fail(f"the MCP server needs the mcp SDK ({exc.name} is missing): {EXTRA}", EXIT_USAGE)
    desk = _desk(settings)
    try:
        if args.http:
            _local(args.http[0])
        mcp_server.run(desk, http=args.http)
    except KeyboardInterrupt:
        pass
    finally:
        desk.close()
    return EXIT_OK


def cmd_serve(args, settings) -> int:
    try:
        from assistant.servers import http_api
    except ImportError as exc:
        fail(f"the HTTP API needs FastAPI and uvicorn ({exc.name} is missing): {EXTRA}",
             EXIT_USAGE)
    desk = _desk(settings)
    _local(args.host)
    print(f"newsdesk: serving http://{args.host}:{args.port} (API docs at /docs; Ctrl+C stops)",
          file=sys.stderr, flush=True)
    try:
        http_api.run(desk, args.host, args.port)
    finally:
        desk.close()
    return EXIT_OK


COMMANDS = {"mcp": cmd_mcp, "serve": cmd_serve}
