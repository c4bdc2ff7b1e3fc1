"""Reading the stored episode notebooks: shared by the episode tests."""

import re
from pathlib import Path

import nbformat

EPISODES = Path(__file__).resolve().parent.parent / "episodes"
ANSI_CODES = re.compile(r"\x1b\[[0-9;]*m")  # the colours in Keras's printed summaries


def read_episode(filename):
    return nbformat.read(EPISODES / filename, as_version=4)


def runnable_code_cells(notebook):
    """The episode's own code cells that the runners execute.

    Left out: challenge cells with blanks, and the Colab setup cell at the top
    (tests/test_build_notebooks.py checks that one), so the first cell here is
    the episode's imports.
    """
    return [cell for cell in notebook.cells if cell.cell_type == "code"
            and not {"skip-execution", "colab-setup"} & set(cell.metadata.get("tags", []))]


def the_cell(notebook, fragment):
    """The one runnable code cell whose source contains ``fragment``."""
    found = [cell for cell in runnable_code_cells(notebook) if fragment in cell.source]
    assert len(found) == 1, f"expected one runnable cell containing {fragment!r}, found {len(found)}"
    return found[0]


def runnable_code(notebook):
    """The source of every runnable code cell, as one text."""
    return "\n".join(cell.source for cell in runnable_code_cells(notebook))


def output_text(cell):
    """What a code cell printed, and the text form of what it displayed, without colour codes."""
    texts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            texts.append(output.get("text", ""))
        else:
            texts.append(str(output.get("data", {}).get("text/plain", "")))
    return ANSI_CODES.sub("", "\n".join(texts))


def stored_text(notebook):
    """The stored output text of every code cell."""
    return "\n".join(output_text(cell) for cell in notebook.cells if cell.cell_type == "code")


def markdown(notebook):
    return "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")


def code(notebook):
    return "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
