"""Self-checks for the lesson's challenges: ``check()``, ``hint()`` and ``solution()``.

Every episode has a module here with one object per challenge. The learner
notebooks import it at the top and call it after each challenge:

    from helpers.exercises import episode03 as exercises

    exercises.padding.check()     # one line: correct, or what is wrong
    exercises.padding.hint()      # a nudge in the right direction
    exercises.padding.solution()  # the instructor's answer, text and code

``check()`` reads your variables from the notebook by name (each exercise
lists them in ``reads``), so it also works when a blank is still empty or a
cell failed: it says so instead of raising an error.

Hints, solutions and the answer to every blank (``___``) come from the
instructor notebooks, the one place they are written down:
``python -m scripts.build_notebooks`` copies them into ``answer_key.json``
beside this file.
"""

import ast
import html
import inspect
import json
from functools import cache
from pathlib import Path

from helpers.error_lines import error_line

ANSWER_KEY = Path(__file__).with_name("answer_key.json")
BLANK = "___"


class Mistake(Exception):
    """A wrong answer. Its message says what is wrong and how to put it right."""


@cache
def answer_key():
    """{episode number: {exercise name: entry}}, as written by scripts/build_notebooks.py."""
    return json.loads(ANSWER_KEY.read_text(encoding="utf-8"))


def running_shell():
    """The IPython shell of the notebook (or console) we run in, or None in plain Python."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def notebook_namespace():
    """The variables of the running notebook, or of the calling module outside Jupyter."""
    shell = running_shell()
    if shell is not None:
        return shell.user_ns
    caller = inspect.currentframe().f_back.f_back  # notebook_namespace <- check <- the caller
    return caller.f_globals


def previous_cell_has_blanks(namespace):
    """True when the cell run just before this one still contained ``___``.

    Jupyter keeps every cell it ran in ``_ih``; the last entry is the cell
    running now, so the one before it is the learner's attempt.
    """
    inputs = namespace.get("_ih")
    return isinstance(inputs, list) and len(inputs) >= 2 and BLANK in inputs[-2]


class Verdict:
    """The line ``check()`` shows: plain text anywhere, a paragraph in a notebook.

    As a paragraph, a long verdict wraps between words instead of in the
    middle of one, and its first words are coloured: green for correct,
    orange for a mistake, grey for not yet.
    """

    COLOURS = {"Correct!": "#1a7f37", "Not quite:": "#b35900", "Not yet:": "#57606a"}

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text

    def _repr_html_(self):
        for opening, colour in self.COLOURS.items():
            if self.text.startswith(opening):
                rest = html.escape(self.text[len(opening):])
                return f'<p><strong style="color: {colour}">{opening}</strong>{rest}</p>'
        return f"<p>{html.escape(self.text)}</p>"


class MarkdownText:
    """Markdown that a notebook renders, and that plain-text front ends show as it is written."""

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text

    def _repr_markdown_(self):
        return self.text


def show_markdown(text):
    """Display markdown in a notebook, or print it anywhere else."""
    if running_shell() is None:
        print(text)
        return
    from IPython.display import display

    display(MarkdownText(text))


class Exercise:
    """One challenge of an episode.

    ``reads`` names the notebook variables that ``check`` looks at.
    ``check_answer(exercise, **values)`` returns a short confirmation when the
    values are right and raises ``Mistake`` when they are not. Discussion
    challenges have no ``check_answer``: only a hint and a solution.
    """

    def __init__(self, episode, name, reads=(), check_answer=None):
        self.episode = episode
        self.name = name
        self.reads = tuple(reads)
        self.check_answer = check_answer

    def __repr__(self):
        return f"<exercise {self.name!r} of episode {self.episode}: {self.title}>"

    @property
    def entry(self):
        return answer_key()[self.episode][self.name]

    @property
    def title(self):
        return self.entry["title"]

    @property
    def answers(self):
        """The recorded answer to each blank, as source code, in the order of the blanks."""
        return self.entry["answers"]

    def answer(self, number):
        """The recorded answer to blank ``number`` (counted from 0) as a Python value."""
        return ast.literal_eval(self.answers[number])

    def verdict(self, namespace):
        """The one line that ``check()`` prints for the variables in ``namespace``."""
        if self.check_answer is None:
            return (f"Nothing to run for '{self.title}': it is answered in words. Compare your answer "
                    f"with exercises.{self.name}.solution().")
        if previous_cell_has_blanks(namespace):
            return (f"Not yet: the cell you ran last still has blanks ({BLANK}). Replace each {BLANK} "
                    "with your answer, run that cell, then run this check again.")
        missing = [name for name in self.reads if name not in namespace]
        if missing:
            names = " and ".join(f"`{name}`" for name in missing)
            verb = "is" if len(missing) == 1 else "are"
            return (f"Not yet: {names} {verb} not defined. Fill in the blanks ({BLANK}) in the challenge's "
                    "cell, run it, then run this check again.")
        try:
            confirmation = self.check_answer(self, **{name: namespace[name] for name in self.reads})
        except Mistake as mistake:
            return f"Not quite: {mistake}"
        except Exception as error:  # a value of a shape the check did not foresee
            return (f"Not quite: checking {', '.join(self.reads)} failed with {error_line(error)}. "
                    f"Compare your cell with exercises.{self.name}.hint().")
        return f"Correct! {confirmation}"

    def check(self, namespace=None):
        """Show one line: whether your answer is right, or what is wrong with it."""
        verdict = self.verdict(notebook_namespace() if namespace is None else namespace)
        if running_shell() is None:
            print(verdict)
            return
        from IPython.display import display

        display(Verdict(verdict))

    def hint(self):
        """Show a hint for this challenge."""
        show_markdown(f"**Hint ({self.title}):** {self.entry['hint']}")

    def solution(self):
        """Show the instructor's solution: the same text and code as in the instructor notebook."""
        parts = [f"**Solution ({self.title})**"]
        for part in self.entry["solution"]:
            if "code" in part:
                parts.append(f"```python\n{part['code']}\n```")
            else:
                parts.append(part["markdown"])
        show_markdown("\n\n".join(parts))
