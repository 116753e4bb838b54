"""newsdesk for other programs: an MCP server (`mcp_server`) and an HTTP JSON API
(`http_api`), both thin over `assistant.service.Desk`. Their frameworks are the `serve`
extra: nothing here is imported unless a server is started."""
