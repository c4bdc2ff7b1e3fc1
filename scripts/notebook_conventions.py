"""How the lesson's notebooks mark their cells: tags, diagrams, and quoted hints and solutions.

``scripts/build_notebooks.py`` writes and reads the notebooks by these
conventions, and the website's extension (``site/_ext/lesson_site.py``)
turns them into pages by them; CONTRIBUTING.md explains them to authors.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The tags of a notebook's cells.
BADGES_TAG = "launch-badges"  # the first cell: the Colab and Binder badges
SETUP_TAG = "colab-setup"  # the second cell: installs the helpers on Colab
SOLUTION_TAG = "solution"
HINT_TAG = "hint"
BLANK_TAG = "skip-execution"  # a challenge's cell with blanks: no runner executes it
CHECK_TAG = "exercise-check"  # the cell after a challenge: exercises.NAME.check(), hint() and solution()
SAVE_TAG = "save"  # a code cell whose definitions go into helpers/lesson.py

# The diagrams that scripts/draw_diagrams.py draws, and how a markdown cell shows one.
FIGURES = ROOT / "episodes" / "figures"
FIGURE_REFERENCE = re.compile(r"!\[[^\]\n]*\]\(attachment:([\w-]+)\.png\)")  # ![alt text](attachment:NAME.png)


def has_tag(cell, tag):
    """Whether a cell carries ``tag`` in its metadata."""
    return tag in cell.get("metadata", {}).get("tags", [])


def without_quote(markdown, heading):
    """A block-quoted markdown cell as plain markdown, without its ``#### heading`` line."""
    lines = [line[2:] if line.startswith("> ") else line.removeprefix(">") for line in markdown.splitlines()]
    if lines and lines[0].strip() == f"#### {heading}":
        lines = lines[1:]
    return "\n".join(lines).strip()
