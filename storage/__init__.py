"""SQLModel tables, engine/session setup, Alembic migrations and queries. Knows no feature."""
