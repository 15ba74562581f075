from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from claims_app.bundles import BundleError, bundle_import, bundle_read

from ._progress import TerminalProgress


class Command(BaseCommand):
    help = (
        "Import claims bundles (PRODUCT.md §5). A bad bundle is rejected whole: nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")

    def handle(self, *args, files, **options):
        try:
            with transaction.atomic():
                for path in files:
                    try:
                        report = bundle_import(
                            bundle_read(path), progress=TerminalProgress(self.stderr)
                        )
                    except BundleError as error:
                        raise BundleError([f"{path}: {p}" for p in error.problems]) from None
                    self.stdout.write(f"{path}: {report}")
                    for slug, what in report.reanchored.items():
                        self.stderr.write(f"{path}: source “{slug}” has a new text: {what}")
        except BundleError as error:
            raise CommandError(
                f"nothing was imported; {len(error.problems)} problem(s):\n"
                + "\n".join(f"  {p}" for p in error.problems)
            ) from None
