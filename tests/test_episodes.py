"""Every episode, executed once, as a learner who fills in every blank would run it.

Each instructor notebook runs in a fresh kernel, in quick mode, in teaching
order, in a folder shared with the episodes before it, as for a learner: the
models that episodes 01, 05 and 06 save serve the later ones. The episodes
form two series, each in a folder of its own, so that both of pytest's
workers can take one: those that save or load the models, and the others,
which read nothing an earlier episode writes. The one run guards two things:

- **The stored outputs.** Every code cell that shows a deterministic output
  (a model summary, a shape, a check's verdict) must show what the committed
  notebook shows. Cells tagged ``nbval-ignore-output`` (timings, accuracies)
  only have to run without an error.
- **The learner path.** A challenge's cell with blanks is left out, and the
  solution cell it stands for runs in its place: ``python -m scripts.build_notebooks``
  makes sure that this cell *is* the blank with the answers of
  ``helpers/exercises/answer_key.json`` filled in, and this test checks it
  again. Every other solution cell is code the learner version does not have,
  so it runs in isolation: the names it defines are removed again before the
  next cell, and a later cell that needs one of them fails here, as it would
  for a learner.
"""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from episode_files import ANSI_CODES
from helpers.exercises import answer_key
from scripts.build_notebooks import BLANK, challenges

pytestmark = pytest.mark.notebooks

EPISODES = sorted((Path(__file__).resolve().parent.parent / "episodes").glob("[0-9][0-9]-*.ipynb"))
SHARING_MODELS = {"01", "05", "06", "07", "09"}  # each loads what the ones before it saved in fit_outputs/
SERIES = sorted(((("models" if path.name[:2] in SHARING_MODELS else "others"), path) for path in EPISODES))
NOT_COMPARED = {"nbval-ignore-output", "nbval-skip", "skip-execution", "colab-setup"}
NOT_RUN = {"skip-execution", "colab-setup"}  # blanks, and the install cell that only Colab needs
# Two hidden cells around a solution the learner does not have: remember the
# kernel's names (kept outside its namespace), and afterwards put back exactly those.
REMEMBER_NAMES = '__import__("builtins").names_before_solution = dict(get_ipython().user_ns)'
FORGET_NEW_NAMES = """def forget_new_names(names=get_ipython().user_ns):
    names.clear()
    names.update(__import__("builtins").names_before_solution)
forget_new_names()"""


def tags(cell):
    return set(cell.metadata.get("tags", []))


def shown_text(cell):
    """What a code cell shows as text: its printed text and the text form of what it displayed.

    Printed fragments are joined without separators, so a stream split into
    several outputs compares equal to the same text in one.
    """
    texts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            texts.append(output.get("text", ""))
        elif output.get("output_type") != "error":
            texts.append(str(output.get("data", {}).get("text/plain", "")) + "\n")
    return ANSI_CODES.sub("", "".join(texts))


def filled_in(blank, answers):
    """The blank cell with its recorded answers written in."""
    pieces = blank.split(BLANK)
    return pieces[0] + "".join(answer + piece for answer, piece in zip(answers, pieces[1:], strict=True))


def solutions_learners_lack(notebook, episode):
    """The indices of the solution code cells the learner version has no stand-in for, grouped by challenge.

    A challenge with blanks has its first solution code cell stand in for the
    blank (the learner runs that cell, filled in); the challenge's other
    solution code cells, and all of them for a challenge without blanks, are
    code that only the instructor version has.
    """
    key = answer_key()[episode]
    groups = []
    for name, _, parts in challenges(notebook):
        code = [index for index in parts if "solution" in tags(notebook.cells[index])
                and notebook.cells[index].cell_type == "code"]
        if key[name]["blank"] is not None:
            stand_in = notebook.cells[code[0]].source
            assert filled_in(key[name]["blank"], key[name]["answers"]) == stand_in, (
                f"episode {episode}, challenge {name!r}: the blank filled with its recorded answers is not "
                "the solution cell that stands for it; run python -m scripts.build_notebooks")
            code = code[1:]
        if code:
            groups.append(code)
    return groups


def learner_run(notebook, episode):
    """The cells to execute, and for each one the instructor cell whose outputs it must show (or None)."""
    isolated = {index: group for group in solutions_learners_lack(notebook, episode) for index in group}
    cells, references = [], []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code" or tags(cell) & NOT_RUN:
            continue
        group = isolated.get(index)
        if group and index == group[0]:
            cells.append(nbformat.v4.new_code_cell(REMEMBER_NAMES))
            references.append(None)
        cells.append(nbformat.v4.new_code_cell(cell.source, metadata={"tags": sorted(tags(cell))}))
        references.append(cell)
        if group and index == group[-1]:
            cells.append(nbformat.v4.new_code_cell(FORGET_NEW_NAMES))
            references.append(None)
    run = nbformat.v4.new_notebook(cells=cells, metadata=notebook.metadata)
    return run, references


@pytest.fixture(scope="module")
def workspaces(tmp_path_factory):
    """One folder for each series of episodes, as a learner has one for all."""
    return {series: tmp_path_factory.mktemp(series) for series in {series for series, _ in SERIES}}


@pytest.mark.parametrize("series, path", SERIES, ids=[f"{series}-{path.name[:2]}" for series, path in SERIES])
def test_the_episode_runs_as_a_learner_would_and_shows_its_stored_outputs(series, path, workspaces):
    notebook = nbformat.read(path, as_version=4)
    run, references = learner_run(notebook, path.name[:2])

    NotebookClient(run, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(workspaces[series])}}).execute()

    for cell, reference in zip(run.cells, references):
        if reference is None or tags(reference) & NOT_COMPARED:
            continue
        assert shown_text(cell) == shown_text(reference), (
            f"{path.name}, the cell\n{cell.source[:300]}\n--- shows:\n{shown_text(cell)}"
            f"\n--- the committed notebook shows:\n{shown_text(reference)}")
