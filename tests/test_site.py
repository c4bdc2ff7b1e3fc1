"""The lesson's website (Jupyter Book 1): its table of contents, settings, generated pages and extension.

``python -m scripts.build_site`` builds it; ``site/_ext/lesson_site.py`` folds
the solutions, anchors the glossary's terms and points the launch buttons at
the learner notebooks. The tests of the extension's logic run it on small
inputs; the last tests build the whole site once, into a temporary folder
(shared with the browser tests, see ``site_checks.built_site``).
Both need the ``site`` extra (``pip install -e ".[site]"``): without it they
are skipped, except on CI (``CI=true``), where they fail.
"""

import importlib.util
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
import yaml

import site_checks  # tests/site_checks.py: the site is built once for it and these tests
from helpers.durations import in_short
from helpers.timings import load_timings
from scripts import build_notebooks, build_site, timing_pages
from scripts.repository import BRANCH, binder_url, colab_url, pages_url, repository_url

ROOT = Path(__file__).resolve().parent.parent

EPISODES = sorted((ROOT / "episodes").glob("[0-9][0-9]-*.ipynb"))
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
GLOSSARY = (ROOT / "site" / "glossary.md").read_text(encoding="utf-8")
GLOSSARY_LINK = re.compile(r"\{ref\}`Episode (\d\d) <(\d\d)-([a-z0-9-]+)>`")


def require_site_packages():
    """Skip when the site extra is not installed; on CI, fail instead."""
    if importlib.util.find_spec("jupyter_book") is not None:
        return
    advice = 'jupyter-book is not installed: pip install -e ".[site]"'
    if os.environ.get("CI") == "true":
        pytest.fail(f"{advice} (CI must test the website)")
    pytest.skip(advice)


@pytest.fixture(scope="module")
def lesson_site():
    """The site's Sphinx extension, site/_ext/lesson_site.py, as a module (site/_ext is no package)."""
    require_site_packages()
    spec = importlib.util.spec_from_file_location("lesson_site", ROOT / "site" / "_ext" / "lesson_site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def toc_files():
    return [chapter["file"] for part in TOC["parts"] for chapter in part["chapters"]]


# --- table of contents and settings --------------------------------------------------------

def test_the_toc_lists_every_episode_in_order_and_every_page():
    files = toc_files()
    assert [file for file in files if file.startswith("episodes/")] == [
        f"episodes/{path.stem}" for path in EPISODES]
    pages = {f"{path.parent.name}/{path.stem}" for path in (ROOT / "docs").glob("*.md")}
    pages |= {f"site/{path.stem}" for path in (ROOT / "site").glob("*.md")} - {TOC["root"]}
    assert pages <= set(files), f"pages missing from _toc.yml: {sorted(pages - set(files))}"
    assert TOC["root"] == "site/index"
    assert len(files) == len(set(files))


def test_every_toc_entry_names_a_file():
    for name in [TOC["root"]] + toc_files():
        assert any((ROOT / f"{name}{suffix}").is_file() for suffix in (".md", ".ipynb")), name


def test_the_build_renders_stored_outputs_and_never_runs_a_notebook():
    assert CONFIG["execute"]["execute_notebooks"] == "off"
    assert CONFIG["only_build_toc_files"] is True


def test_the_site_config_names_the_repository_of_pyproject():
    repository = repository_url()
    assert CONFIG["repository"] == {"url": repository, "branch": BRANCH}


def test_the_repository_block_is_rewritten_from_the_url():
    text = "title: x\n# begin: repository\nrepository:\n  url: https://github.com/old/name\n# end: repository\n"
    assert build_notebooks.site_config(text, "https://github.com/new/lesson") == (
        "title: x\n# begin: repository\nrepository:\n  url: https://github.com/new/lesson\n"
        f"  branch: {BRANCH}\n# end: repository\n")
    with pytest.raises(ValueError, match="begin: repository"):
        build_notebooks.site_config("title: x\n", "https://github.com/new/lesson")


def test_the_readme_links_to_the_published_site():
    assert pages_url("https://github.com/Some-Owner/lesson") == "https://some-owner.github.io/lesson/"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert pages_url(repository_url()) in readme


def test_the_readme_names_the_build_command_and_the_workflow_runs_it():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "python -m scripts.build_site" in readme
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "pages.yml").read_text(encoding="utf-8"))
    steps = workflow["jobs"]["build"]["steps"]
    assert {"run": "python -m scripts.build_site", "name": "Build the site"} in steps
    assert any(step.get("uses", "").startswith("actions/upload-pages-artifact") for step in steps)
    assert workflow["jobs"]["deploy"]["steps"][0]["uses"].startswith("actions/deploy-pages")


def test_the_home_page_shows_the_episode_table_rendered_for_the_site():
    notebooks = {path: nbformat.read(path, as_version=4) for path in EPISODES}
    results = load_timings()
    expected = timing_pages.render_spans(
        timing_pages.readme_episode_table(results, notebooks, root="../"), results, in_short)
    home = (ROOT / "site" / "index.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- begin: episode-table -->\n(.*?)\n<!-- end: episode-table -->", home, re.S)
    assert block is not None, "site/index.md lacks its episode-table block"
    assert block[1] == expected, "run `python -m scripts.build_notebooks`"
    assert "](../episodes/01-introduction.ipynb)" in expected and "](../docs/timings.md)" in expected


def test_a_missing_jupyter_book_is_explained(monkeypatch):
    monkeypatch.setattr(build_site.shutil, "which", lambda *args, **kwargs: None)
    with pytest.raises(build_site.SiteBuildError, match=r'pip install -e "\.\[site\]"'):
        build_site.build_command()


# --- the extension's logic, on small inputs ------------------------------------------------

def small_notebook():
    cells = [
        nbformat.v4.new_markdown_cell("[![Open in Colab](badge)](link)", metadata={"tags": ["launch-badges"]}),
        nbformat.v4.new_code_cell("import sys", metadata={"tags": ["colab-setup"]}),
        nbformat.v4.new_markdown_cell("# 1. Title\n\n![A neuron.](attachment:neuron.png)"),
        nbformat.v4.new_markdown_cell("> #### Hint\n> Look at `padding`.", metadata={"tags": ["hint"]}),
        nbformat.v4.new_markdown_cell("> #### Solution", metadata={"tags": ["solution"]}),
        nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["solution"]}),
        nbformat.v4.new_markdown_cell("> It uses ```` fences.", metadata={"tags": ["solution"]}),
    ]
    return nbformat.v4.new_notebook(cells=cells)


def test_a_page_drops_the_launch_cells_and_wraps_hints_and_solutions(lesson_site):
    notebook = small_notebook()
    page = lesson_site.page_notebook(notebook)
    assert [cell.metadata["tags"] for cell in page.cells[:2]] == [["launch-badges", "remove-cell"],
                                                                  ["colab-setup", "remove-cell"]]
    assert page.cells[2].source == "# 1. Title\n\n![A neuron.](figures/neuron.png)"
    assert page.cells[3].source == "```{container} tag-hint\nLook at `padding`.\n```"
    assert page.cells[4].source == "x = 1", "the empty '#### Solution' cell is dropped"
    assert page.cells[5].source == "`````{container} tag-solution\nIt uses ```` fences.\n`````"
    assert len(page.cells) == 6
    assert notebook.cells[3].source.startswith("> #### Hint"), "the notebook itself is left alone"


def test_a_diagram_that_was_never_drawn_stops_the_build(lesson_site):
    from sphinx.errors import ExtensionError

    with pytest.raises(ExtensionError, match="python -m scripts.draw_diagrams"):
        lesson_site.with_figure_files("![x](attachment:no_such_diagram.png)")


def cell(kind, text):
    from docutils import nodes

    return nodes.container("", nodes.paragraph(text=text), classes=["cell", kind] if kind else ["cell"])


def test_consecutive_solution_cells_fold_into_one_details_element(lesson_site):
    from docutils import nodes

    section = nodes.section("", cell(None, "question"), cell("tag-hint", "hint"), cell("tag-solution", "words"),
                            cell("tag_solution", "code"), cell("tag_exercise-check", "check"),
                            cell("tag_solution", "another"))
    lesson_site.fold_tagged_cells(section)
    kinds = [(type(child).__name__, child.get("kind")) for child in section.children]
    assert kinds == [("container", None), ("fold", "hint"), ("fold", "solution"), ("container", None),
                     ("fold", "solution")]
    assert [child.astext() for child in section.children[2].children] == ["words", "code"]
    assert section.children[2]["summary"] == "Solution"


def test_bold_terms_get_anchors_and_labels_outside_folds(lesson_site):
    from docutils import nodes

    class Domain:
        labels, anonlabels = {}, {}

    paragraph = nodes.paragraph("", "", nodes.strong(text="Kernel"), nodes.strong(text="kernel"))
    folded = lesson_site.fold("", nodes.paragraph("", "", nodes.strong(text="Answer")), kind="solution",
                              summary="Solution")
    document = nodes.section("", paragraph, folded)
    lesson_site.anchor_terms(document, "episodes/03-build-cnn", Domain)
    assert [strong["ids"] for strong in document.findall(nodes.strong)] == [["def-kernel"], [], []]
    assert Domain.anonlabels == {"03-kernel": ("episodes/03-build-cnn", "def-kernel")}


def test_the_launch_buttons_open_the_learner_notebook(lesson_site):
    repository = "https://github.com/owner/lesson"
    urls = lesson_site.learner_launch_urls(repository, "episodes/03-build-cnn")
    assert urls == {
        "Colab": "https://colab.research.google.com/github/owner/lesson/blob/main/episodes/learners/03-build-cnn.ipynb",
        "Binder": "https://mybinder.org/v2/gh/owner/lesson/main?labpath=episodes%2Flearners%2F03-build-cnn.ipynb",
    }
    buttons = [{"text": "Binder", "url": "old"}, {"text": "Colab", "url": "old"}]
    lesson_site.point_launch_buttons_at_learner(buttons, urls, "episodes/03-build-cnn")
    assert [(button["url"], button["label"]) for button in buttons] == [
        (urls["Binder"], "launch-learner-binder"), (urls["Colab"], "launch-learner-colab")]


def test_a_missing_launch_button_stops_the_build(lesson_site):
    from sphinx.errors import ExtensionError

    urls = {"Colab": "c", "Binder": "b"}
    with pytest.raises(ExtensionError, match="Binder"):
        lesson_site.point_launch_buttons_at_learner([{"text": "Colab"}], urls, "episodes/01-introduction")


def test_each_script_of_a_page_is_written_once(lesson_site):
    from sphinx.builders.html._assets import _JavaScript

    thebe = _JavaScript(None, priority=500, body="const THEBE_JS_URL = 1")
    scripts = [_JavaScript("doctools.js", priority=200), thebe, "plain.js",
               _JavaScript("", priority=500, body="const THEBE_JS_URL = 1"),
               _JavaScript("", priority=500, body="const other = 2"), "plain.js"]
    assert lesson_site.unique_scripts(scripts) == [scripts[0], thebe, "plain.js", scripts[4]]


def bold_term_labels(lesson_site):
    """Every label the extension gives a bold term of an episode's narrative (not hints or solutions)."""
    labels = set()
    for path in EPISODES:
        for cell in nbformat.read(path, as_version=4).cells:
            tags = set(cell.metadata.get("tags", []))
            if cell.cell_type == "markdown" and not tags & {"hint", "solution"}:
                labels |= {lesson_site.term_label(path.name[:2], term)
                           for term in re.findall(r"\*\*([^*\n]+)\*\*", cell.source)}
    return labels


def test_every_glossary_entry_links_to_a_bold_term_of_its_episode(lesson_site):
    links = GLOSSARY_LINK.findall(GLOSSARY)
    assert len(links) == GLOSSARY.count("{ref}`"), "every link has the form {ref}`Episode NN <NN-term>`"
    assert len(links) >= 60
    missing = [f"{number}-{term}" for shown, number, term in links
               if shown != number or f"{number}-{term}" not in bold_term_labels(lesson_site)]
    assert not missing, f"glossary links to no bold term: {missing}"


# --- the built site ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The whole site, with warnings as errors: built once per test run, for the browser tests too."""
    require_site_packages()
    return site_checks.built_site(tmp_path_factory, build_site)


class PageParser(HTMLParser):
    """What the tests look at in a page: ids, images, links, and solution cells outside a fold."""

    VOID = {"img", "br", "meta", "link", "input", "hr", "source", "area", "base", "col", "embed", "wbr"}

    def __init__(self):
        super().__init__()
        self.open, self.ids, self.images, self.links, self.unfolded = [], set(), [], [], 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.ids.add(attributes.get("id"))
        if tag == "img":
            self.images.append(attributes)
        if tag == "a":
            self.links.append(attributes)
        if re.search(r"\btag[-_](solution|hint)\b", attributes.get("class") or "") and "details" not in self.open:
            self.unfolded += 1
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        if tag in self.open:
            del self.open[len(self.open) - 1 - self.open[::-1].index(tag):]


def parse(path):
    parser = PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.mark.slow
def test_the_site_opens_on_the_home_page(site):
    assert "site/index.html" in (site / "index.html").read_text(encoding="utf-8")
    home = parse(site / "site" / "index.html")
    assert {f"../episodes/{path.stem}.html" for path in EPISODES} <= {link.get("href") for link in home.links}


@pytest.mark.slow
@pytest.mark.parametrize("path", EPISODES, ids=lambda path: path.stem)
def test_an_episode_page_folds_solutions_and_launches_the_learner_notebook(site, path):
    html = site / "episodes" / f"{path.stem}.html"
    page = parse(html)
    text = html.read_text(encoding="utf-8")
    challenges = len(json.loads((ROOT / "helpers" / "exercises" / "answer_key.json").read_text())[path.name[:2]])
    assert text.count('<details class="lesson-fold lesson-solution"') == challenges
    assert page.unfolded == 0, "a hint or solution cell outside a <details> element"
    assert "colab-badge.svg" not in text and "google.colab" not in text, "the launch cells must not show"
    repository = repository_url()
    learner = f"episodes/learners/{path.name}"
    hrefs = {link.get("href") for link in page.links}
    assert {colab_url(repository, learner), binder_url(repository, learner)} <= hrefs
    assert f"learners/{path.name}" in hrefs
    assert (site / learner).read_bytes() == (ROOT / learner).read_bytes()
    assert page.images and all(image.get("alt", "").strip() for image in page.images), "an image without alt text"


@pytest.mark.slow
def test_no_page_declares_an_inline_script_twice_and_the_colour_mode_is_set(site):
    for path in [site / "site" / "index.html", *(site / "episodes").glob("[0-9][0-9]-*.html")]:
        text = path.read_text(encoding="utf-8")
        head = text[:text.index("</head>")]
        inline = re.findall(r"<script>(.*?)</script>", head, re.S)
        assert len(inline) == len(set(inline)), f"{path.name}: an inline script written twice"
        assert 'localStorage.getItem("mode") || "auto"' in head, f"{path.name}: no default colour mode"


@pytest.mark.slow
def test_every_glossary_link_reaches_its_term(site):
    glossary = parse(site / "site" / "glossary.html")
    targets = [link["href"] for link in glossary.links if "#def-" in link.get("href", "")]
    assert len(targets) == len(GLOSSARY_LINK.findall(GLOSSARY))
    for target in targets:
        page, anchor = target.split("#")
        assert anchor in parse((site / "site" / page).resolve()).ids, target


@pytest.mark.slow
def test_the_docs_links_to_notebooks_reach_the_episode_pages(site):
    for page in ("timings", "instructor-notes"):
        for link in parse(site / "docs" / f"{page}.html").links:
            href = link.get("href", "")
            if href.startswith("../") and not href.startswith("../_"):
                assert (site / "docs" / href.split("#")[0]).resolve().is_file(), f"{page}: {href}"
