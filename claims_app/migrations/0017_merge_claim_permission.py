"""Editors may merge claims: a merge moves every statement and dispute to the claim that stays
and leaves a 301 from the other's address, so it loses nothing (issue 17)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def editors_merge(apps, schema_editor):
    app_config = apps.get_app_config("claims_app")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors = Group.objects.filter(name="Editors").first()
    if editors is not None:
        editors.permissions.add(
            *Permission.objects.filter(content_type__app_label="claims_app", codename="merge_claim")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("claims_app", "0016_claim_merged_and_text_trigram"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="claim",
            options={
                "ordering": ["-created_at"],
                "permissions": [
                    ("publish_claim", "Can publish and unpublish claims"),
                    ("merge_claim", "Can merge a claim into another"),
                ],
            },
        ),
        migrations.RunPython(editors_merge, migrations.RunPython.noop),
    ]
