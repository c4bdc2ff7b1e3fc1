"""The three explorers of helpers.widgets in a real JupyterLab, driven in headless Chromium.

``python -m scripts.check_widgets_in_browser`` does the work: it starts JupyterLab on a
small notebook that calls every explorer, runs it in the browser, moves the
controls and checks that the figures follow. This test runs it with the
system's Chromium and saves a screenshot to ``_build/screenshots/explorers.png``.
Skipped without Playwright or Chromium, except on CI (``CI=true``), where it fails.
"""

import importlib.util
from pathlib import Path

import pytest

import site_checks
from scripts import check_widgets_in_browser

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent


def test_the_explorers_draw_and_follow_their_controls_in_jupyterlab():
    site_checks.require_browser()
    if importlib.util.find_spec("jupyterlab") is None:
        site_checks.unavailable("JupyterLab is not installed: pip install -e '.[test]'")
    screenshots = ROOT / "_build" / "screenshots"
    screenshots.mkdir(parents=True, exist_ok=True)
    checks = check_widgets_in_browser.run_checks(str(site_checks.CHROMIUM), screenshots / "explorers.png")
    assert len(checks) == 4
    failed = [f"{name}: {detail}" for name, passed, detail in checks if not passed]
    assert failed == [], "\n".join(failed)
