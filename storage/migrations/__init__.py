"""Alembic migrations of the schema; storage/migrate.py runs them."""
