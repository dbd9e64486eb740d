"""Alembic, driven from code so that `hotline db upgrade` needs no alembic.ini in the working folder."""

from pathlib import Path

from alembic import command
from alembic.config import Config

from hotline.settings import get_settings

MIGRATIONS = Path(__file__).parent / "migrations"

# Kept by their migration, not by the models: the desk search's SQLite FTS5 table (with the shadow tables FTS5 makes)
# and its PostgreSQL expression index. Autogenerate must neither drop them nor report them as drift.
MIGRATION_ONLY = ("ticket_fts", "ix_ticket_search_grams")


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Alembic's filter: everything the models describe, and in the database all but `MIGRATION_ONLY`."""
    return not (reflected and compare_to is None and (name or "").startswith(MIGRATION_ONLY))


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", (url or get_settings().sqlalchemy_url).replace("%", "%%"))
    return config


def upgrade(revision: str = "heads", url: str | None = None) -> None:
    """Each domain may add its migrations on its own branch; "heads" applies all of them."""
    command.upgrade(alembic_config(url), revision)


def autogenerate(message: str, url: str | None = None, head: str = "head") -> str:
    script = command.revision(alembic_config(url), message=message, autogenerate=True, head=head)
    return f"wrote {script.path}" if script else "no changes"
