"""Fill in a challenge's blanks as a learner would, run the cell, and ask its check.

Shared by the tests of ``helpers.exercises``. A learner's cell that raises an
error leaves the notebook's variables as they were, and so does ``run_filled``:
the check then sees what it would see in the notebook.
"""

import matplotlib.pyplot as plt
from IPython.display import display

BLANK = "___"


def fill(template, answers):
    """The template with its blanks replaced by ``answers`` in order; blanks left over stay."""
    pieces = template.split(BLANK)
    filled = pieces[0]
    for number, piece in enumerate(pieces[1:]):
        filled += (answers[number] if number < len(answers) else BLANK) + piece
    return filled


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


def correct_answers(exercise):
    return list(exercise.answers)
