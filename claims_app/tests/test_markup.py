"""Every kind of public page is valid HTML5, by the Nu Html Checker (npm's vnu-jar, the
checker's own release; it runs on Java)."""

import json
import subprocess
from pathlib import Path

import pytest
from django.utils.text import slugify

from . import browser
from .page_types import page_types, seed_with_every_page_type


def nu_errors(files: list[Path]) -> list[str]:
    """The checker's errors (not its warnings) for each file, one line each."""
    run = subprocess.run(
        [*browser.nu_checker(), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(run.stderr or run.stdout)
    return [
        f"{Path(m['url']).name}:{m.get('lastLine', '?')}: {m['message']} [{m.get('extract', '')!r}]"
        for m in report["messages"]
        if m["type"] == "error" or m.get("subType") == "fatal"
    ]


@pytest.mark.django_db
def test_every_public_page_kind_is_valid_html(client, tmp_path):
    seed_with_every_page_type()
    files = []
    for name, url in page_types().items():
        response = client.get(url)
        assert response["Content-Type"].startswith("text/html"), (name, url)
        path = tmp_path / f"{slugify(name)}.html"
        path.write_bytes(response.content)
        files.append(path)
    # And the checker is awake: a page with a stray end tag and an unclosed element fails.
    broken = tmp_path / "broken-on-purpose.html"
    broken.write_text("<!doctype html><html lang=en><title>t</title><p><span>x</p></div>")
    errors = nu_errors([*files, broken])
    assert any(line.startswith("broken-on-purpose.html") for line in errors), errors
    errors = [line for line in errors if not line.startswith("broken-on-purpose.html")]
    assert not errors, "\n".join(errors)
