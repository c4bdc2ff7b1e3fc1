"""Checks of the episode notebooks that nbval does not make.

nbval (run by plain ``pytest``) re-executes every notebook and compares
outputs. These tests read the stored notebooks instead: models written in a
notebook match ``helpers.models``, the stored outputs come from a clean
full-mode run, and each episode has the lesson's structure.
"""

import ast
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from helpers import models
from helpers.data import CLASS_NAMES, PIMA_COLUMNS

EPISODES = Path(__file__).resolve().parent.parent / "episodes"
NOTEBOOKS = sorted(EPISODES.glob("[0-9][0-9]-*.ipynb"))


def read(path):
    return nbformat.read(path, as_version=4)


def code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def output_text(output):
    if output.get("output_type") == "stream":
        return output.get("text", "")
    return str(output.get("data", {}).get("text/plain", ""))


def model_functions(notebook):
    """(name, compiled code) of every ``def create_model_*`` in the notebook's code cells."""
    found = []
    for cell in code_cells(notebook):
        if "skip-execution" in cell.metadata.get("tags", []):
            continue  # a challenge with blanks: ``___`` parses, but is no model
        source = "\n".join(line for line in cell.source.splitlines() if not line.startswith(("%", "!")))
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("create_model"):
                module = ast.Module(body=[node], type_ignores=[])
                found.append((node.name, compile(module, "<notebook>", "exec")))
    return found


def test_the_episodes_are_there_in_teaching_order():
    names = [path.name for path in NOTEBOOKS]
    assert names and names[0] == "01-introduction.ipynb"
    numbers = [int(name[:2]) for name in names]
    assert numbers == list(range(1, len(numbers) + 1))


def test_episode_01_defines_the_intro_model():
    names = [name for name, _ in model_functions(read(EPISODES / "01-introduction.ipynb"))]
    assert "create_model_intro" in names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_models_written_in_notebooks_match_the_helpers(path):
    import keras

    for name, code in model_functions(read(path)):
        assert hasattr(models, name), f"{path.name} defines {name}, which helpers.models lacks"
        # The globals a notebook's model function may use.
        namespace = {"keras": keras, "np": np, "CLASS_NAMES": CLASS_NAMES, "PIMA_COLUMNS": PIMA_COLUMNS,
                     "train_images": np.zeros((1, 32, 32, 3), dtype=np.uint8)}
        exec(code, namespace)
        from_notebook = namespace[name]()
        from_helpers = getattr(models, name)()
        assert models.architecture(from_notebook) == models.architecture(from_helpers), name
        assert from_notebook.count_params() == from_helpers.count_params()


def without_docstring(function):
    """The function's syntax tree with its docstring left out, as text."""
    if ast.get_docstring(function) is not None:
        function.body = function.body[1:]
    return ast.dump(function)


def test_episode_03_teaches_the_compile_and_train_that_later_episodes_import():
    import inspect

    written = [node for cell in code_cells(read(EPISODES / "03-build-cnn.ipynb"))
               if "def compile_and_train" in cell.source
               for node in ast.parse(cell.source).body
               if isinstance(node, ast.FunctionDef) and node.name == "compile_and_train"]
    assert len(written) == 1, "episode 03 should write compile_and_train once"
    helper = ast.parse(inspect.getsource(models.compile_and_train)).body[0]
    assert without_docstring(written[0]) == without_docstring(helper)
    for path in NOTEBOOKS[3:]:
        assert "def compile_and_train" not in "\n".join(cell.source for cell in code_cells(read(path))), (
            f"{path.name} should import compile_and_train from helpers.models, not write its own")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_outputs_are_clean(path):
    for index, cell in enumerate(code_cells(read(path))):
        for output in cell.get("outputs", []):
            text = output_text(output)
            where = f"{path.name}, code cell {index}"
            assert output["output_type"] != "error", f"{where} stores an error"
            assert output.get("name") != "stderr", f"{where} stores stderr: {text[:80]!r}"
            assert not re.search(r"\bwarning\b", text, re.I), f"{where} stores a warning"
            assert "\r" not in text and "\b" not in text, f"{where} stores an unfinished progress bar"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_runnable_cell_was_run_in_order(path):
    runnable = [cell for cell in code_cells(read(path))
                if "skip-execution" not in cell.metadata.get("tags", [])]
    counts = [cell.execution_count for cell in runnable]
    assert None not in counts, "run the notebook with scripts/run_notebooks.py before committing"
    assert counts == sorted(counts), "cells were run out of order"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_outputs_come_from_a_full_run(path):
    for cell in code_cells(read(path)):
        for output in cell.get("outputs", []):
            assert "(2000, 32, 32, 3)" not in output_text(output), "outputs are from quick mode"


def test_episode_01_stores_the_full_dataset_shapes():
    outputs = "".join(output_text(o) for c in code_cells(read(EPISODES / "01-introduction.ipynb"))
                      for o in c.get("outputs", []))
    assert "train_images: (50000, 32, 32, 3) uint8" in outputs
    assert "training:   (40000, 32, 32, 3) (40000, 10)" in outputs


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_episode_has_the_lesson_structure(path):
    notebook = read(path)
    first = notebook.cells[2]  # after the launch badges and the Colab setup cell
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    assert re.search(r"\*\*Teaching:\*\* \d+ min · \*\*Exercises:\*\* \d+ min", first.source)
    for heading in ("## Questions", "## Objectives"):
        assert heading in first.source
    markdown = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    assert "## Key points" in markdown
    assert "Challenge" in markdown and "Solution" in markdown


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_unrunnable_challenge_cells_are_skipped_by_both_runners(path):
    for cell in code_cells(read(path)):
        tags = set(cell.metadata.get("tags", []))
        assert ("skip-execution" in tags) == ("nbval-skip" in tags), cell.source[:60]
