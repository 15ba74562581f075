"""`make run`'s set-up: the seed data into an empty database, and a local admin login."""

import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from claims_app.bundles import BundleError, bundle_import, bundle_read
from claims_app.models import Actor, Claim, Source

SEED = settings.BASE_DIR / "fixtures" / "seed.json"


class Command(BaseCommand):
    help = "Load the seed data into an empty database and create (or reset) the local admin login."

    def handle(self, *args, **options):
        if Claim.objects.exists() or Source.objects.exists() or Actor.objects.exists():
            self.stdout.write("The database already holds data: the seed is not loaded again.")
        else:
            try:
                report = bundle_import(bundle_read(SEED))
            except BundleError as error:
                raise CommandError(f"the seed data does not import:\n{error}") from None
            self.stdout.write(f"Loaded the seed data: {report}.")

        password = os.environ.get("LOCAL_ADMIN_PASSWORD")
        if not password:
            self.stdout.write("No LOCAL_ADMIN_PASSWORD in the environment: no local admin made.")
            return
        user, _ = get_user_model().objects.get_or_create(username="admin")
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        self.stdout.write(
            self.style.SUCCESS(
                f"Admin login: http://127.0.0.1:{os.environ.get('PORT', '8000')}"
                f"/admin/  user: admin  password: {password}"
            )
        )
