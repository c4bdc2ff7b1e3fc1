"""The lesson's website in a real browser: every page, link, launch button, solution toggle, and axe-core.

The site is built once per test run into a temporary folder (with
``python -m scripts.build_site``; ``site_checks.built_site`` shares the build with
tests/test_site.py), or taken from the folder ``LESSON_SITE_DIR`` names
(a site built before, for speed while working on these tests). It is served on
127.0.0.1 and driven with the system's Chromium through Playwright; the browser
is refused every request that leaves 127.0.0.1.

Screenshots of every page, at 1400×900 and on a 390×844 phone, and a summary of
what each page showed (``report.json``) go to ``_build/screenshots/``; each run
replaces the last one's.

Without Chromium, Playwright, the axe-core package or Jupyter Book these tests
are skipped, except on CI (``CI=true``), where they fail.
"""

import importlib.util
import json
import os
import tomllib
from pathlib import Path

import nbformat
import pytest

import site_checks
from scripts import build_site
from site_checks import DESKTOP, PHONE

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
EPISODES = sorted((ROOT / "episodes").glob("[0-9][0-9]-*.ipynb"))
SCREENSHOTS = ROOT / "_build" / "screenshots"


def report(problems):
    """Fail with one line per problem (and without pytest's diff of two lists)."""
    if problems:
        pytest.fail(f"{len(problems)} problem(s):\n" + "\n".join(problems), pytrace=False)


def repository():
    """'owner/name' of the repository that pyproject.toml names, where the launch buttons must point."""
    url = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Repository"]
    return site_checks.repository_path(url)


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="session")
def site_folder(tmp_path_factory):
    """The built site: LESSON_SITE_DIR if set, else this run's build by python -m scripts.build_site."""
    given = os.environ.get("LESSON_SITE_DIR", "").strip()
    if given:
        folder = Path(given).expanduser().resolve()
        assert (folder / "index.html").is_file(), f"LESSON_SITE_DIR={given} holds no index.html"
        return folder
    if importlib.util.find_spec("jupyter_book") is None:
        site_checks.unavailable("Jupyter Book is not installed: pip install -e '.[site]'")
    try:
        return site_checks.built_site(tmp_path_factory, build_site)  # shared with tests/test_site.py
    except build_site.SiteBuildError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def site(site_folder):
    """The base URL of the site on a local server, for the whole session."""
    with site_checks.serve(site_folder) as base:
        yield base


@pytest.fixture(scope="session")
def crawled(site):
    return site_checks.crawl(site)


@pytest.fixture(scope="module")
def browser_context():
    """(context, refused external URLs): one headless Chromium and one context for every test here.

    Module-scoped: Playwright's sync API runs an event loop while it is open, and must be
    closed before another test file (tests/test_widgets_browser.py) starts its own.
    """
    site_checks.require_browser()
    with site_checks.open_browser() as (_, context, refused):
        yield context, refused


@pytest.fixture(scope="session")
def episode_pages(crawled):
    """{episode notebook: URL of its page}; every episode must have exactly one page."""
    pages = {}
    for notebook in EPISODES:
        found = [url for url in crawled.pages
                 if url.endswith(f"/{notebook.stem}.html") and "/learners/" not in url]
        assert len(found) == 1, f"{notebook.name}: expected one page on the site, found {found}"
        pages[notebook] = found[0]
    return pages


@pytest.fixture(scope="module")
def visits(browser_context, crawled, episode_pages):
    """Open every page once: its console errors, axe-core's violations, screenshots, and the solutions' toggles.

    Returns {page path: {"console": [...], "axe": [...], "solutions": [...]}} and writes it,
    with the screenshots, to _build/screenshots/.
    """
    context, refused = browser_context
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in [*SCREENSHOTS.glob("*-desktop.png"), *SCREENSHOTS.glob("*-phone.png")]:
        old.unlink()  # the last run's pages; tests/test_widgets_browser.py keeps its own file here
    probes = {url: site_checks.solution_probes(nbformat.read(notebook, as_version=4))
              for notebook, url in episode_pages.items()}
    page = context.new_page()
    errors = site_checks.watch_console(page)
    results = {}
    first_episode = min(episode_pages.values())
    for url in crawled.pages:
        if url in crawled.redirects:
            continue  # the browser lands on the page it sends it to, which is visited in its turn
        path = crawled.path(url)
        errors.clear()
        page.set_viewport_size(DESKTOP)
        page.goto(url, wait_until="networkidle")
        name = path.removesuffix(".html").replace("/", "__") or "index"
        page.screenshot(path=SCREENSHOTS / f"{name}-desktop.png", animations="disabled")
        page.set_viewport_size(PHONE)
        page.screenshot(path=SCREENSHOTS / f"{name}-phone.png", animations="disabled")
        page.set_viewport_size(DESKTOP)
        record = {"solutions": site_checks.check_solutions(page, probes[url]) if url in probes else [],
                  "solution_probes": len(probes.get(url, []))}
        # axe-core skips what is hidden: open every fold (hints, solutions), so that it checks them too.
        page.evaluate("() => document.querySelectorAll('details').forEach((fold) => { fold.open = true; })")
        before_axe = len(errors)
        # Colour contrast in highlighted code is checked on the first episode and the short pages.
        record["axe"] = site_checks.accessibility(page, url == first_episode or url not in probes)
        del errors[before_axe:]  # axe-core's own requests (it fetches @import-ed stylesheets) are no page's error
        record["console"] = list(errors)
        results[path] = record
    page.close()
    report = {"pages": results, "refused_external_requests": sorted(set(refused))}
    (SCREENSHOTS / "report.json").write_text(json.dumps(report, indent=1))
    return results


# ---------------------------------------------------------------- the site

def test_every_episode_has_a_page_and_the_crawl_reaches_the_other_pages(crawled, episode_pages):
    paths = {crawled.path(url) for url in crawled.pages}
    assert "index.html" in paths
    assert len(paths) >= len(EPISODES) + 3, f"only {len(paths)} pages reached from the index: {sorted(paths)}"
    for wanted in ("setup", "glossary"):
        assert any(wanted in path for path in paths), f"no {wanted} page reached from the index: {sorted(paths)}"


def test_no_broken_internal_link_anchor_or_image(crawled):
    report(crawled.problems)


def test_every_episode_page_launches_its_own_learner_notebook_and_offers_it_for_download(crawled, episode_pages):
    owner_name = repository()
    problems = [f"{crawled.path(url)}: {problem}"
                for notebook, url in episode_pages.items()
                for problem in site_checks.launch_problems(crawled.pages[url], url, notebook.stem, owner_name)]
    report(problems)


def test_no_page_logs_a_console_error(visits):
    problems = [f"{path}: {error}" for path, record in visits.items() for error in record["console"]]
    report(problems)


def test_solutions_are_folded_until_clicked(visits, episode_pages, crawled):
    for notebook, url in episode_pages.items():
        assert visits[crawled.path(url)]["solution_probes"] > 0, f"{notebook.name}: no solution text to look for"
    problems = [f"{path}: {problem}" for path, record in visits.items() for problem in record["solutions"]]
    report(problems)


def test_axe_finds_no_serious_or_critical_accessibility_violation(visits):
    problems = [f"{path}: {violation['impact']} {violation['id']} ({violation['help']}) on "
                f"{len(violation['nodes'])} elements, such as {violation['nodes'][0]}: {violation['example']}"
                for path, record in visits.items() for violation in record["axe"]
                if violation["impact"] in {"serious", "critical"}]
    report(problems)


def test_screenshots_of_every_page_at_both_sizes(visits, crawled):
    assert len(visits) == len(crawled.pages) - len(crawled.redirects)
    for path in visits:
        name = path.removesuffix(".html").replace("/", "__") or "index"
        for size in ("desktop", "phone"):
            assert (SCREENSHOTS / f"{name}-{size}.png").stat().st_size > 1000


# ---------------------------------------------------------------- the checks themselves, on small fakes

FAKE_PAGE = """<!DOCTYPE html><html lang="en"><head><title>{title}</title></head>
<body><main><h1 id="top-heading">{title}</h1>{body}</main></body></html>"""


def write_page(folder, name, body, title="A page"):
    (folder / name).parent.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(FAKE_PAGE.format(title=title, body=body))


def test_the_crawler_finds_a_missing_page_a_missing_anchor_and_a_broken_image(tmp_path):
    from PIL import Image

    Image.new("RGB", (4, 4)).save(tmp_path / "good.png")
    (tmp_path / "not-an-image.png").write_text("hello")
    write_page(tmp_path, "index.html",
               '<a href="other.html#here">fine</a> <a href="other.html#nowhere">bad anchor</a>'
               '<a href="missing.html">missing</a> <a href="#top-heading">fine</a>'
               '<a href="https://example.org/page">external</a> <a href="https://exa mple.org">bad form</a>'
               '<img src="good.png" alt="a"><img src="gone.png" alt="b"><img src="not-an-image.png" alt="c">')
    write_page(tmp_path, "other.html", '<p id="here">x</p><a href="deeper/third.html">on</a>')
    write_page(tmp_path, "deeper/third.html", '<a href="../index.html#no-such-id">back</a>')
    with site_checks.serve(tmp_path) as base:
        found = site_checks.crawl(base)
    assert sorted(found.path(url) for url in found.pages) == ["deeper/third.html", "index.html", "other.html"]
    assert len(found.problems) == 6, "\n".join(found.problems)
    for expected in ["'other.html#nowhere'> points to #nowhere", "'missing.html'> points to a missing file (404)",
                     "'gone.png'> points to a missing file", "'not-an-image.png'> is not an image",
                     "'https://exa mple.org'> (external) contains white space",
                     "deeper/third.html: <a href='../index.html#no-such-id'> points to #no-such-id"]:
        assert any(expected in problem for problem in found.problems), (expected, found.problems)
    assert found.external == {"https://example.org/page", "https://exa mple.org"}


def test_launch_problems_names_a_wrong_or_missing_button():
    good = ('<a href="https://colab.research.google.com/github/me/lesson/blob/main/episodes/learners/01-x.ipynb">c</a>'
            '<a href="https://mybinder.org/v2/gh/me/lesson/main?labpath=episodes%2Flearners%2F01-x.ipynb">b</a>'
            '<a href="../_sources/episodes/01-x.ipynb">download</a>')

    def fetch(url):
        return site_checks.Resource(200, "application/json", b'{"cells": []}')

    page = "http://127.0.0.1:1/episodes/01-x.html"
    assert site_checks.launch_problems(good, page, "01-x", "me/lesson", fetch) == []
    instructor = good + '<a href="https://colab.research.google.com/github/me/lesson/blob/main/episodes/01-x.ipynb">c</a>'
    assert site_checks.launch_problems(instructor, page, "01-x", "me/lesson", fetch) == [
        "a Colab link opens episodes/01-x.ipynb, not episodes/learners/01-x.ipynb"]
    problems = site_checks.launch_problems(good, page, "02-y", "me/lesson", fetch)
    assert len(problems) == 5 and "no download link to 02-y.ipynb on the site" in problems
    assert len(site_checks.launch_problems(good, page, "01-x", "someone/else", fetch)) == 4


def test_solution_probes_pick_text_that_only_the_solutions_hold():
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("> ### Challenge: shapes\n> What is the shape of the images?"),
        nbformat.v4.new_code_cell("print(train_images.shape)\nanswer = ___"),
        nbformat.v4.new_markdown_cell("> #### Solution", metadata={"tags": ["solution"]}),
        nbformat.v4.new_code_cell("print(train_images.shape)\nanswer = train_images.shape[1:]",
                                  metadata={"tags": ["solution"]}),
        nbformat.v4.new_markdown_cell("> The images are **32×32** pixels with [three](x.md) channels.\n> $x^2$",
                                      metadata={"tags": ["solution"]}),
    ])
    assert site_checks.solution_probes(notebook) == [
        (3, "answer train images shape 1"), (4, "The images are 32 32 pixels with three channels")]


@pytest.fixture
def fake_page(browser_context, tmp_path):
    """Serve tmp_path and hand out (page, base URL, console errors) in the session's browser."""
    context, _ = browser_context
    with site_checks.serve(tmp_path) as base:
        page = context.new_page()
        errors = site_checks.watch_console(page)
        yield page, base, errors
        page.close()


def test_the_console_check_catches_an_error_and_an_uncaught_exception(fake_page, tmp_path):
    page, base, errors = fake_page
    write_page(tmp_path, "index.html", '<script>console.error("broken on purpose");'
                                       'throw new Error("thrown on purpose");</script>'
                                       '<img src="https://example.org/external.png" alt="refused, not an error">')
    page.goto(base + "index.html", wait_until="networkidle")
    assert len(errors) == 2, errors
    assert "broken on purpose" in errors[0] and "thrown on purpose" in errors[1]


def test_the_solution_check_fails_for_a_visible_solution_and_passes_for_a_folded_one(fake_page, tmp_path):
    page, base, _ = fake_page
    probes = [(1, "The answer is forty two"), (2, "x equals seven")]
    write_page(tmp_path, "folded.html", "<details><summary>Solution</summary><p>The answer is forty-two.</p>"
                                        "<pre>x <b>equals</b> seven</pre></details>")
    page.goto(base + "folded.html")
    assert site_checks.check_solutions(page, probes) == []
    assert page.locator("details").evaluate("(element) => element.open")
    write_page(tmp_path, "open.html", "<p>The answer is forty-two.</p>"
                                      "<div hidden><pre>x equals seven</pre></div>")
    page.goto(base + "open.html")
    assert site_checks.check_solutions(page, probes) == [
        "cell 1: the solution text 'The answer is forty two' is visible before any click",
        "cell 2: no toggle found that opens the solution text 'x equals seven'"]


def test_axe_reports_an_image_without_alt_text_as_critical(fake_page, tmp_path):
    from PIL import Image

    page, base, _ = fake_page
    Image.new("RGB", (4, 4)).save(tmp_path / "dot.png")
    write_page(tmp_path, "index.html", '<img src="dot.png">')
    page.goto(base + "index.html")
    violations = {violation["id"]: violation for violation in site_checks.accessibility(page)}
    assert violations["image-alt"]["impact"] == "critical"
    assert violations["image-alt"]["nodes"] == ["img"]


def test_a_missing_tool_skips_here_but_fails_on_ci(monkeypatch):
    monkeypatch.setattr(site_checks, "CHROMIUM", Path("/nowhere/chromium"))
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match="no Chromium at /nowhere/chromium"):
        site_checks.require_browser()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"no Chromium at .*\.ci/run must install it"):
        site_checks.require_browser()
