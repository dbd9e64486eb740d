"""Alembic, driven from code so that `hotline db upgrade` needs no alembic.ini in the working folder."""

from pathlib import Path

from alembic import command
from alembic.config import Config

from hotline.settings import get_settings

MIGRATIONS = Path(__file__).parent / "migrations"


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
