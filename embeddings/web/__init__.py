"""Articles from the web: polite fetching, pages, feeds."""
