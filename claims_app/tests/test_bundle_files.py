"""A bundle's source read from a file beside it (issue 18): `"file": "report.pdf"` instead of
its text; a path that leaves the bundle's folder refused; export --output copying each original
beside the bundle, so that a restore brings it back."""

import json

import pytest
from django.core.management import CommandError, call_command

from claims_app.models import Passage, Source

from .test_bundle_export import _empty_database
from .test_bundles import _DELETE, _bundle
from .test_upload import PAGE_WORDS, _pdf

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

QUOTE = "between 80,000 and 120,000 political prisoners"


def _with_file(folder, name="coi.pdf", **changes) -> str:
    """A bundle file in `folder` whose source is read from `name`, its statement quoting page 3."""
    bundle = _bundle(
        **{
            "sources.0.text": _DELETE,
            "sources.0.file": name,
            "claims.0.statements.0.quote": QUOTE,
            "claims.0.disputes": [],
            **changes,
        }
    )
    path = folder / "bundle.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    return str(path)


def test_a_source_is_read_from_the_pdf_beside_the_bundle(tmp_path, media_root):
    pdf = _pdf(PAGE_WORDS)
    (tmp_path / "coi.pdf").write_bytes(pdf)
    call_command("import_claims", _with_file(tmp_path), stdout=open("/dev/null", "w"))
    source = Source.objects.get()
    assert source.text.split("\n") == PAGE_WORDS and source.page_count == 3
    assert Passage.objects.get().pages_display == "p. 3"
    assert (source.original_kind, (media_root / source.original.name).read_bytes()) == ("pdf", pdf)
    # Again: nothing changes, and no second copy of the file is kept.
    call_command("import_claims", _with_file(tmp_path), stdout=open("/dev/null", "w"))
    assert Source.objects.get().original.name == source.original.name
    assert len(list((media_root / "originals").iterdir())) == 1


@pytest.mark.parametrize("name", ["../outside.pdf", "/etc/hostname", "link.pdf"])
def test_a_file_outside_the_bundles_folder_is_refused_and_nothing_is_saved(tmp_path, name):
    folder = tmp_path / "bundle"
    folder.mkdir()
    (tmp_path / "outside.pdf").write_bytes(_pdf(PAGE_WORDS))
    (folder / "link.pdf").symlink_to(tmp_path / "outside.pdf")
    with pytest.raises(CommandError) as refused:
        call_command("import_claims", _with_file(folder, name=name))
    assert f"sources[0].file: “{name}” is not in the bundle's folder" in str(refused.value)
    assert Source.objects.count() == 0


def test_a_file_that_is_not_a_pdf_or_a_web_page_is_refused_naming_the_item(tmp_path):
    (tmp_path / "coi.pdf").write_bytes(b"PK\x03\x04 a zip, named .pdf")
    with pytest.raises(CommandError) as refused:
        call_command("import_claims", _with_file(tmp_path))
    assert "sources[0].file: “coi.pdf”: This file is not a PDF" in str(refused.value)
    assert Source.objects.count() == 0


def test_export_copies_each_original_beside_the_bundle_and_a_restore_brings_it_back(
    tmp_path, media_root
):
    pdf = _pdf(PAGE_WORDS)
    (tmp_path / "coi.pdf").write_bytes(pdf)
    call_command("import_claims", _with_file(tmp_path), stdout=open("/dev/null", "w"))
    backup = tmp_path / "backup"
    backup.mkdir()
    call_command("export_claims", output=str(backup / "record.json"), stderr=open("/dev/null", "w"))
    exported = json.loads((backup / "record.json").read_text())
    [item] = exported["sources"]
    assert item["pages"] == PAGE_WORDS  # the text as stored, not read again on restore
    assert item["file"] == f"{item['key']}.original.pdf"
    assert (backup / item["file"]).read_bytes() == pdf

    _empty_database()
    call_command("import_claims", str(backup / "record.json"), stdout=open("/dev/null", "w"))
    source = Source.objects.get()
    assert (media_root / source.original.name).read_bytes() == pdf
    assert Passage.objects.get().page == 3
    again = tmp_path / "again"
    again.mkdir()
    call_command("export_claims", output=str(again / "record.json"), stderr=open("/dev/null", "w"))
    assert (again / "record.json").read_text() == (backup / "record.json").read_text()


def test_a_source_is_read_from_a_saved_web_page_beside_the_bundle(tmp_path):
    article = (
        "".join(
            f"<p>Paragraph {n}: the inquiry heard testimony from survivors of the camps.</p>"
            for n in range(4)
        )
        + f"<p>It estimated {QUOTE}.</p>"
    )
    page = (
        "<!doctype html><html><head><title>Camps</title></head><body><nav>Home · World</nav>"
        f"<article><h1>Camps</h1>{article}</article><aside>Advertisement</aside></body></html>"
    )
    (tmp_path / "saved.html").write_text(page, encoding="utf-8")
    call_command(
        "import_claims", _with_file(tmp_path, name="saved.html"), stdout=open("/dev/null", "w")
    )
    source = Source.objects.get()
    assert "Paragraph 3" in source.text and "Advertisement" not in source.text
    assert (source.page_count, source.original_kind) == (0, "html")
    assert Passage.objects.get().pages_display == ""
