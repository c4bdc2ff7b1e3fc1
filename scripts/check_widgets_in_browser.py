"""Check the three explorers of helpers.widgets in a real JupyterLab, in a headless browser.

    pip install playwright          # the Python package only; it drives a Chromium you have
    python -m scripts.check_widgets_in_browser --chromium /usr/bin/chromium --screenshot widgets.png

The unit tests build the widgets in Python and press their buttons there; only
a browser shows that the front end draws them and sends changes back. This
script writes a small notebook that calls all three explorers (with synthetic
predictions for the browser), starts JupyterLab on it, runs every cell, then
moves the controls and checks that the figures follow:

- the prediction browser's readout moves on "next" and restarts on a new filter;
- choosing the kernel preset "blur" fills the nine boxes with 1/9.

It prints one line per check and exits 1 if any fails.
``tests/test_widgets_browser.py`` runs the same checks (``run_checks``) in the
test suite, with the system's Chromium at /usr/bin/chromium.
"""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import nbformat

CELLS = [
    "import numpy as np\n"
    "from helpers.widgets import gradient_descent_explorer, kernel_explorer, prediction_browser",
    "gradient_descent_explorer(learning_rate=0.8)",
    'kernel_explorer(preset="outline")',
    "rng = np.random.default_rng(0)\n"
    "images = rng.integers(0, 256, size=(40, 32, 32, 3), dtype=np.uint8)\n"
    "labels = rng.integers(0, 10, size=40)\n"
    "probabilities = rng.dirichlet(np.ones(10), size=40).astype('float32')\n"
    "prediction_browser(images, labels, probabilities, show='mistakes')",
]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_lab(folder, port, token):
    """JupyterLab on the folder, with widgets switched on; returns the process once it answers."""
    env = {key: value for key, value in os.environ.items() if key != "LESSON_STATIC_WIDGETS"}
    lab = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.token={token}", "--allow-root"],
        cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(60):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2)
            return lab
        except OSError:
            time.sleep(1)
    lab.terminate()
    raise RuntimeError("JupyterLab did not start within a minute")


def drive(chromium, url, screenshot):
    """Run the notebook in the browser, move the controls, and return [(check, passed, detail)]."""
    from playwright.sync_api import sync_playwright

    checks = []
    with sync_playwright() as playwright:
        # No background traffic of Chromium's own (updates, sync): only the local JupyterLab is reached.
        browser = playwright.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1300, "height": 2400})
        page.goto(url)
        page.wait_for_selector(".jp-Notebook", timeout=60_000)
        time.sleep(3)  # let JupyterLab finish connecting the kernel
        page.click("text=Run")
        page.click("text=Run All Cells")
        page.wait_for_selector("text=image 1 of", timeout=120_000)
        time.sleep(2)

        def readout():
            return page.locator(".widget-label", has_text="matching").first.inner_text()

        figures = page.locator(".jp-OutputArea-output img").count()
        checks.append(("each explorer shows a figure", figures == 3, f"{figures} figures"))
        first = readout()
        page.locator("button", has_text="next").first.click()
        time.sleep(2)
        checks.append(("'next' moves the prediction browser", "image 2 of" in readout(),
                       f"{first!r} -> {readout()!r}"))

        menus = page.locator(".widget-dropdown select")
        boxes = page.locator(".widget-text input")
        menus.nth(0).select_option(label="blur")
        time.sleep(2)
        values = [float(boxes.nth(i).input_value()) for i in range(9)]
        checks.append(("choosing 'blur' fills the nine boxes", all(abs(v - 1 / 9) < 1e-3 for v in values),
                       f"{values}"))

        menus.nth(1).select_option(label="only correct ones")
        time.sleep(2)
        checks.append(("a new filter starts again at image 1", readout().startswith("image 1 of"),
                       readout()))
        if screenshot:
            page.screenshot(path=str(screenshot), full_page=True)
        browser.close()
    return checks


def run_checks(chromium, screenshot=None):
    """Write the notebook, start JupyterLab on it, drive the explorers; returns [(check, passed, detail)]."""
    with tempfile.TemporaryDirectory() as folder:
        notebook = nbformat.v4.new_notebook(
            cells=[nbformat.v4.new_code_cell(source) for source in CELLS],
            metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
        nbformat.write(notebook, Path(folder) / "explorers.ipynb")
        port, token = free_port(), "explorer-check"
        lab = start_lab(folder, port, token)
        try:
            return drive(chromium, f"http://127.0.0.1:{port}/lab/tree/explorers.ipynb?token={token}", screenshot)
        finally:
            lab.terminate()
            lab.wait(timeout=30)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default="chromium", help="the Chromium executable (default: chromium)")
    parser.add_argument("--screenshot", type=Path, help="save a screenshot of the notebook here")
    args = parser.parse_args()
    checks = run_checks(args.chromium, args.screenshot)
    for name, passed, detail in checks:
        print(f"{'ok  ' if passed else 'FAIL'} {name}: {detail}")
    return 0 if all(passed for _, passed, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
