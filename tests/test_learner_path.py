"""The learner path: the learner notebooks work when a learner fills them in.

For every episode, the learner notebook (no solutions, blanks left in) gets
each blank (``___``) filled with its recorded answer from
``helpers/exercises/answer_key.json``. It then runs from a fresh kernel in
quick mode, as a learner's would, and every output that nbval compares in the
instructor notebook must come out the same: model summaries, shapes, worked
numbers, the checks' verdicts. A filled-in blank cell is compared with the
instructor's solution cell it stands for.

A learner cell that needs code which only a solution cell has fails here,
and so does a blank whose recorded answer does not give the instructor's
result.
"""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from episode_files import ANSI_CODES
from exercise_runs import fill
from helpers.exercises import answer_key

ROOT = Path(__file__).resolve().parent.parent
INSTRUCTOR = sorted((ROOT / "episodes").glob("[0-9][0-9]-*.ipynb"))
LEARNERS = ROOT / "episodes" / "learners"
NOT_COMPARED = {"nbval-ignore-output", "nbval-skip", "skip-execution", "colab-setup"}
STRIPPED = {"solution", "hint"}  # the cells the learner version leaves out


def tags(cell):
    return set(cell.metadata.get("tags", []))


def shown_text(cell):
    """What a code cell shows as text: printed text as one stream, and the text form of what it displayed.

    The runner that stores the instructor outputs merges a cell's printed
    fragments into one; joining them here without separators makes the two
    comparable, as nbval does.
    """
    texts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            texts.append(output.get("text", ""))
        else:
            texts.append(str(output.get("data", {}).get("text/plain", "")) + "\n")
    return ANSI_CODES.sub("", "".join(texts))


def exercise_of_each_cell(notebook):
    """The name of the challenge each cell belongs to (the last challenge cell above it), or None."""
    names, current = [], None
    for cell in notebook.cells:
        current = cell.metadata.get("exercise", current)
        names.append(current)
    return names


def filled_in(learner, episode):
    """The learner notebook with every blank filled in and every cell set to run."""
    key = answer_key()[episode]
    for cell, exercise in zip(learner.cells, exercise_of_each_cell(learner)):
        if "skip-execution" in tags(cell):
            assert cell.source == key[exercise]["blank"], f"the blank cell of {exercise!r} is not the one recorded"
            cell.source = fill(cell.source, key[exercise]["answers"])
            cell.metadata["tags"] = sorted(tags(cell) - {"skip-execution", "nbval-skip"})
    return learner


def reference_cells(instructor):
    """For each cell of the learner version, the instructor cell whose outputs it must show."""
    names = exercise_of_each_cell(instructor)
    references = []
    for index, cell in enumerate(instructor.cells):
        if tags(cell) & STRIPPED:
            continue
        if "skip-execution" in tags(cell):  # a blank: the solution cell it stands for
            cell = next(later for later, name in zip(instructor.cells[index:], names[index:])
                        if name == names[index] and "solution" in tags(later) and later.cell_type == "code")
        references.append(cell)
    return references


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """One folder for all episodes, as for a learner: the models that episodes 05 and 06 save serve the later ones."""
    return tmp_path_factory.mktemp("learner")


@pytest.mark.parametrize("path", INSTRUCTOR, ids=lambda path: path.name)
def test_the_filled_in_learner_notebook_runs_and_shows_the_instructor_outputs(path, workspace, monkeypatch):
    monkeypatch.setenv("LESSON_STATIC_WIDGETS", "1")  # no widget front end: explorers draw figures
    instructor = nbformat.read(path, as_version=4)
    learner = filled_in(nbformat.read(LEARNERS / path.name, as_version=4), path.name[:2])
    references = reference_cells(instructor)
    assert len(references) == len(learner.cells)

    NotebookClient(learner, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(workspace)}}).execute()

    for number, (reference, cell) in enumerate(zip(references, learner.cells)):
        if cell.cell_type != "code" or tags(reference) & NOT_COMPARED:
            continue
        assert shown_text(cell) == shown_text(reference), (
            f"{path.name}, learner cell {number}:\n{cell.source[:300]}\n--- learner got:\n{shown_text(cell)}"
            f"\n--- the instructor notebook has:\n{shown_text(reference)}")
