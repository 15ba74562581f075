"""`make screenshots`: PNGs of every kind of public page (desktop and phone widths, and a few in
the dark scheme) and of the curation screens, into docs/screenshots/.

It builds a throwaway SQLite database of the seed data (plus the states the seed never shows: a
passage whose source changed, a deleted one), serves it with debug off as production would, and
photographs each page in Debian's Chromium through Playwright."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
OUT = BASE / "docs" / "screenshots"
sys.path.insert(0, str(BASE))

WORK = Path(tempfile.mkdtemp(prefix="screenshots-"))
# Only what this run makes is touched: its own database and cache, whatever the environment says.
ENV = {
    **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CACHE_", "PAGE_"))},
    "DATABASE_URL": f"sqlite:///{WORK / 'screenshots.sqlite3'}",
    "CACHE_URL": "locmem://",
    "DJANGO_SECRET_KEY": "screenshots-only-not-secret",
    "DJANGO_DEBUG": "0",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    "DJANGO_LOG_LEVEL": "WARNING",
}
os.environ.update(ENV)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils.text import slugify  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from claims_app.models import Claim, Passage, Source  # noqa: E402
from claims_app.tests import browser  # noqa: E402
from claims_app.tests.page_types import CLAIM, page_types, seed_with_every_page_type  # noqa: E402

PASSWORD = "screenshots-only"
SHOTS = WORK / "screenshots"  # moved to OUT once all are taken
DARK_TOO = {"claim", "source at a passage", "passage", "topic", "map"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(port: int) -> subprocess.Popen:
    log = WORK / "server.log"
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=BASE,
        env=ENV,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    sys.exit("the server did not start:\n" + log.read_text())


def shoot(page, url: str, name: str):
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=SHOTS / f"{name}.png")
    print(f"  {name}.png  {url}")


def _passage_after_a_paragraph_break(source):
    """A passage at a paragraph's start: the words before it end in a paragraph break. Made
    once the public pages are taken, which it would change."""
    words = "North Korean opponents have continued to focus on the subject of human rights"
    start = source.text.index(words)
    return Passage.objects.create(source=source, start=start, end=start + len(words), quote=words)


def main():
    if not Path(browser.CHROMIUM).exists():
        sys.exit(f"Chromium is not at {browser.CHROMIUM}: apt-get install chromium")
    call_command("migrate", verbosity=0)
    seed_with_every_page_type()
    get_user_model().objects.create_superuser("curator", "curator@example.org", PASSWORD)
    pages = page_types()
    source = Source.objects.get(slug="neo-2023-failed-attack")
    claim = Claim.objects.get(slug=CLAIM)
    curation = {
        "admin-index": "/admin/",
        "admin-source-select-words": f"/admin/claims_app/source/{source.pk}/change/",
        "admin-passage-line-breaks": "",  # made once the public pages are taken
        "admin-statement-form": "/admin/claims_app/statement/add/",
        "admin-statement-quote-occurs-three-times": "/admin/claims_app/statement/add/",
        "admin-claim": f"/admin/claims_app/claim/{claim.pk}/change/",
        "admin-claims": "/admin/claims_app/claim/",
    }
    SHOTS.mkdir()
    port = free_port()
    server = serve(port)
    base = f"http://127.0.0.1:{port}"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=browser.CHROMIUM, args=browser.CHROMIUM_ARGS
            )
            for width, viewport in (("desktop", browser.DESKTOP), ("phone", browser.PHONE)):
                for scheme in ("light", "dark"):
                    context = chromium.new_context(
                        base_url=base,
                        viewport=viewport,
                        color_scheme=scheme,
                        is_mobile=width == "phone",
                        has_touch=width == "phone",
                    )
                    page = context.new_page()
                    for kind, url in pages.items():
                        if scheme == "light" or kind in DARK_TOO:
                            suffix = "" if scheme == "light" else "-dark"
                            shoot(page, url, f"{slugify(kind)}-{width}{suffix}")
                    context.close()
            # Made in a thread of its own: Django refuses the ORM inside Playwright's event loop.
            with ThreadPoolExecutor(1) as thread:
                passage = thread.submit(_passage_after_a_paragraph_break, source).result()
            curation["admin-passage-line-breaks"] = (
                f"/admin/claims_app/passage/{passage.pk}/change/"
            )
            context = chromium.new_context(base_url=base, viewport=browser.DESKTOP)
            page = context.new_page()
            browser.log_in(page, "curator", PASSWORD)
            for name, url in curation.items():
                page.goto(url)
                if name == "admin-source-select-words":
                    # Words selected in the Text field, made a passage, before any save.
                    page.evaluate(
                        """() => { const text = document.getElementById('id_text');
                        const words = 'the author deems to be exceedingly low';
                        const at = Math.max(0, text.value.indexOf(words));
                        text.focus(); text.setSelectionRange(at, at + words.length);
                        document.querySelector('.make-passage-button').click();
                        text.focus(); text.blur(); text.focus();  // the selection, shown
                        text.scrollTop = 0; text.setSelectionRange(at, at + words.length);
                        const line = parseFloat(getComputedStyle(text).lineHeight);
                        text.scrollTop = Math.max(0, text.scrollHeight * at
                            / text.value.length - 4 * line); }"""
                    )
                    page.locator(".make-passage").scroll_into_view_if_needed()
                    page.screenshot(path=SHOTS / f"{name}.png")
                    print(f"  {name}.png  {url}")
                elif name == "admin-statement-quote-occurs-three-times":
                    page.evaluate(
                        """(pk) => { const s = document.getElementById('id_source');
                        s.add(new Option('source', pk, true, true)); }""",
                        source.pk,
                    )
                    page.get_by_label("Quote:").fill("human rights situation")
                    page.get_by_role("button", name="Save", exact=True).click()
                    page.locator(".occurrences").scroll_into_view_if_needed()
                    page.screenshot(path=SHOTS / f"{name}.png")
                    print(f"  {name}.png  {url}")
                else:
                    shoot(page, url, name)
            context.close()
            chromium.close()
    finally:
        server.terminate()
        server.wait()
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.png"):
        old.unlink()
    for shot in SHOTS.glob("*.png"):
        shutil.move(shot, OUT / shot.name)
    print(f"{len(list(OUT.glob('*.png')))} screenshots in {OUT.relative_to(BASE)}/")


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
