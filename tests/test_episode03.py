"""Checks of episode 03 that the general notebook tests do not make.

The worked examples (one neuron, the hand-made convolution, the parameter
counts) must be stored as computed, the text must name the training time
that the stored full-mode run measured, the kernel explorer must follow
the filtered photo, and the intro model it builds again must be the one
episode 01 saves into helpers/lesson.py.
"""

import ast
from pathlib import Path

import pytest

from episode_files import read_episode, runnable_code_cells, stored_text

EPISODE = Path(__file__).resolve().parent.parent / "episodes" / "03-build-cnn.ipynb"
LESSON_MODULE = Path(__file__).resolve().parent.parent / "helpers" / "lesson.py"


@pytest.fixture(scope="module")
def notebook():
    return read_episode(EPISODE.name)


def test_worked_examples_are_stored(notebook):
    text = stored_text(notebook)
    assert "by hand:  2.75" in text and "by Keras: 2.75" in text
    assert "[[ 0  0  0  0]\n [ 0  7 14 21]\n [ 0  7 14 21]\n [ 0  0  0  0]]" in text
    assert "same as by hand: True" in text
    assert "grey scale:   (300, 451) float32" in text
    assert "valid: (None, 30, 30, 8)" in text and "same:  (None, 32, 32, 8)" in text
    assert "307,300 in Keras" in text and "2,700 in Keras" in text


def test_summaries_show_the_parameter_counts(notebook):
    text = stored_text(notebook)
    for total in ("79,530", "156,710", "114,510"):
        assert f"Total params: {total}" in text


def test_the_episode_defines_its_three_models(notebook):
    sources = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    for name in ("create_model_intro", "create_model_dense_only", "create_model_cnn50"):
        assert f"def {name}():" in sources


def function_source(source, name):
    """The text of the top-level ``def name`` in this Python source, or None."""
    found = [ast.get_source_segment(source, node) for node in ast.parse(source).body
             if isinstance(node, ast.FunctionDef) and node.name == name]
    return found[0] if found else None


def test_the_intro_model_it_builds_again_is_the_one_episode_01_saves(notebook):
    """Episode 03 collects its layers into episode 01's function; the episodes after it import the saved one."""
    built_again = [function_source(cell.source, "create_model_intro") for cell in runnable_code_cells(notebook)
                   if cell.source.startswith("def create_model_intro(")]
    assert len(built_again) == 1, "episode 03 should define create_model_intro once"
    saved = function_source(LESSON_MODULE.read_text(encoding="utf-8"), "create_model_intro")
    assert saved is not None, "helpers/lesson.py has no create_model_intro: is episode 01's cell still tagged save?"
    assert built_again[0] == saved, "episode 03's create_model_intro must be episode 01's, character for character"


def test_the_stored_comparison_comes_from_a_full_run(notebook):
    text = stored_text(notebook)
    assert "training images used: 5000" in text
    assert "157/157" in text  # 5,000 images in batches of 32


def test_the_kernel_explorer_follows_the_filtered_photo(notebook):
    setup = next(cell for cell in runnable_code_cells(notebook) if "import_tensorflow_quietly()" in cell.source)
    assert "from helpers.widgets import kernel_explorer" in setup.source
    calls = [index for index, cell in enumerate(notebook.cells)
             if cell.cell_type == "code" and "kernel_explorer(" in cell.source]
    assert len(calls) == 1, "one cell should call the kernel explorer"
    photo = next(index for index, cell in enumerate(notebook.cells)
                 if "after the horizontal-edge kernel" in cell.source)
    padding = next(index for index, cell in enumerate(notebook.cells) if "### Challenge: border pixels" in cell.source)
    assert photo < calls[0] < padding
    assert notebook.cells[calls[0] - 1].source.startswith("### Explore")


def test_the_explorer_cell_stores_one_static_figure_and_no_widget(notebook):
    cell = next(cell for cell in runnable_code_cells(notebook) if "kernel_explorer(" in cell.source)
    outputs = cell.get("outputs", [])
    if not outputs:
        pytest.skip("the explorer cell has not been run in full mode yet")
    assert len(outputs) == 1 and "image/png" in outputs[0]["data"]
    assert outputs[0]["data"]["text/plain"] == "<Figure size 1200x400 with 3 Axes>"
