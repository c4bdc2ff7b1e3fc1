"""Alt text for every figure in the instructor notebooks.

A reader who cannot see a figure gets its alt text instead. A code cell whose
stored output is a picture keeps it in its metadata, where Jupyter Book
(myst-nb) reads it when it builds the lesson's website::

    "mystnb": {"image": {"alt": "Line chart of ... ."}}

A picture in a markdown cell, ``![alt text](file.png)``, carries it between
the brackets.
"""

import re

import nbformat
import pytest

from episode_files import EPISODES, read_episode

INSTRUCTOR_NOTEBOOKS = sorted(path.name for path in EPISODES.glob("[0-9][0-9]-*.ipynb"))
MARKDOWN_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)]*)\)")
SHORTEST_ALT_TEXT = 6  # words


def has_image(cell):
    """Whether a code cell's stored outputs show a picture."""
    return any("image/png" in output.get("data", {}) for output in cell.get("outputs", []))


def figure_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code" and has_image(cell)]


def alt_text(cell):
    """The alt text in a code cell's metadata, or None."""
    return cell.metadata.get("mystnb", {}).get("image", {}).get("alt")


def alt_text_problem(cell):
    """What is wrong with the alt text of a code cell that shows a picture, or None."""
    text = alt_text(cell)
    if not isinstance(text, str) or not text.strip():
        return 'has no alt text: add metadata "mystnb": {"image": {"alt": "..."}}'
    if len(text.split()) < SHORTEST_ALT_TEXT:
        return f"has an alt text of fewer than {SHORTEST_ALT_TEXT} words: {text!r}"
    if not text.rstrip().endswith("."):
        return f"has an alt text that does not end with a full stop: {text!r}"
    return None


def markdown_images_without_alt_text(notebook):
    """The targets of the ``![](...)`` pictures in markdown cells that have empty alt text."""
    return [target for cell in notebook.cells if cell.cell_type == "markdown"
            for alt, target in MARKDOWN_IMAGE.findall(cell.source) if not alt.strip()]


def describe(filename, notebook, cell):
    return f"{filename}, cell {notebook.cells.index(cell)} (id {cell.get('id')})"


def test_every_episode_of_the_timing_table_is_checked():
    import json

    timed = json.loads((EPISODES.parent / "helpers" / "timings.json").read_text())["episodes"]
    assert INSTRUCTOR_NOTEBOOKS == sorted(episode["name"] for episode in timed)


@pytest.mark.parametrize("filename", INSTRUCTOR_NOTEBOOKS)
def test_every_figure_output_has_alt_text(filename):
    notebook = read_episode(filename)
    problems = [f"{describe(filename, notebook, cell)} {problem}" for cell in figure_cells(notebook)
                if (problem := alt_text_problem(cell))]
    assert not problems, "\n".join(problems)


def test_the_notebooks_store_their_figures():
    # Guards the test above: with the outputs cleared it would find no figures and pass.
    count = sum(len(figure_cells(read_episode(filename))) for filename in INSTRUCTOR_NOTEBOOKS)
    assert count >= 30, f"only {count} code cells with a picture in the instructor notebooks"


def test_no_two_figures_share_an_alt_text():
    seen = {}
    for filename in INSTRUCTOR_NOTEBOOKS:
        notebook = read_episode(filename)
        for cell in figure_cells(notebook):
            text = alt_text(cell)
            if text:
                seen.setdefault(text.strip(), []).append(describe(filename, notebook, cell))
    copies = {text: places for text, places in seen.items() if len(places) > 1}
    assert not copies, "the same alt text describes different figures:\n" + "\n".join(
        f"{' and '.join(places)}: {text!r}" for text, places in copies.items())


@pytest.mark.parametrize("filename", INSTRUCTOR_NOTEBOOKS)
def test_every_markdown_picture_has_alt_text(filename):
    missing = markdown_images_without_alt_text(read_episode(filename))
    assert not missing, (f"{filename}: pictures without alt text: {missing}. Write it between the brackets, "
                         "![alt text](...); for a diagram, ![](attachment:NAME.png), run "
                         "`python -m scripts.build_notebooks`, which writes it in from helpers.diagrams")


def code_cell_with_picture(metadata):
    cell = nbformat.v4.new_code_cell("plt.show()", metadata=metadata)
    picture = {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"}
    cell.outputs = [nbformat.v4.new_output("display_data", data=picture)]
    return cell


@pytest.mark.parametrize("metadata, problem", [
    ({}, "has no alt text"),
    ({"mystnb": {"image": {"alt": ""}}}, "has no alt text"),
    ({"mystnb": {"image": {"width": "50%"}}}, "has no alt text"),
    ({"mystnb": {"image": {"alt": "A line chart."}}}, "fewer than 6 words"),
    ({"mystnb": {"image": {"alt": "A line chart of the loss per epoch"}}}, "full stop"),
])
def test_the_check_finds_a_missing_or_poor_alt_text(metadata, problem):
    assert problem in alt_text_problem(code_cell_with_picture(metadata))


def test_the_check_accepts_a_good_alt_text():
    cell = code_cell_with_picture({"mystnb": {"image": {"alt": "A line chart of the loss per epoch."}}})
    assert figure_cells(nbformat.v4.new_notebook(cells=[cell])) == [cell]
    assert alt_text_problem(cell) is None


def test_the_check_finds_a_markdown_picture_without_alt_text():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "![A network of three layers.](attachment:net.png) and ![](attachment:neuron.png)")])
    assert markdown_images_without_alt_text(notebook) == ["attachment:neuron.png"]
