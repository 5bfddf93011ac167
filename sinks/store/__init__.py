"""PostgreSQL access shared by the sink and the tools: connections, schema, migrations,
market names and the reading functions (``odds_at``, best prices)."""
