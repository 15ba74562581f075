from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


class ClaimsAppConfig(AppConfig):
    name = "claims_app"
    verbose_name = "Claims and disputes"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import caching

        caching.connect()
        connection_created.connect(_sqlite_functions, dispatch_uid="claims-sqlite-functions")
        post_migrate.connect(_sqlite_search_install, sender=self)


class CurationAdminConfig(admin_apps.AdminConfig):
    """Django's admin, whose site puts the record first (admin_site.CurationSite)."""

    default = False  # installed by its path; ClaimsAppConfig stays this module's app

    default_site = "claims_app.admin_site.CurationSite"


def _sqlite_functions(sender, connection, **kwargs):
    """SQLite's search view and triggers call cjk_bigrams (search.py): on every connection."""
    if connection.vendor == "sqlite":
        from .search import cjk_bigrams

        connection.connection.create_function("cjk_bigrams", 1, cjk_bigrams, deterministic=True)


def _sqlite_search_install(sender, using, **kwargs):
    """After every migrate: SQLite's search triggers are back if a migration remade a table."""
    from django.db import connections

    from .search import sqlite_install

    connection = connections[using]
    if connection.vendor == "sqlite":
        from django.db.migrations.recorder import MigrationRecorder

        applied = MigrationRecorder(connection).applied_migrations()
        if ("claims_app", "0009_search_everywhere") in applied:
            sqlite_install(connection)
