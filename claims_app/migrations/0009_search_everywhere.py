"""Search on both databases (search.py): on PostgreSQL a cjk_bigrams() function, and every
claim's vector made again with it; on SQLite an FTS5 index over a view of the same words, kept by
triggers."""

import django.db.models.deletion
from django.db import migrations, models

import claims_app.models


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

    operations = [
        # SQLite's FTS5 table as Django sees it, to join claims to (it makes no table).
        migrations.CreateModel(
            name="ClaimSearchIndex",
            fields=[
                (
                    "claim",
                    models.OneToOneField(
                        db_column="rowid",
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="search_index",
                        serialize=False,
                        to="claims_app.claim",
                    ),
                ),
                ("match", claims_app.models._FullTextField(db_column="claims_app_search_index")),
            ],
            options={"db_table": "claims_app_search_index", "managed": False},
        ),
        migrations.RunPython(forwards, backwards),
    ]
