"""Checks of episode 09 that the general notebook tests do not make.

The stored outputs must show what the episode explains (the parts of a
``.keras`` file, identical predictions after reloading, safe mode refusing a
Lambda layer, the cat photo as a uint8 batch, the training command's flags);
no cell may download pretrained weights or scale the photo by hand; and the
episode must recreate the dropout model when episode 06's file is missing.
"""

import os
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from episode_files import output_text, read_episode, runnable_code, stored_text

EPISODE = Path(__file__).resolve().parent.parent / "episodes" / "09-share-next-steps.ipynb"


@pytest.fixture(scope="module")
def notebook():
    return read_episode(EPISODE.name)


def test_saving_and_loading_outputs_are_stored(notebook):
    text = stored_text(notebook)
    assert "metadata.json\nconfig.json\nmodel.weights.h5\n" in text
    assert "metadata: ['date_saved', 'keras_version']" in text
    assert "optimizer: Adam" in text and "loss: CategoricalCrossentropy" in text
    assert text.count("same predictions: True") == 2  # reloaded model and the weights-only challenge
    assert "cifar_model_dropout: 33,834 parameters, compiled: True" in text
    assert "columns: ['categorical_accuracy', 'loss', 'val_categorical_accuracy', 'val_loss']" in text


def test_safe_mode_refusal_is_shown_without_a_traceback(notebook):
    text = stored_text(notebook)
    assert "load_model refused:" in text and "Lambda" in text and "safe_mode=False" in text
    assert "Traceback" not in text


def test_cat_photo_is_a_uint8_batch_that_the_model_scales(notebook):
    text = stored_text(notebook)
    assert "batch: (1, 32, 32, 3) uint8" in text
    assert re.search(r"values from \d+ to \d+", text)
    cat_cells = [cell.source for cell in notebook.cells if cell.cell_type == "code" and "cat_" in cell.source]
    assert cat_cells and not any("/ 255" in source or "/255" in source for source in cat_cells)


def test_no_pretrained_weights_are_downloaded(notebook):
    code = runnable_code(notebook)
    assert "weights=None" in code
    assert not re.search(r"weights\s*=\s*[\"']imagenet", code)


def test_transfer_learning_counts_are_stored(notebook):
    text = stored_text(notebook)
    assert "944,890 parameters, of which 5,770 are trained" in text
    assert "4,062,381 parameters, of which 12,810 are trained" in text
    assert "Keras backend: tensorflow" in text


def test_training_command_help_and_results_are_stored(notebook):
    text = stored_text(notebook)
    for flag in ("--epochs", "--batch-size", "--output", "--seed", "--quick"):
        assert flag in text
    for name in ("history.csv", "metrics.json", "model.keras", "sample_images.png", "training_history.png"):
        assert f"{name}\n" in text
    assert "exit code: 0" in text and "Test accuracy" in text
    code = runnable_code(notebook)
    assert '"--quick"' in code and "fit_outputs/train_output" in code
    pngs = [output for cell in notebook.cells if cell.cell_type == "code"
            for output in cell.get("outputs", []) if "image/png" in output.get("data", {})]
    assert len(pngs) >= 5  # history, test image, cat with bars, and the script's two figures


@pytest.mark.slow
def test_model_is_recreated_when_episode_05_has_not_run(tmp_path, shared_data_dir):
    """Run the first part of the episode in an empty folder, in quick mode."""
    notebook = nbformat.read(EPISODE, as_version=4)
    last = next(i for i, cell in enumerate(notebook.cells) if "history_from_file" in cell.source)
    notebook.cells = notebook.cells[: last + 1]
    env = {**os.environ, "LESSON_QUICK": "1", "LESSON_DATA_DIR": str(shared_data_dir),
           "LESSON_STATIC_WIDGETS": "1"}
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    with client.setup_kernel(env=env, cwd=str(tmp_path)):
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type == "code" and "skip-execution" not in cell.metadata.get("tags", []):
                client.execute_cell(cell, index)
    text = "".join(output_text(cell) for cell in notebook.cells if cell.cell_type == "code")
    assert "is missing (episode 06 writes it), so we train the model again" in text
    assert "Epoch 10/10" in text and "Trained the model and saved it" in text
    assert (tmp_path / "fit_outputs" / "model_dropout.keras").is_file()
    assert (tmp_path / "fit_outputs" / "history_dropout.csv").read_text().count("\n") == 11
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error" and output.get("name") != "stderr", output
