"""A source's original file (issue 18): kept through Django's storage API (a local directory, or
an S3-compatible object store), and served at the source's address: a PDF shown in the browser
at a page, a saved web page only as a download."""

import socket

import pytest
from django.core.files.base import ContentFile
from django.test import override_settings

from .factories import ClaimFactory, PassageFactory, SourceFactory, StatementFactory

PDF = b"%PDF-1.4\n% not a real document: the server only stores and serves it\n%%EOF\n"
HTML = b"<!doctype html><title>Saved</title><script>alert(1)</script><p>words</p>"

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def _public_source(**fields):
    source = SourceFactory(**fields)
    StatementFactory(claim=ClaimFactory(), passage=PassageFactory(source=source))
    source.refresh_from_db()
    return source


def test_a_pdf_original_is_shown_inline_as_a_pdf(client):
    source = _public_source()
    source.original.save("original.pdf", ContentFile(PDF))
    assert source.original_url(page=3) == f"/sources/{source.slug}/original.pdf#page=3"
    response = client.get(f"/sources/{source.slug}/original.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{source.slug}.pdf"'
    assert b"".join(response.streaming_content) == PDF
    # Only as what it is: no HTML at the PDF's address, and no page-cached copy of a file.
    assert client.get(f"/sources/{source.slug}/original.html").status_code == 404
    assert client.head(f"/sources/{source.slug}/original.pdf").status_code == 200
    assert client.post(f"/sources/{source.slug}/original.pdf").status_code == 405


def test_a_saved_web_page_is_only_a_download_whose_scripts_never_run_here(client):
    source = _public_source()
    source.original.save("original.html", ContentFile(HTML))
    response = client.get(f"/sources/{source.slug}/original.html")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{source.slug}.html"'
    assert response["Content-Security-Policy"] == "sandbox"
    assert source.original_url(page=3) == f"/sources/{source.slug}/original.html"


def test_no_original_a_missing_file_or_a_draft_is_a_404(client, media_root):
    without = _public_source()
    assert without.original_url() is None
    assert client.get(f"/sources/{without.slug}/original.pdf").status_code == 404
    missing = _public_source()
    missing.original.save("original.pdf", ContentFile(PDF))
    (media_root / missing.original.name).unlink()
    assert client.get(f"/sources/{missing.slug}/original.pdf").status_code == 404
    draft = SourceFactory()  # no published claim cites it
    draft.original.save("original.pdf", ContentFile(PDF))
    assert client.get(f"/sources/{draft.slug}/original.pdf").status_code == 404


def test_each_version_is_a_file_of_its_own(media_root):
    source = SourceFactory()
    source.original.save("original.pdf", ContentFile(PDF))
    first = source.original.name
    source.original.save("original.pdf", ContentFile(PDF + b"% corrected\n"))
    assert source.original.name != first
    assert (media_root / first).read_bytes() == PDF  # the history's version is still there


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def object_store(monkeypatch):
    """An S3-compatible object store on this machine (moto's server mode), with a bucket."""
    import boto3
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    for name, value in {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    s3 = boto3.client("s3", endpoint_url=endpoint)
    s3.create_bucket(Bucket="originals")
    yield endpoint, s3
    server.stop()


def test_originals_can_live_in_an_s3_compatible_object_store(client, object_store, monkeypatch):
    from project import settings as project_settings

    endpoint, s3 = object_store
    monkeypatch.setenv("S3_ENDPOINT_URL", endpoint)
    storage = project_settings._media_storage("s3://originals")
    with override_settings(STORAGES={"default": storage, "staticfiles": _staticfiles()}):
        source = _public_source()
        source.original.save("original.pdf", ContentFile(PDF))
        [stored] = s3.list_objects_v2(Bucket="originals")["Contents"]
        assert stored["Key"] == source.original.name and stored["Size"] == len(PDF)
        response = client.get(f"/sources/{source.slug}/original.pdf")
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF


def test_an_unknown_storage_address_is_refused_by_name():
    from django.core.exceptions import ImproperlyConfigured

    from project import settings as project_settings

    with pytest.raises(ImproperlyConfigured, match="s3://<bucket>"):
        project_settings._media_storage("ftp://files")


def _staticfiles() -> dict:
    from django.conf import settings

    return settings.STORAGES["staticfiles"]
