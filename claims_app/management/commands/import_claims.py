from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from claims_app import concurrency
from claims_app.bundles import BundleError, bundle_import, bundle_read

from ._progress import TerminalProgress


class Command(BaseCommand):
    help = (
        "Import claims bundles (PRODUCT.md §5). The files are one transaction: a bad bundle is "
        "rejected whole, with every file before it, and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")

    def handle(self, *args, files, **options):
        try:
            # One transaction for all the files, run again whole if the database breaks a
            # deadlock with another writer (a curator's save) by aborting it.
            reports = concurrency.write_retried(
                lambda: [(path, self._import(path)) for path in files]
            )
        except BundleError as error:
            raise CommandError(
                f"nothing was imported; {len(error.problems)} problem(s):\n"
                + "\n".join(f"  {p}" for p in error.problems)
            ) from None
        # Said only once every file is written: until the commit, nothing was.
        for path, report in reports:
            self.stdout.write(f"{path}: {report}")
            for slug, what in report.reanchored.items():
                self.stderr.write(f"{path}: source “{slug}” has a new text: {what}")

    def _import(self, path: str):
        """One file's import; any problem names the file."""
        try:
            return bundle_import(
                bundle_read(path),
                progress=TerminalProgress(self.stderr),
                folder=Path(path).resolve().parent,  # where its sources' files are
            )
        except BundleError as error:
            named = [p if p.startswith(f"{path}: ") else f"{path}: {p}" for p in error.problems]
            raise BundleError(named) from None
        except DatabaseError as error:
            if concurrency.retryable(error):  # not the bundle's fault: the import runs again
                raise
            # What the checks did not foresee: named, with its file, rather than a traceback.
            reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
            raise BundleError([f"{path}: the database refused it ({reason})"]) from None
