"""helpers.exercises: one exercise object per challenge, one line per check, never a traceback.

Every challenge's check is tried on typical answers in test_exercises_challenges.py;
this file tests what the checks share, and that the answer key, the notebooks
and the exercise modules agree.
"""

import importlib
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from helpers.exercises import Exercise, Mistake, answer_key

ROOT = Path(__file__).resolve().parent.parent
INSTRUCTOR = sorted((ROOT / "episodes").glob("[0-9][0-9]-*.ipynb"))
EPISODES = [path.name[:2] for path in INSTRUCTOR]


def module(episode):
    return importlib.import_module(f"helpers.exercises.episode{episode}")


def exercises_of(episode):
    return {name: value for name, value in vars(module(episode)).items() if isinstance(value, Exercise)}


@pytest.mark.parametrize("episode", EPISODES)
def test_every_challenge_of_the_notebook_has_an_exercise_object_and_no_other(episode):
    objects = exercises_of(episode)
    assert list(objects) == list(answer_key()[episode])
    for name, exercise in objects.items():
        assert (exercise.episode, exercise.name) == (episode, name)


@pytest.mark.parametrize("episode", EPISODES)
def test_challenges_with_blanks_are_checked_and_the_others_are_not(episode):
    for name, exercise in exercises_of(episode).items():
        has_blanks = answer_key()[episode][name]["blank"] is not None
        assert (exercise.check_answer is not None) == has_blanks, name
        assert exercise.entry["hint"] and exercise.entry["solution"], name


@pytest.mark.parametrize("path", INSTRUCTOR, ids=lambda path: path.name)
def test_solution_shows_the_instructor_notebooks_solution_cells(path, capsys, monkeypatch):
    """The same text and code as the notebook, read from the answer key that the notebook is built into."""
    monkeypatch.setattr("helpers.exercises.running_shell", lambda: None)  # print instead of display
    notebook = nbformat.read(path, as_version=4)
    current = None
    shown_by_notebook = {}
    for cell in notebook.cells:
        current = cell.metadata.get("exercise", current)
        if "solution" in cell.metadata.get("tags", []):
            shown_by_notebook.setdefault(current, []).append(cell)
    for name, exercise in exercises_of(path.name[:2]).items():
        exercise.solution()
        shown = capsys.readouterr().out
        for cell in shown_by_notebook[name]:
            if cell.cell_type == "code":
                assert cell.source in shown
            else:
                for line in cell.source.splitlines():
                    text = line.removeprefix(">").strip()
                    if text and text != "#### Solution":
                        assert text in shown, (name, text)


def fake_exercise(check_answer=None, reads=("value",)):
    exercise = Exercise("03", "padding", reads=reads, check_answer=check_answer)
    return exercise


def test_a_right_answer_gets_correct_and_the_confirmation():
    exercise = fake_exercise(lambda exercise, value: f"value is {value}.")
    assert exercise.verdict({"value": 3}) == "Correct! value is 3."


def test_a_mistake_gets_its_message():
    def check(exercise, value):
        raise Mistake("value is 2; the challenge asks for 3.")

    assert fake_exercise(check).verdict({"value": 2}) == "Not quite: value is 2; the challenge asks for 3."


def test_a_missing_variable_is_named_instead_of_raising_a_name_error():
    verdict = fake_exercise(lambda exercise, value: "", reads=("valid", "same")).verdict({"valid": 1})
    assert verdict.startswith("Not yet: `same` is not defined.")


def test_blanks_left_in_the_cell_just_run_are_reported_plainly():
    namespace = {"value": 1, "_ih": ["", "valid = f(padding=___)", "exercises.padding.check()"]}
    verdict = fake_exercise(lambda exercise, value: "fine").verdict(namespace)
    assert verdict.startswith("Not yet: the cell you ran last still has blanks (___).")


def test_an_unforeseen_value_gets_one_line_and_no_traceback():
    def check(exercise, value):
        return value.shape  # a learner stored a list where the check expects an array

    verdict = fake_exercise(check).verdict({"value": [1, 2]})
    assert verdict.startswith("Not quite: checking value failed with AttributeError")
    assert "\n" not in verdict


@pytest.mark.slow  # starts a Python that imports keras
def test_check_prints_exactly_one_line_and_reads_the_callers_variables_outside_jupyter():
    script = (
        "from helpers.exercises import episode03 as exercises\n"
        "import keras\n"
        "border_inputs = keras.Input(shape=(32, 32, 3))\n"
        "valid = keras.layers.Conv2D(8, (3, 3), padding='valid')(border_inputs)\n"
        "same = keras.layers.Conv2D(8, (3, 3), padding='valid')(border_inputs)\n"
        "exercises.padding.check()\n"
        "exercises.padding.hint()\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120)
    lines = run.stdout.splitlines()
    assert run.returncode == 0, run.stderr
    assert lines[0].startswith("Not quite: same has shape (None, 30, 30, 8)")
    assert lines[1].startswith("**Hint (border pixels):**")


def test_the_answer_key_is_packaged_with_the_helpers():
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"helpers.exercises" = ["answer_key.json"]' in pyproject


def test_in_a_notebook_the_verdict_is_a_paragraph_that_keeps_its_plain_text():
    from helpers.exercises import Verdict

    verdict = Verdict("Not quite: x < 3 & y")
    assert repr(verdict) == "Not quite: x < 3 & y"  # what nbval and the learner-path test compare
    assert verdict._repr_html_() == '<p><strong style="color: #b35900">Not quite:</strong> x &lt; 3 &amp; y</p>'
