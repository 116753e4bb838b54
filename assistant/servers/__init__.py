"""newsdesk for other programs: an MCP server (`mcp_server`) and an HTTP JSON API
(`http_api`), both thin over `assistant.service.Desk`. Their frameworks are the `serve`
extra: nothing here is imported unless a server is started."""

DEFAULT_HOST = "127.0.0.1"
LOOPBACK = ("127.0.0.1", "localhost", "::1")  # the names of this machine alone
