"""Search on both databases (search.py): on PostgreSQL a cjk_bigrams() function, and every
claim's vector made again with it; on SQLite an FTS5 index over a view of the same words, kept by
triggers."""

from django.db import migrations


def forwards(apps, schema_editor):
    from claims_app import search

    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        schema_editor.execute(search.POSTGRES_FUNCTION)
        with connection.cursor() as cursor:
            cursor.execute(search._REFRESH_ALL)
    elif connection.vendor == "sqlite":
        search.sqlite_install(connection)


def backwards(apps, schema_editor):
    from claims_app import search

    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS cjk_bigrams(text)")
    elif connection.vendor == "sqlite":
        search.sqlite_uninstall(connection)


class Migration(migrations.Migration):
    dependencies = [
        ("claims_app", "0008_record_generation"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
