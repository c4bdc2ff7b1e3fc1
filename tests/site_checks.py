"""What the website's browser tests look at, kept apart from the tests so that they can be tried on small fakes.

- ``built_site``: the site, built once per test run for tests/test_site.py and the browser tests;
- ``serve``: a folder on a local HTTP server (127.0.0.1, a free port), in a thread;
- ``crawl``: every HTML page reachable from the index, with each internal link,
  anchor and image checked (external links are checked for form only, never fetched);
- ``launch_problems``: what is wrong with an episode page's Colab, Binder and download links;
- ``solution_probes``: snippets of a notebook's solution cells to look for on its page;
- ``open_browser``, ``watch_console``, ``check_solutions`` and ``accessibility``:
  headless Chromium through Playwright, its console errors, the solutions' toggles and axe-core.
"""

import contextlib
import functools
import http.server
import io
import json
import os
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
# Chromium's own background traffic (updates, sync, safe browsing) is switched off: the tests
# must only talk to the local server, and this machine's network refuses everything else.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DESKTOP = {"width": 1400, "height": 900}
PHONE = {"width": 390, "height": 844}


def unavailable(reason):
    """Skip a test whose tool is not installed here, but fail it on CI (CI=true), which must install everything."""
    import os

    import pytest

    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (.ci/run must install it)")
    pytest.skip(reason)


def require_browser():
    """Playwright, the axe-core package and Chromium at CHROMIUM, or a skip (a failure on CI)."""
    import importlib.util

    if importlib.util.find_spec("playwright") is None:
        unavailable("Playwright is not installed: pip install -e '.[test]'")
    if importlib.util.find_spec("axe_playwright_python") is None:
        unavailable("axe-playwright-python is not installed: pip install -e '.[test]'")
    if not CHROMIUM.exists():
        unavailable(f"no Chromium at {CHROMIUM}: apt-get install chromium")


# ---------------------------------------------------------------- the site, built once

def built_site(tmp_path_factory, build_site):
    """The folder of the site's HTML pages, built once per test run (``build_site``: scripts/build_site.py).

    tests/test_site.py and the browser tests both call this. In one process the second call
    finds the first one's pages in the session's temporary folder. pytest-xdist's workers
    share the parent of their temporary folders, which belongs to the run alone, and take
    turns there through a file lock: the first builds, the others wait for its pages. A build
    that failed is not tried again; every caller gets its error (``build_site.SiteBuildError``).
    Where there is no ``fcntl`` (Windows), each worker builds in its own folder.
    """
    try:
        import fcntl
    except ImportError:
        fcntl = None
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER") and fcntl is not None:
        root = root.parent
    folder = root / "lesson-site"
    done, failed = folder / "build-finished", folder / "build-failed.txt"
    with open(root / "lesson-site.lock", "w") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or when its process dies
        if failed.is_file():
            raise build_site.SiteBuildError(failed.read_text(encoding="utf-8"))
        if not done.is_file():
            folder.mkdir(parents=True, exist_ok=True)
            try:
                build_site.build_site(folder, quiet=True)
            except build_site.SiteBuildError as error:
                failed.write_text(str(error), encoding="utf-8")
                raise
            done.touch()
    return folder / "_build" / "html"


# ---------------------------------------------------------------- the local server

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # "format": the name http.server gives it
        pass


@contextlib.contextmanager
def serve(folder):
    """Serve ``folder`` on 127.0.0.1 at a free port; yields the base URL, ending in '/'."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# ---------------------------------------------------------------- the crawler

class _PageParser(HTMLParser):
    """The ids (and old-style ``<a name>``) of a page, and every URL it refers to."""

    REFERENCES = {("a", "href"), ("link", "href"), ("img", "src"), ("script", "src"),
                  ("source", "src"), ("iframe", "src"), ("video", "src"), ("audio", "src")}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids = set()
        self.references = []  # (tag, attribute, value)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(attributes["id"])
        if tag == "a" and attributes.get("name"):
            self.ids.add(attributes["name"])
        if tag == "meta" and (attributes.get("http-equiv") or "").lower() == "refresh":
            target = re.search(r"url\s*=\s*['\"]?([^'\"]+)", attributes.get("content") or "", re.I)
            if target:  # Jupyter Book's index.html sends the browser on to the root page this way
                self.references.append(("meta", "content", target.group(1).strip()))
        for name, value in attrs:
            if (tag, name) in self.REFERENCES and value is not None:
                self.references.append((tag, name, value.strip()))

    handle_startendtag = handle_starttag


@dataclass
class Resource:
    status: int
    content_type: str
    body: bytes


@dataclass
class Crawl:
    base: str
    pages: dict = field(default_factory=dict)  # URL of each HTML page -> its text
    ids: dict = field(default_factory=dict)  # URL of each HTML page -> the ids on it
    problems: list = field(default_factory=list)
    external: set = field(default_factory=set)  # every external URL the pages refer to (not fetched)
    references: dict = field(default_factory=dict)  # URL of each HTML page -> [(tag, attribute, value)]
    redirects: set = field(default_factory=set)  # pages that only send the browser on (<meta http-equiv=refresh>)

    def path(self, url):
        """A page's path on the site, for messages: 'episodes/01-introduction.html'."""
        return url[len(self.base):] if url.startswith(self.base) else url


_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _fetch(url):
    try:
        with _NO_PROXY.open(url, timeout=30) as response:
            return Resource(response.status, response.headers.get_content_type(), response.read())
    except urllib.error.HTTPError as error:
        return Resource(error.code, "", b"")


def _is_image(resource):
    if resource.content_type == "image/svg+xml":
        return b"<svg" in resource.body[:4096]
    from PIL import Image

    try:
        with Image.open(io.BytesIO(resource.body)) as image:
            image.verify()
        return True
    except Exception:  # any reason Pillow cannot read it means a broken image
        return False


def _external_form_problem(url):
    """Why an external URL is malformed, or None. Nothing is fetched."""
    parts = urllib.parse.urlsplit(url)
    if re.search(r"\s", url):
        return "contains white space"
    if parts.scheme == "mailto":
        return None if "@" in parts.path else "is a mailto: without an address"
    if parts.scheme not in {"http", "https"}:
        return f"has the unexpected scheme {parts.scheme!r}"
    if not parts.hostname or ("." not in parts.hostname and parts.hostname != "localhost"):
        return "has no host name"  # localhost is fine: episode 05 links to TensorBoard there
    return None


def crawl(base, start="index.html", limit=400):
    """Visit every HTML page reachable from ``start`` on the server at ``base``, checking what each refers to.

    Internal references (same host and port) must answer 200; an ``#anchor`` must be an id on
    its target page; an ``<img>`` must be an image Pillow (or, for SVG, a parser) can read.
    External URLs are only collected and checked for form: the tests never leave 127.0.0.1.
    """
    result = Crawl(base)
    host = urllib.parse.urlsplit(base).netloc
    cache = {}

    def get(url):
        if url not in cache:
            cache[url] = _fetch(url)
        return cache[url]

    def parse(url):
        if url not in result.ids:
            parser = _PageParser()
            text = get(url).body.decode("utf-8", errors="replace")
            parser.feed(text)
            result.pages[url] = text
            result.ids[url] = parser.ids
            queue.extend(target for target in _page_links(url, parser.references, host))
            result.references[url] = parser.references
            if any(tag == "meta" for tag, _, _ in parser.references):
                result.redirects.add(url)
        return result.ids[url]

    first = urllib.parse.urljoin(base, start)
    if get(first).status != 200:
        result.problems.append(f"{start}: the start page answers {get(first).status}")
        return result
    queue = [first]
    seen = set()
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        if len(seen) >= limit:
            result.problems.append(f"more than {limit} pages: the crawl stopped at {result.path(url)}")
            break
        seen.add(url)
        if get(url).status != 200 or get(url).content_type != "text/html":
            continue  # the page that links here reports a missing one
        parse(url)
        for tag, attribute, value in result.references[url]:
            problem = _reference_problem(url, tag, value, host, get, parse, result)
            if problem:
                result.problems.append(f"{result.path(url)}: <{tag} {attribute}={value!r}> {problem}")
    return result


def _page_links(url, references, host):
    """The internal pages an HTML page links to, without their anchors."""
    for tag, _, value in references:
        if tag not in {"a", "meta"}:
            continue
        target = urllib.parse.urldefrag(urllib.parse.urljoin(url, value)).url
        parts = urllib.parse.urlsplit(target)
        if parts.scheme in {"http", "https"} and parts.netloc == host and parts.path.endswith((".html", "/")):
            yield target


def _reference_problem(page, tag, value, host, get, parse, result):
    if value == "" or value.startswith("javascript:"):
        return None if tag == "a" else "is empty"
    if value.startswith("data:"):
        return None if tag != "img" or value.startswith("data:image/") else "is a data: URL that is not an image"
    target = urllib.parse.urljoin(page, value)
    parts = urllib.parse.urlsplit(target)
    if parts.netloc != host or parts.scheme not in {"http", "https"}:
        result.external.add(target)
        problem = _external_form_problem(target)
        return f"(external) {problem}" if problem else None
    address, anchor = urllib.parse.urldefrag(target)
    resource = get(address)
    if resource.status != 200:
        return f"points to a missing file ({resource.status})"
    if tag == "img" and not _is_image(resource):
        return "is not an image a browser can show"
    anchor = urllib.parse.unquote(anchor)
    if anchor and anchor != "top":
        if resource.content_type != "text/html":
            return f"has an anchor #{anchor}, but its target is not a page"
        if anchor not in parse(address):
            return f"points to #{anchor}, which is no id on {result.path(address)}"
    return None


# ---------------------------------------------------------------- launch buttons

def repository_path(url):
    """'owner/name' of a GitHub repository URL."""
    parts = urllib.parse.urlsplit(url)
    owner_name = parts.path.strip("/").removesuffix(".git")
    assert parts.netloc == "github.com" and owner_name.count("/") == 1, f"not a GitHub repository: {url}"
    return owner_name


def _links(html):
    parser = _PageParser()
    parser.feed(html)
    return [value for tag, _, value in parser.references if tag == "a"]


def launch_problems(html, page_url, stem, repository, fetch=_fetch):
    """What is wrong with an episode page's launch and download links (an empty list when nothing is).

    ``stem`` is the episode's file name without '.ipynb', ``repository`` 'owner/name'. The page
    must have a Colab and a Binder link that open ``episodes/learners/STEM.ipynb`` of that
    repository, no Colab or Binder link to any other notebook, and a link to an ``.ipynb`` file
    on the site named after the episode that is a notebook.
    """
    learner = f"episodes/learners/{stem}.ipynb"
    colab = re.compile(rf"https://colab\.research\.google\.com/github/{re.escape(repository)}/blob/[^/]+/(.+)")
    binder = re.compile(rf"https://[^/]+/v2/gh/{re.escape(repository)}/[^?/]+/?\?(.+)")
    found = {"Colab": [], "Binder": []}
    problems = []
    downloads = []
    for href in _links(html):
        if match := colab.fullmatch(href):
            found["Colab"].append(match.group(1))
        elif "colab.research.google.com/github" in href:
            problems.append(f"a Colab link to another repository: {href}")
        elif match := binder.fullmatch(href):
            query = urllib.parse.parse_qs(match.group(1))
            opened = [value.lstrip("/").removeprefix("tree/").removeprefix("lab/tree/")
                      for key in ("labpath", "urlpath", "filepath") for value in query.get(key, [])]
            found["Binder"].extend(opened or [f"(no notebook in {href})"])
        elif "mybinder.org/v2/" in href:
            problems.append(f"a Binder link to another repository: {href}")
        elif urllib.parse.urlsplit(href).path.endswith(f"/{stem}.ipynb") or href == f"{stem}.ipynb":
            downloads.append(urllib.parse.urljoin(page_url, href))
    for service, notebooks in found.items():
        if learner not in notebooks:
            problems.append(f"no {service} link opens {learner} (its links open: {notebooks or 'none'})")
        problems.extend(f"a {service} link opens {notebook}, not {learner}"
                        for notebook in sorted(set(notebooks) - {learner}))
    on_site = [url for url in downloads if urllib.parse.urlsplit(url).netloc == urllib.parse.urlsplit(page_url).netloc]
    if not on_site:
        problems.append(f"no download link to {stem}.ipynb on the site")
    for url in on_site:
        resource = fetch(url)
        try:
            json.loads(resource.body)["cells"]
        except (ValueError, KeyError, TypeError):
            problems.append(f"the download link {url} does not give a notebook (status {resource.status})")
    return problems


# ---------------------------------------------------------------- solutions

def normalise(text):
    """The words of a text, letters and digits only: markup, quotes and punctuation fall away."""
    return " ".join(re.findall(r"[A-Za-z0-9]+", text))


def _cell_text(cell):
    texts = [cell.get("source", "")]
    for output in cell.get("outputs", []):
        texts.append(output.get("text", "") if output.get("output_type") == "stream"
                     else str(output.get("data", {}).get("text/plain", "")))
    return "\n".join(texts)


def _markdown_line(line):
    """A markdown line as the page will show its words, or None if markup could change them."""
    line = re.sub(r"^(\s*>)+", "", line).strip()
    line = re.sub(r"^(#+|\d+\.|[-*+])\s+", "", line)
    line = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", line)
    line = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line)
    line = re.sub(r"<[^>]+>", "", line)
    return None if re.search(r"[$|{}\[\]\\]", line) else line


def solution_probes(notebook):
    """Snippets (normalised, see ``normalise``) that show each solution cell of a notebook on its page.

    For every cell tagged ``solution``, the longest line of its source (and of its printed output,
    for a code cell) whose words appear in no other cell of the notebook. A cell with no such
    line (the bare '#### Solution' heading) gets none. Returns [(cell index, snippet)].
    """
    others = normalise("\n".join(_cell_text(cell) for cell in notebook["cells"]
                                 if "solution" not in cell.get("metadata", {}).get("tags", [])))
    probes = []
    for index, cell in enumerate(notebook["cells"]):
        if "solution" not in cell.get("metadata", {}).get("tags", []):
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "markdown":
            texts = [[line for line in map(_markdown_line, source.splitlines()) if line]]
        else:
            printed = "".join(output.get("text", "") for output in cell.get("outputs", [])
                              if output.get("output_type") == "stream")
            texts = [source.splitlines(), printed.splitlines()]
        for lines in texts:
            candidates = [normalise(line) for line in lines]
            candidates = [words for words in candidates
                          if len(words) >= 12 and words.count(" ") >= 2 and f" {words} " not in f" {others} "]
            if candidates:
                probes.append((index, max(candidates, key=len)))
    return probes


# ---------------------------------------------------------------- the browser

@contextlib.contextmanager
def open_browser():
    """Headless system Chromium; every request that does not go to 127.0.0.1 is refused and recorded.

    Yields ``(browser, context, refused)``: ``refused`` is the list of external URLs the pages asked for.
    """
    from playwright.sync_api import sync_playwright

    refused = []

    def only_loopback(route):
        if urllib.parse.urlsplit(route.request.url).hostname in {"127.0.0.1"}:
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort("blockedbyclient")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=DESKTOP)
            context.route("**/*", only_loopback)
            yield browser, context, refused
            context.close()
        finally:
            browser.close()


def watch_console(page):
    """Start recording a page's console errors and uncaught exceptions; returns the (growing) list.

    Failed requests that the browser was told to refuse (external URLs) are left out: the
    tests run offline, so those say nothing about the site.
    """
    errors = []

    def on_console(message):
        if message.type != "error":
            return
        location = message.location.get("url", "") if message.location else ""
        if "ERR_BLOCKED_BY_CLIENT" in message.text and not location.startswith("http://127.0.0.1"):
            return
        errors.append(f"console.error: {message.text} ({location})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    return errors


_FIND_SNIPPETS = """([snippets, mark]) => {
    // An element's text as its words: text nodes run together, as a reader sees them, except at
    // the edge of a block (textContent would glue the last word of a paragraph to the next one).
    const block = new RegExp("^(P|DIV|LI|PRE|TD|TH|TR|H[1-6]|SUMMARY|DETAILS|BLOCKQUOTE|TABLE|SECTION|DT|DD|UL|OL|BR"
                             + "|FIGURE|FIGCAPTION)$");
    const raw = new Map();
    const text = (node) => {
        if (!raw.has(node)) {
            raw.set(node, Array.from(node.childNodes).map((child) =>
                child.nodeType === Node.TEXT_NODE ? child.data
                : child.nodeType !== Node.ELEMENT_NODE ? ''
                : block.test(child.tagName) ? ' ' + text(child) + ' ' : text(child)).join(''));
        }
        return raw.get(node);
    };
    const words = new Map();
    const spaced = (element) => {
        if (!words.has(element)) {
            words.set(element, ' ' + (text(element).match(/[A-Za-z0-9]+/g) || []).join(' ') + ' ');
        }
        return words.get(element);
    };
    return snippets.map((snippet, number) => {
        const has = (element) => spaced(element).includes(' ' + snippet + ' ');
        const found = [];
        const descend = (element) => {
            const inner = Array.from(element.children).filter(has);
            if (inner.length === 0) { found.push(element); } else { inner.forEach(descend); }
        };
        if (has(document.body)) { descend(document.body); }
        found.forEach((element, index) => element.setAttribute('data-probe', mark + number + '-' + index));
        return found.map((element) => element.checkVisibility({visibilityProperty: true, opacityProperty: true}));
    });
}"""

_MARK_CONTROL = """(element) => {
    for (let node = element; node && node !== document.body; node = node.parentElement) {
        if (node.tagName === 'DETAILS' && !node.open) {
            const summary = Array.from(node.children).find((child) => child.tagName === 'SUMMARY');
            if (summary) { summary.setAttribute('data-probe-control', ''); return summary.outerHTML.slice(0, 120); }
        }
        const controller = node.id && document.querySelector('[aria-controls="' + CSS.escape(node.id) + '"]');
        const before = node.previousElementSibling;
        const toggle = before && before.matches('button, [aria-expanded], .toggle-button') ? before : null;
        const control = controller || toggle;
        if (control && control.checkVisibility()) {
            control.setAttribute('data-probe-control', ''); return control.outerHTML.slice(0, 120);
        }
    }
    return null;
}"""


def check_solutions(page, probes):
    """Check that every probed solution is hidden on the loaded page and shows after a click on its toggle.

    ``probes`` comes from ``solution_probes``. Returns a list of problems (empty when all is well).
    """
    problems = []
    located = []
    found = page.evaluate(_FIND_SNIPPETS, [[snippet for _, snippet in probes], "p"])
    for index, ((cell, snippet), visible) in enumerate(zip(probes, found)):
        if not visible:
            problems.append(f"cell {cell}: the solution text {snippet!r} is not on the page")
        elif any(visible):
            problems.append(f"cell {cell}: the solution text {snippet!r} is visible before any click")
        else:
            located.append((index, cell, snippet, len(visible)))
    for index, cell, snippet, count in located:
        for match in range(count):
            element = page.locator(f'[data-probe="p{index}-{match}"]')
            if element.is_visible():
                continue  # an earlier click opened it
            page.evaluate("() => document.querySelectorAll('[data-probe-control]')"
                          ".forEach((e) => e.removeAttribute('data-probe-control'))")
            control = element.evaluate(_MARK_CONTROL)
            if control is None:
                problems.append(f"cell {cell}: no toggle found that opens the solution text {snippet!r}")
                break
            page.locator("[data-probe-control]").first.click()
            try:
                element.wait_for(state="visible", timeout=3000)
            except Exception:  # Playwright's TimeoutError; the message says what happened
                problems.append(f"cell {cell}: clicking {control!r} does not show the solution text {snippet!r}")
                break
    return problems


_AXE_SCRIPT = None

# Syntax-highlighted code takes most of the time axe-core's colour-contrast rule needs (its token
# colours come from one stylesheet, the same on every page), so the tests check it on one page only.
HIGHLIGHTED_CODE = "div.highlight"


def accessibility(page, contrast_in_code=True):
    """axe-core's violations on the loaded page: [{'id', 'impact', 'help', 'nodes': [target, ...]}].

    Every rule runs on the whole page, except that without ``contrast_in_code`` the colour-contrast
    rule leaves out the syntax-highlighted code (HIGHLIGHTED_CODE). axe.min.js comes from the
    axe-playwright-python package.
    """
    global _AXE_SCRIPT
    if _AXE_SCRIPT is None:
        from axe_playwright_python.sync_playwright import Axe

        _AXE_SCRIPT = Axe().axe_script
    page.evaluate(_AXE_SCRIPT)
    run = "([context, options]) => axe.run(context || document, options).then((results) => results.violations)"
    everything_else = {"resultTypes": ["violations"], "rules": {"color-contrast": {"enabled": False}}}
    contrast = {"resultTypes": ["violations"], "runOnly": ["color-contrast"]}
    violations = page.evaluate(run, [None, everything_else])
    violations += page.evaluate(run, [None if contrast_in_code else {"exclude": [[HIGHLIGHTED_CODE]]}, contrast])
    return [{"id": violation["id"], "impact": violation["impact"], "help": violation["help"],
             "nodes": [" ".join(map(str, node["target"])) for node in violation["nodes"]],
             "example": " ".join((violation["nodes"][0].get("failureSummary") or "").split())}
            for violation in violations]
