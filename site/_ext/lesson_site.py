"""The lesson's own Sphinx extension: what turns its notebooks into the website's episode pages.

``_config.yml`` loads it (``sphinx: local_extensions``). At build time, and
without changing a notebook on disk, it

- sets the site's canonical address to the GitHub Pages address of the
  repository that ``_config.yml`` names (``python -m scripts.build_notebooks``
  writes it there from ``pyproject.toml``);
- shows the diagrams that markdown cells carry as attachments from
  ``episodes/figures/``, where they are drawn (MyST-NB shows no attachments);
- drops the launch-badge and Colab-setup cells from the pages (MyST-NB's
  ``remove-cell`` tag): the page has launch buttons of its own;
- folds every hint and solution: the consecutive cells tagged ``hint`` or
  ``solution`` (markdown and code alike) become one ``<details>`` element,
  closed until a reader clicks its ``<summary>``;
- gives the first bold term of each kind in an episode an anchor,
  ``<strong id="def-SLUG">``, and a label ``NN-SLUG`` (``03-neuron``) that the
  glossary links to with ``{ref}``; a label that names no term fails the
  build (``-n``);
- points the launch buttons of an episode at its *learner* notebook,
  ``episodes/learners/NN-name.ipynb``, on Colab and Binder, and offers that
  notebook for download beside the instructor's, copying it into the site;
- writes each inline script of a page's head once (see ``unique_scripts``).

The notebooks' tags and the repository's addresses come from the modules
that the maintainers' commands share, ``scripts.notebook_conventions`` and
``scripts.repository``: ``python -m scripts.build_site`` runs the build with
the repository root on ``PYTHONPATH``, so that the package ``scripts`` is found.
"""

import copy
import re
import shutil
from pathlib import Path

import nbformat
from docutils import nodes
from sphinx.errors import ExtensionError

from scripts.notebook_conventions import (
    BADGES_TAG,
    FIGURE_REFERENCE,
    FIGURES,
    HINT_TAG,
    SETUP_TAG,
    SOLUTION_TAG,
    without_quote,
)
from scripts.repository import binder_url, colab_url, pages_url

ROOT = Path(__file__).resolve().parents[2]
EPISODE_DOC = re.compile(r"^episodes/(\d\d)-[\w-]+$")
REMOVED_TAGS = (BADGES_TAG, SETUP_TAG)
FOLDED = {HINT_TAG: "Hint", SOLUTION_TAG: "Solution"}
# The class MyST-NB gives a code cell with a tag, "tag_solution"; a markdown cell gets
# "tag-solution" here (docutils turns the underscore of a class name into a hyphen).
CODE_CELL_CLASS = "tag_{}"
MARKDOWN_CELL_CLASS = "tag-{}"


def episode_number(docname):
    """'03' for the page 'episodes/03-build-cnn', None for a page that is no episode."""
    match = EPISODE_DOC.match(docname)
    return match[1] if match else None


# --- the notebook, before MyST-NB reads it -----------------------------------------------

def fenced(markdown, css_class):
    """Markdown wrapped in a ``container`` directive with this class, fenced by more backticks than it holds."""
    longest = max((len(run) for run in re.findall(r"`+", markdown)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{{container}} {css_class}\n{markdown}\n{fence}"


def with_figure_files(markdown):
    """Markdown whose diagrams come from ``episodes/figures/`` instead of the cell's attachments.

    MyST-NB shows no ``attachment:`` image. ``python -m scripts.build_notebooks``
    embeds each diagram from ``episodes/figures/NAME.png``, so the page shows
    that file, with the same alt text.
    """
    def figure(match):
        name = match[1]
        if not (FIGURES / f"{name}.png").is_file():
            raise ExtensionError(f"a notebook shows attachment:{name}.png, but episodes/figures/{name}.png is "
                                 "missing: run python -m scripts.draw_diagrams")
        return match[0].replace(f"(attachment:{name}.png)", f"(figures/{name}.png)")

    return FIGURE_REFERENCE.sub(figure, markdown)


def page_cell(cell):
    """The cell as the web page shows it (changed in place), or None for a folded cell left empty."""
    tags = cell.metadata.setdefault("tags", [])
    if any(tag in tags for tag in REMOVED_TAGS):
        tags.append("remove-cell")
    if cell.cell_type != "markdown":
        return cell
    cell.source = with_figure_files(cell.source)
    folded = next((tag for tag in FOLDED if tag in tags), None)
    if folded:
        text = without_quote(cell.source, FOLDED[folded])
        if not text:
            return None
        cell.source = fenced(text, MARKDOWN_CELL_CLASS.format(folded))
    return cell


def page_notebook(notebook):
    """A copy of an episode notebook as its web page shows it.

    The launch cells get MyST-NB's ``remove-cell`` tag. A hint or solution
    markdown cell loses its block quote and its ``#### Hint`` or ``#### Solution``
    line (the fold's summary says it), and is wrapped in a container with the
    class ``tag-hint`` or ``tag-solution``, so that ``fold_tagged_cells`` finds
    it as it finds the code cells; one left empty is dropped.
    """
    notebook = copy.deepcopy(notebook)
    notebook.cells = [cell for cell in map(page_cell, notebook.cells) if cell is not None]
    return notebook


def on_source_read(app, docname, source):
    """Hand MyST-NB the page version of an episode notebook (the file on disk stays as it is)."""
    if episode_number(docname) is None or not str(app.env.doc2path(docname)).endswith(".ipynb"):
        return
    source[0] = nbformat.writes(page_notebook(nbformat.reads(source[0], as_version=4)))


# --- the document tree: folds and term anchors --------------------------------------------

class fold(nodes.General, nodes.Element):
    """A ``<details>`` element: its children stay hidden until the reader opens it."""


def visit_fold_html(translator, node):
    translator.body.append(translator.starttag(node, "details", CLASS=f"lesson-fold lesson-{node['kind']}"))
    translator.body.append(f'<summary class="lesson-fold-summary">{node["summary"]}</summary>\n')


def depart_fold_html(translator, node):
    translator.body.append("</details>\n")


def folded_kind(node):
    """'hint' or 'solution' when the node is a cell with that tag, else None."""
    if not isinstance(node, nodes.Element):
        return None
    classes = node.get("classes", [])
    return next((tag for tag in FOLDED
                 if CODE_CELL_CLASS.format(tag) in classes or MARKDOWN_CELL_CLASS.format(tag) in classes), None)


def fold_tagged_cells(parent):
    """Wrap each run of consecutive hint cells, and of solution cells, under ``parent`` in one ``fold``."""
    children, run, run_kind = [], [], None
    for child in list(parent.children) + [None]:
        kind = folded_kind(child) if child is not None else None
        if run and kind != run_kind:
            children.append(fold("", *run, kind=run_kind, summary=FOLDED[run_kind]))
            run = []
        if kind:
            run.append(child)
            run_kind = kind
        elif child is not None:
            if isinstance(child, nodes.Element):
                fold_tagged_cells(child)
            children.append(child)
    parent.children = []
    parent.extend(children)


def slug(text):
    """The anchor name of a bold term: 'Activation function' -> 'activation-function'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def term_label(number, term):
    """The label the glossary links to: ('03', 'kernel') -> '03-kernel'."""
    return f"{number}-{slug(term)}"


def anchor_terms(doctree, docname, std_domain):
    """Give the first bold text of each slug an id and register it as a label (outside folds)."""
    number = episode_number(docname)
    seen = set()
    for strong in doctree.findall(nodes.strong):
        name = slug(strong.astext())
        if not name or name in seen or _inside_fold(strong):
            continue
        seen.add(name)
        node_id = f"def-{name}"
        strong["ids"].append(node_id)
        label = term_label(number, strong.astext())
        std_domain.anonlabels[label] = (docname, node_id)
        std_domain.labels[label] = (docname, node_id, strong.astext())


def _inside_fold(node):
    parent = node.parent
    while parent is not None:
        if isinstance(parent, fold):
            return True
        parent = parent.parent
    return False


def on_doctree_read(app, doctree):
    docname = app.env.docname
    if episode_number(docname) is None:
        return
    fold_tagged_cells(doctree)
    anchor_terms(doctree, docname, app.env.get_domain("std"))


# --- the HTML page: launch and download buttons -------------------------------------------

def learner_path(docname):
    """The learner notebook of an episode page, relative to the repository root."""
    return f"episodes/learners/{Path(docname).name}.ipynb"


def learner_launch_urls(repository, docname):
    """{'Colab': url, 'Binder': url}: where the launch buttons of an episode page go."""
    path = learner_path(docname)
    return {"Colab": colab_url(repository, path), "Binder": binder_url(repository, path)}


def header_group(context, label, pagename):
    """The theme's header button group with this label; an error when the theme added none."""
    for button in context.get("header_buttons", []):
        if button.get("label") == label:
            return button
    raise ExtensionError(
        f"{pagename}: sphinx-book-theme added no {label!r} to the page header; the lesson's launch and "
        "download buttons need the launch_buttons settings and the download button of _config.yml")


def point_launch_buttons_at_learner(buttons, urls, pagename):
    """Rewrite the theme's Colab and Binder buttons (dicts) to open the learner notebook."""
    found = set()
    for button in buttons:
        if button.get("text") in urls:
            button.update(url=urls[button["text"]], label=f"launch-learner-{button['text'].lower()}",
                          tooltip=f"Open the learner notebook on {button['text']}")
            found.add(button["text"])
    missing = set(urls) - found
    if missing:
        raise ExtensionError(f"{pagename}: the theme made no launch button for {', '.join(sorted(missing))}; "
                             "check launch_buttons in _config.yml")


def offer_learner_download(downloads, url):
    """Add the learner notebook to the theme's download buttons (dicts), and name the instructor's."""
    for button in downloads:
        if button.get("label") == "download-source-button":
            button.update(text="instructor .ipynb", tooltip="Download the instructor notebook, with solutions")
    downloads.insert(0, {"type": "link", "url": url, "text": "learner .ipynb", "icon": "fas fa-code",
                         "tooltip": "Download the learner notebook, without solutions",
                         "label": "download-learner-notebook"})


def script_key(script):
    """What makes two of a page's scripts the same: file (None and '' alike), priority and attributes.

    A script may also be a bare file name (a string), as themes still allow.
    """
    attributes = getattr(script, "attributes", {})
    return (getattr(script, "filename", script) or "", getattr(script, "priority", 500),
            tuple(sorted((key, str(value)) for key, value in attributes.items())))


def unique_scripts(scripts):
    """The page's scripts (Sphinx's ``_JavaScript`` objects) in their order, each only once.

    Sphinx 7.4 writes twice an inline script (``app.add_js_file(None, body=...)``) that an
    extension adds after the HTML builder started: the builder keeps it with the file name
    None, and its ``prepare_writing`` adds it again from the registry with the file name ''.
    sphinx-thebe's ``const THEBE_JS_URL = ...`` is such a script, and the browser stops at
    its second copy ("Identifier 'THEBE_JS_URL' has already been declared"); so is
    sphinx-togglebutton's ``var togglebuttonSelector = ...``.
    """
    seen, unique = set(), []
    for script in scripts:
        key = script_key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    return unique


def on_html_page_context(app, pagename, templatename, context, doctree):
    """Runs after sphinx-book-theme has added its header buttons (priority 501)."""
    scripts = context.get("script_files")
    if isinstance(scripts, list):
        scripts[:] = unique_scripts(scripts)  # in place: a later handler's app.add_js_file still lands in it
    if episode_number(pagename) is None:
        return
    urls = learner_launch_urls(app.config.html_theme_options["repository_url"], pagename)
    point_launch_buttons_at_learner(header_group(context, "launch-buttons", pagename)["buttons"], urls, pagename)
    offer_learner_download(header_group(context, "download-buttons", pagename)["buttons"],
                           context["pathto"](learner_path(pagename), 1))


def on_build_finished(app, exception):
    """Copy the learner notebooks into the site, where the download buttons point."""
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "episodes" / "learners"
    target.mkdir(parents=True, exist_ok=True)
    for docname in app.env.found_docs:
        if episode_number(docname):
            shutil.copy2(ROOT / learner_path(docname), target)


# --- configuration ------------------------------------------------------------------------

def on_config_inited(app, config):
    """Publish under the GitHub Pages address of the repository (canonical links)."""
    repository = config.html_theme_options.get("repository_url", "")
    if not repository.startswith("https://github.com/"):
        raise ExtensionError(f"_config.yml names the repository {repository!r}: run "
                             "`python -m scripts.build_notebooks`, which writes it from pyproject.toml")
    config.html_baseurl = pages_url(repository)


def setup(app):
    app.connect("config-inited", on_config_inited)
    app.connect("source-read", on_source_read)
    app.connect("doctree-read", on_doctree_read)
    app.connect("html-page-context", on_html_page_context, priority=600)
    app.connect("build-finished", on_build_finished)
    app.add_node(fold, html=(visit_fold_html, depart_fold_html))
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
