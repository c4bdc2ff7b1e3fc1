"""Fill in a challenge's blanks as a learner would, run the cell, and ask its check.

Shared by the tests of ``helpers.exercises``. A learner's cell that raises an
error leaves the notebook's variables as they were, and so does ``run_filled``:
the check then sees what it would see in the notebook.
"""

import ast
import importlib
from functools import cache
from pathlib import Path

import matplotlib.pyplot as plt
import nbformat
from IPython.display import display

BLANK = "___"
EPISODES = Path(__file__).resolve().parent.parent / "episodes"


def fill(template, answers):
    """The template with its blanks replaced by ``answers`` in order; blanks left over stay."""
    pieces = template.split(BLANK)
    filled = pieces[0]
    for number, piece in enumerate(pieces[1:]):
        filled += (answers[number] if number < len(answers) else BLANK) + piece
    return filled


def exercise_of(episode, name):
    """The exercise object of challenge ``name`` in episode ``episode``, as the learner notebook imports it."""
    return getattr(importlib.import_module(f"helpers.exercises.episode{episode}"), name)


def run_cell(exercise, source, namespace):
    """Run a learner's own version of the challenge's cell in ``namespace``; return what check() would show.

    A cell that raises leaves the namespace as it was, as in the notebook.
    """
    namespace.setdefault("display", display)
    try:
        exec(compile(source, f"<{exercise.name}>", "exec"), namespace)
    except Exception:
        pass  # the cell failed, as it would in the notebook
    finally:
        plt.close("all")
    namespace["_ih"] = ["", source, f"exercises.{exercise.name}.check()"]  # what Jupyter's history holds
    return exercise.verdict(namespace)


def run_filled(exercise, answers, namespace):
    """Run the exercise's blank cell filled with ``answers``; return what check() would show.

    ``answers`` may be shorter than the number of blanks: the rest stay empty.
    """
    return run_cell(exercise, fill(exercise.entry["blank"], answers), namespace)


@cache
def functions_of_notebook(episode):
    """{name: definition} of every function that a code cell of the instructor notebook ``episode`` defines."""
    (path,) = EPISODES.glob(f"{episode}-*.ipynb")
    definitions = {}
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        try:
            statements = ast.parse(cell.source).body
        except SyntaxError:  # IPython's own syntax, such as the Colab cell's %pip
            continue
        for statement in statements:
            if isinstance(statement, ast.FunctionDef):
                definitions.setdefault(statement.name, statement)
    return definitions


def define_as_in_notebook(episode, names, namespace):
    """Define the functions ``names`` in ``namespace`` with the code of the instructor notebook ``episode``.

    Only the definitions run, not the rest of their cells: nothing is trained or
    plotted. The functions find their globals (keras, the data) in ``namespace``.
    """
    definitions = functions_of_notebook(episode)
    for name in names:
        if name not in definitions:
            raise LookupError(f"no code cell of episode {episode}'s notebook defines {name}(): "
                              "update the namespace in tests/exercise_cases.py")
        module = ast.Module(body=[definitions[name]], type_ignores=[])
        exec(compile(module, f"<episode {episode}: {name}>", "exec"), namespace)
    return namespace
