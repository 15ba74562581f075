import time

from django.db import migrations, models


def first_row(apps, schema_editor):
    # bulk_create: no signals (a save would ask caching.py to bump this very row).
    model = apps.get_model("claims_app", "RecordGeneration")
    model.objects.bulk_create([model(id=1, value=time.time_ns() // 1000)])


class Migration(migrations.Migration):
    dependencies = [("claims_app", "0007_passage_is_public")]

    operations = [
        migrations.CreateModel(
            name="RecordGeneration",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("value", models.BigIntegerField()),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("id", 1)), name="record_generation_one_row")
                ],
            },
        ),
        migrations.RunPython(first_row, migrations.RunPython.noop),
    ]
