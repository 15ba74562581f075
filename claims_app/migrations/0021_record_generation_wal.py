"""The record generation keeps the primary's WAL position of its latest change (read replicas)."""

from django.db import migrations, models


def wal_now(apps, schema_editor):
    """A database migrated now has its position already: replicas past it may serve at once,
    not only after the first write."""
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "UPDATE claims_app_recordgeneration "
        "SET wal = (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint"
    )


class Migration(migrations.Migration):
    dependencies = [("claims_app", "0020_transcript_turns")]

    operations = [
        migrations.AddField(
            model_name="recordgeneration",
            name="wal",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(wal_now, migrations.RunPython.noop),
    ]
