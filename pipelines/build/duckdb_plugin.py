"""A dbt-duckdb plugin (models/profiles.yml): the models' DuckDB reads a landing zone in
object storage through the same pyarrow filesystem the sync writes it with.

DuckDB reads ``s3://`` itself only with its httpfs extension, which it downloads on
first use. Registered here instead, the landing zone's URL (the build setting
``landing``, pipelines/build/settings.py) is read by pyarrow's client, with the store's
usual credentials (``AWS_*``), on a machine with no extension downloads.
"""

from __future__ import annotations

from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin
from fsspec.implementations.arrow import ArrowFSWrapper

from connectors.core.folders import Folder


def register_landing(conn: Any, url: str) -> None:
    """Let ``conn`` read paths of ``url``'s scheme (the landing zone's store)."""
    folder = Folder(url)
    if folder.is_local:
        return
    scheme = url.split("://", 1)[0]
    # One registration a database: a build holds the warehouse open (pipelines/build
    # held_open), and dbt's connections come and go on the same database.
    if conn.filesystem_is_registered(scheme):
        return
    # DuckDB sends a filesystem the paths of its protocol, a class attribute in fsspec.
    wrapper = type(f"Landing_{scheme}", (ArrowFSWrapper,), {"protocol": scheme})
    conn.register_filesystem(wrapper(folder.fs))


class Plugin(BasePlugin):
    def configure_connection(self, conn: Any) -> None:
        from pipelines.build.settings import current

        landing = current().settings["landing"]
        if "://" in landing:
            register_landing(conn, landing)
