from pathlib import Path

from django.core.management.base import BaseCommand

from claims_app.bundles import bundle_dumps, bundle_export

from ._progress import TerminalProgress


class Command(BaseCommand):
    help = "Write the whole record as one claims bundle (PRODUCT.md §5), to stdout or --output."

    def add_arguments(self, parser):
        parser.add_argument("--output", metavar="FILE", help="write here instead of stdout")

    def handle(self, *args, output=None, **options):
        # With --output, each source's original file (a PDF, a saved web page) is copied
        # beside the bundle and named in its `file`: a restore brings it back.
        text = bundle_dumps(
            bundle_export(
                progress=TerminalProgress(self.stderr),
                left_out=self.stderr.write,
                files_to=Path(output).resolve().parent if output else None,
            )
        )
        if output:
            Path(output).write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="")
