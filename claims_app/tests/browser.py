"""What the browser, accessibility and markup tests need from the machine, and one rule for
when it is missing: in CI that is a failure (`.ci/run` installs all of it); on a developer's
machine the test skips and says what to install."""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Headless, as root in a container, on a closed network: without the background-networking
# flags Chromium keeps trying (and failing) to reach Google's hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NODE_MODULES = settings.BASE_DIR / "node_modules"  # `npm ci`, from package-lock.json
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def unavailable(what: str, install: str):
    """Skip for want of `what`, except in CI, where its absence is a failure."""
    message = f"{what} is not on this machine ({install})"
    if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
        pytest.fail(f"{message}: CI must have it; .ci/run installs it", pytrace=False)
    pytest.skip(f"{message}; CI runs this test")


def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        unavailable("Chromium", "apt-get install chromium")
    return CHROMIUM


KOREAN_FONT = Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf")


def korean_font() -> str:
    """Debian's Nanum font, for the PDFs with Korean text the tests write."""
    if not KOREAN_FONT.exists():
        unavailable("A Korean font", "apt-get install fonts-nanum")
    return str(KOREAN_FONT)


def axe_source() -> str:
    if not AXE.exists():
        unavailable("axe-core", "npm ci")
    return AXE.read_text()


def nu_checker() -> list[str]:
    """The command that runs the Nu Html Checker."""
    java = shutil.which("java")
    if not java:
        unavailable("Java, for the Nu Html Checker", "apt-get install default-jre-headless")
    if not VNU.exists():
        unavailable("The Nu Html Checker (npm's vnu-jar)", "npm ci")
    return [java, "-Xss4m", "-jar", str(VNU)]


def log_in(page, username: str, password: str):
    """Log in to the admin through its form, as a curator does, and land on its index."""
    from playwright.sync_api import expect

    page.goto("/admin/login/")
    page.get_by_label("Username:").fill(username)
    page.get_by_label("Password:").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="The record")).to_be_visible()
