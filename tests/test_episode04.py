"""Checks of episode 04 (how networks learn) that running it does not make.

The gradient-descent loop the notebook writes must agree with
``helpers.gradient_descent.descend``, the worked numbers in the text must be
the ones the stored outputs show, and the Pima experiments must follow the
rules the episode teaches: a held-out test set, a scaler fitted on the
training rows only, and ``learning_rate`` rather than ``lr``.
"""

import re
from pathlib import Path

import pytest

from episode_files import output_text, read_episode, runnable_code, runnable_code_cells, the_cell
from helpers.gradient_descent import descend

EPISODE = Path(__file__).resolve().parent.parent / "episodes" / "04-how-networks-learn.ipynb"


@pytest.fixture(scope="module")
def notebook():
    return read_episode(EPISODE.name)


def test_the_first_code_cell_follows_the_convention(notebook):
    first = runnable_code_cells(notebook)[0].source
    assert first.startswith("from helpers.quiet import import_tensorflow_quietly\n\ntf = import_tensorflow_quietly()")
    assert first.index("import_tensorflow_quietly()") < first.index("import keras")
    assert first.rstrip().endswith("keras.utils.set_random_seed(42)")


def test_the_printed_descent_matches_the_helper(notebook):
    cell = the_cell(notebook, 'print(f"step {step:2d}: x = {x:.4f}')
    assert "nbval-ignore-output" not in cell.metadata.get("tags", []), "the printout must stay compared"
    printed = re.findall(r"x = (-?\d+\.\d{4})", output_text(cell))
    expected = [f"{x:.4f}" for x in descend(1.0, 0.05, 25)]
    assert printed == expected


def test_the_gradient_formula_is_checked_against_the_measured_slope(notebook):
    text = output_text(the_cell(notebook, "measured = "))
    assert "x = 1.0: gradient -4.0, measured slope -4.0000" in text
    assert "x = 5.0: gradient +4.0, measured slope +4.0000" in text


def test_the_backpropagation_numbers_are_those_the_text_works_out(notebook):
    x, y, w1, w2, rate = 2.0, 3.0, 0.5, 1.5, 0.05
    hidden = w1 * x
    prediction = w2 * hidden
    grad_w2 = 2 * (prediction - y) * hidden
    grad_w1 = 2 * (prediction - y) * w2 * x
    text = output_text(the_cell(notebook, "tf.GradientTape()"))
    assert f"loss {(prediction - y) ** 2:.4f}" in text
    assert f"gradient for w1 {grad_w1:.4f}, gradient for w2 {grad_w2:.4f}" in text
    new_w1, new_w2 = w1 - rate * grad_w1, w2 - rate * grad_w2
    text = output_text(the_cell(notebook, "w1.assign_sub"))
    assert f"w1 {new_w1:.4f}, w2 {new_w2:.4f}" in text
    assert f"new loss {(new_w2 * new_w1 * x - y) ** 2:.4f}" in text


def test_the_explorer_cell_stores_one_static_figure_and_no_widget(notebook):
    cell = the_cell(notebook, "gradient_descent_explorer(")
    outputs = cell.get("outputs", [])
    assert len(outputs) == 1 and "image/png" in outputs[0]["data"]
    assert not any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)


def test_the_pima_data_are_split_before_anything_is_learned(notebook):
    code = runnable_code(notebook)
    assert "load_pima()" in code
    split = the_cell(notebook, "train_test_split(").source
    assert "stratify=outcome" in split and "random_state=42" in split
    assert "StandardScaler().fit(x_train)" in code
    assert "fit(x_test" not in code and "fit_transform" not in code
    for call in ("keras.datasets", "get_file", "urlopen", "requests."):
        assert call not in code


def test_the_models_are_judged_on_the_test_rows(notebook):
    code = runnable_code(notebook)
    assert "evaluate(x_test_scaled, y_test" in code
    assert "evaluate(test_inputs, y_test" in code
    assert "keras.backend.clear_session()" in code


def test_the_stored_batch_size_table_comes_from_a_full_run(notebook):
    text = output_text(the_cell(notebook, "batch_results = "))
    for column in ("batch size", "test accuracy", "training time (s)"):
        assert column in text
    rows = re.findall(r"^\d+\s+(\d+)\s+(\d+)\s", text, re.M)
    assert [int(size) for size, _ in rows] == [1, 100, 614]  # 614 training rows: 80 % of 768
    assert [int(updates) for _, updates in rows] == [614, 7, 1]


def test_the_learning_rates_use_the_keras_3_argument(notebook):
    code = runnable_code(notebook)
    assert "SGD(learning_rate=rate)" in code
    assert "[0.0001, 0.75]" in code
    assert not re.search(r"\blr\s*=", code), "Keras 3 rejects lr=; use learning_rate="


def test_every_challenge_has_blanks_then_a_solution(notebook):
    cells = notebook.cells
    blanks = [i for i, cell in enumerate(cells)
              if cell.cell_type == "code" and "skip-execution" in cell.metadata.get("tags", [])]
    assert len(blanks) == 3
    for i in blanks:
        assert "___" in cells[i].source
        assert "nbval-skip" in cells[i].metadata.get("tags", [])
        assert cells[i - 1].cell_type == "markdown" and cells[i - 1].source.startswith("> ### Challenge")
        assert cells[i + 1].cell_type == "markdown" and cells[i + 1].source.startswith("> #### Hint")
        assert cells[i + 2].cell_type == "markdown" and cells[i + 2].source.startswith("> #### Solution")
        assert cells[i + 3].cell_type == "code"
