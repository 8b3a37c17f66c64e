"""Storage: engine and sessions, typed models, the queries, Alembic migrations."""
