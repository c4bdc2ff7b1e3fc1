"""Checks of episode 02 (image data) that running it does not make.

The notebook's challenge asks learners to write ``prepare_dataset``; its
solution must behave exactly like ``helpers.data.prepare_dataset``, which later
episodes import. The other tests read the stored (full-run) outputs for the
facts the episode's text relies on.
"""

import ast
import re
from pathlib import Path

import numpy as np
import pytest

from episode_files import read_episode, runnable_code_cells, stored_text
from helpers import data

EPISODE = Path(__file__).resolve().parent.parent / "episodes" / "02-image-data.ipynb"


@pytest.fixture(scope="module")
def notebook():
    return read_episode(EPISODE.name)


def function_definitions(cells, name):
    """Every top-level ``def name`` in the given cells, skipping cells that do not parse."""
    found = []
    for cell in cells:
        source = "\n".join(line for line in cell.source.splitlines() if not line.startswith(("%", "!")))
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        found.extend(node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == name)
    return found


@pytest.fixture(scope="module")
def notebook_prepare_dataset(notebook):
    """The solution's prepare_dataset, executed with the imports of the first code cell."""
    import keras
    from sklearn.model_selection import train_test_split

    definitions = function_definitions(runnable_code_cells(notebook), "prepare_dataset")
    assert len(definitions) == 1, "the notebook should define prepare_dataset once, in the solution"
    module = ast.Module(body=definitions, type_ignores=[])
    namespace = {"keras": keras, "np": np, "CLASS_NAMES": data.CLASS_NAMES,
                 "train_test_split": train_test_split}
    exec(compile(module, str(EPISODE), "exec"), namespace)
    return namespace["prepare_dataset"]


@pytest.mark.parametrize("label_shape", [(100, 1), (100,)], ids=["labels (n, 1)", "labels (n,)"])
def test_the_solution_returns_the_same_arrays_as_the_helper(notebook_prepare_dataset, label_shape):
    rng = np.random.default_rng(2)
    images = rng.integers(0, 256, size=(100, 32, 32, 3), dtype=np.uint8)
    labels = rng.integers(0, 10, size=label_shape, dtype=np.uint8)

    from_notebook = notebook_prepare_dataset(images.copy(), labels.copy())
    from_helper = data.prepare_dataset(images.copy(), labels.copy())

    assert len(from_notebook) == len(from_helper) == 4
    for name, mine, theirs in zip(["train_images", "val_images", "train_labels", "val_labels"],
                                  from_notebook, from_helper):
        assert mine.shape == theirs.shape, name
        assert mine.dtype == theirs.dtype, name
        np.testing.assert_array_equal(mine, theirs, err_msg=name)


def test_the_solution_keeps_uint8_images_and_one_hot_labels(notebook_prepare_dataset):
    images = np.arange(100 * 32 * 32 * 3, dtype=np.uint32).astype(np.uint8).reshape(100, 32, 32, 3)
    labels = (np.arange(100) % 10).astype(np.uint8).reshape(100, 1)
    train_images, val_images, train_labels, val_labels = notebook_prepare_dataset(images, labels)
    assert train_images.dtype == val_images.dtype == np.uint8
    assert (len(train_images), len(val_images)) == (80, 20)
    assert train_labels.shape == (80, 10) and val_labels.shape == (20, 10)
    assert set(np.unique(train_labels)) == {0, 1} and (train_labels.sum(axis=1) == 1).all()


def test_the_challenge_has_blanks_before_its_solution(notebook):
    cells = notebook.cells
    blanks = [i for i, cell in enumerate(cells)
              if cell.cell_type == "code" and "def prepare_dataset" in cell.source
              and "skip-execution" in cell.metadata.get("tags", [])]
    assert len(blanks) == 1
    i = blanks[0]
    assert "___" in cells[i].source
    assert "nbval-skip" in cells[i].metadata.get("tags", [])
    assert cells[i - 1].cell_type == "markdown" and cells[i - 1].source.startswith("> ### Challenge")
    assert "hint" in cells[i + 1].metadata.get("tags", [])
    assert cells[i + 2].cell_type == "markdown" and "Solution" in cells[i + 2].source
    assert cells[i + 3].cell_type == "code" and "def prepare_dataset" in cells[i + 3].source


def test_the_first_code_cell_follows_the_convention(notebook):
    first = runnable_code_cells(notebook)[0].source
    assert first.startswith("from helpers.quiet import import_tensorflow_quietly\n\ntf = import_tensorflow_quietly()")
    assert first.index("import_tensorflow_quietly()") < first.index("import keras")
    assert first.rstrip().endswith("keras.utils.set_random_seed(42)")


def test_the_notebook_downloads_nothing(notebook):
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    for call in ("keras.datasets", "get_file", "urlopen", "requests."):
        assert call not in code, f"episode 02 should load data through helpers.data, not {call}"
    assert "cat_photo_path()" in code and "load_cifar10()" in code


def test_the_stored_outputs_show_the_photo_and_its_normalisation(notebook):
    text = stored_text(notebook)
    assert "size (width, height): (451, 300)" in text
    assert "shape: (300, 451, 3)" in text
    before = re.search(r"before: min 0\.000, max (\d+\.\d{3}), mean (\d+\.\d{3}), dtype float32", text)
    after = re.search(r"after : min 0\.000, max (\d+\.\d{3}), mean (\d+\.\d{3}), dtype float32", text)
    assert before and after, "the min, max and mean before and after normalisation are missing"
    assert float(after.group(2)) > 0.1, "the normalised mean should be printed with its decimals"
    assert abs(float(before.group(2)) / 255 - float(after.group(2))) < 0.001
    assert "float64" not in text


def test_the_stored_outputs_show_the_custom_folder(notebook):
    text = stored_text(notebook)
    assert "1000 PNG files in 10 folders" in text
    assert "Found 1000 files belonging to 10 classes." in text
    assert f"class names: {data.CLASS_NAMES}" in text
    assert "images: (32, 32, 32, 3) <dtype: 'float32'>" in text


def test_the_custom_folder_is_not_committed():
    gitignore = (EPISODE.parent.parent / ".gitignore").read_text()
    assert "episodes/custom_data/" in gitignore.splitlines()
