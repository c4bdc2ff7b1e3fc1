"""Checks of the episode notebooks that executing them does not make.

tests/test_episodes.py executes every notebook and compares outputs. These
tests read the stored notebooks instead: what a notebook imports from
``helpers.models`` is there, the stored outputs come from a clean full-mode
run, and each episode has the lesson's structure.
"""

import ast
import re
from pathlib import Path

import nbformat
import pytest

from helpers import models

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


def test_the_episodes_are_there_in_teaching_order():
    names = [path.name for path in NOTEBOOKS]
    assert names and names[0] == "01-introduction.ipynb"
    numbers = [int(name[:2]) for name in names]
    assert numbers == list(range(1, len(numbers) + 1))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_what_a_notebook_imports_from_helpers_models_is_there(path):
    """A definition renamed in the notebook that saves it leaves the episodes that import it without it."""
    imported = [alias.name for cell in code_cells(read(path)) if "helpers.models" in cell.source
                for node in ast.parse(cell.source).body
                if isinstance(node, ast.ImportFrom) and node.module == "helpers.models"
                for alias in node.names]
    missing = [name for name in imported if not hasattr(models, name)]
    assert not missing, f"{path.name} imports {missing} from helpers.models, which has no such name"


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
    assert None not in counts, "run the notebook with python -m scripts.run_notebooks before committing"
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
