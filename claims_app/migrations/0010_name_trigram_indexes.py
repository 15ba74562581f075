"""Trigram indexes for the sources' and actors' search boxes (`icontains`: UPPER(x) LIKE
'%WORDS%'), PostgreSQL only: without them every search reads every title and every name (63 ms
at 100,000 claims). pg_trgm is a trusted extension: the database's owner may create it. SQLite
has no such index; its tables at the same size are read in a few milliseconds."""

from django.db import migrations

POSTGRES_INDEXES = {
    "source_title_trgm": "CREATE INDEX source_title_trgm ON claims_app_source "
    "USING gin (UPPER(title::text) gin_trgm_ops)",
    "actor_name_trgm": "CREATE INDEX actor_name_trgm ON claims_app_actor "
    "USING gin (UPPER(name::text) gin_trgm_ops)",
    "alias_name_trgm": "CREATE INDEX alias_name_trgm ON claims_app_alias "
    "USING gin (UPPER(name::text) gin_trgm_ops)",
}


def postgres_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for sql in POSTGRES_INDEXES.values():
            schema_editor.execute(sql)


def postgres_indexes_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in POSTGRES_INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("claims_app", "0009_search_everywhere")]

    operations = [migrations.RunPython(postgres_indexes, postgres_indexes_drop)]
