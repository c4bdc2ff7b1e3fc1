"""Tests for helpers.plotting: image grids, training curves, descent paths and explorer figures.

Each plotting function returns its figure, taken out of pyplot's list of open
figures; the tests inspect that figure. The last test runs a small notebook to
check that Jupyter shows a returned figure exactly once.
"""

import os
import types
from pathlib import Path

import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from nbclient import NotebookClient

from helpers import plotting
from helpers.data import CLASS_NAMES
from helpers.gradient_descent import descend
from helpers.plotting import label_indices, plot_descent, plot_filtered, plot_history, plot_images, plot_predictions

REPOSITORY = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def no_figures_left_open():
    """Fail a test that leaves a figure open in pyplot (open figures pile up in a script)."""
    plt.close("all")
    yield
    left_open = plt.get_fignums()
    plt.close("all")
    assert left_open == [], "a plotting function left its figure open in pyplot"


def random_images(count):
    return np.random.default_rng(0).integers(0, 256, (count, 32, 32, 3), dtype=np.uint8)


def integer_labels(count):
    return (np.arange(count) * 3) % 10  # 0, 3, 6, 9, 2, ...: every class, not in order


def titles(figure):
    return [ax.get_title() for ax in figure.axes]


# --- plot_images ------------------------------------------------------------------------

@pytest.mark.parametrize(
    "make_labels",
    [
        lambda labels: labels,
        lambda labels: labels.reshape(-1, 1),
        lambda labels: np.eye(10)[labels],
        lambda labels: labels.astype(float),
    ],
    ids=["integers (n,)", "integers (n, 1)", "one-hot (n, 10)", "whole floats (n,)"],
)
def test_plot_images_titles_25_images_with_class_names(make_labels):
    labels = integer_labels(30)
    figure = plot_images(random_images(30), make_labels(labels), CLASS_NAMES)
    assert isinstance(figure, Figure)
    assert len(figure.axes) == 25
    assert titles(figure) == [CLASS_NAMES[label] for label in labels[:25]]
    assert all(len(ax.images) == 1 for ax in figure.axes)


def test_plot_images_shows_the_images_given():
    images = random_images(25)
    figure = plot_images(images, integer_labels(25), CLASS_NAMES)
    shown = [np.asarray(ax.images[0].get_array()) for ax in figure.axes]
    np.testing.assert_array_equal(shown[0], images[0])
    np.testing.assert_array_equal(shown[24], images[24])


def test_plot_images_with_fewer_than_25_images():
    labels = integer_labels(7)
    figure = plot_images(random_images(7), labels, CLASS_NAMES)
    assert len(figure.axes) == 25  # the grid keeps its size; the rest stays empty
    assert titles(figure)[:7] == [CLASS_NAMES[label] for label in labels]
    assert titles(figure)[7:] == [""] * 18
    assert sum(len(ax.images) for ax in figure.axes) == 7


@pytest.mark.parametrize("label", [3, np.array([3]), np.eye(10)[3], [3]],
                         ids=["number", "array (1,) as in CIFAR-10", "one-hot vector", "list"])
def test_plot_images_draws_a_single_image_with_its_label(label):
    image = random_images(1)[0]
    figure = plot_images(image, label, CLASS_NAMES)
    assert titles(figure)[0] == "cat" and titles(figure)[1:] == [""] * 24
    np.testing.assert_array_equal(figure.axes[0].images[0].get_array(), image)


def test_plot_images_draws_a_batch_of_one():
    figure = plot_images(random_images(1), [3], CLASS_NAMES)
    assert titles(figure)[0] == "cat" and sum(len(ax.images) for ax in figure.axes) == 1


def test_a_single_image_needs_a_single_label():
    with pytest.raises(ValueError, match="One image needs one label.*got 2 values"):
        plot_images(random_images(1)[0], [3, 4], CLASS_NAMES)


def test_plot_images_accepts_float_images_from_0_to_1():
    images = random_images(3) / 255
    figure = plot_images(images, [0, 1, 2], CLASS_NAMES)
    np.testing.assert_allclose(figure.axes[0].images[0].get_array(), images[0])


@pytest.mark.parametrize("shape", [(30, 3), (30, 10, 1), (30, 2, 5)])
def test_plot_images_rejects_wrong_label_shape(shape):
    with pytest.raises(ValueError, match=r"shape \(n,\) or \(n, 1\)"):
        plot_images(random_images(30), np.zeros(shape, dtype=int), CLASS_NAMES)


def test_plot_images_rejects_label_count_mismatch():
    with pytest.raises(ValueError, match="30 images but 29 labels"):
        plot_images(random_images(30), integer_labels(29), CLASS_NAMES)


@pytest.mark.parametrize("bad_value", [10, -1])
def test_plot_images_rejects_out_of_range_labels(bad_value):
    labels = integer_labels(30)
    labels[4] = bad_value
    with pytest.raises(ValueError, match="between 0 and 9"):
        plot_images(random_images(30), labels, CLASS_NAMES)


@pytest.mark.parametrize("labels", [["cat", "dog"], np.array(["cat", "dog"], dtype=object), [None, 3]],
                         ids=["strings", "objects", "None"])
def test_plot_images_rejects_labels_that_are_not_numbers(labels):
    with pytest.raises(TypeError, match="Labels must be class numbers or one-hot vectors"):
        plot_images(random_images(2), labels, CLASS_NAMES)


def test_text_labels_are_refused_with_the_label_received():
    with pytest.raises(TypeError, match="such as 'cat'"):
        label_indices(["cat", "dog"], 10)


@pytest.mark.parametrize("bad_value, shown", [(2.5, "2.5"), (np.nan, "nan")])
def test_plot_images_names_a_label_that_is_not_a_whole_number(bad_value, shown):
    labels = integer_labels(6).astype(float)
    labels[4] = bad_value
    with pytest.raises(ValueError, match=f"whole class numbers from 0 to 9; label 4 is {shown}"):
        plot_images(random_images(6), labels, CLASS_NAMES)


def test_an_infinite_label_is_named_as_out_of_range():
    with pytest.raises(ValueError, match="between 0 and 9.*got values from 0.0 to inf"):
        plot_images(random_images(3), [0.0, np.inf, 2.0], CLASS_NAMES)


def test_one_hot_labels_with_nan_are_refused():
    labels = np.eye(10)[integer_labels(4)]
    labels[2, 5] = np.nan
    with pytest.raises(ValueError, match="got nan"):
        plot_images(random_images(4), labels, CLASS_NAMES)


@pytest.mark.parametrize("labels", [[], np.empty((0, 1)), np.empty((0, 10))])
def test_empty_labels_are_refused(labels):
    with pytest.raises(ValueError, match="no labels: got an empty array"):
        label_indices(labels, 10)
    with pytest.raises(ValueError, match="no labels"):
        plot_images(random_images(3), labels, CLASS_NAMES)


@pytest.mark.parametrize("images", [np.empty((0, 32, 32, 3), np.uint8), np.array([]), []],
                         ids=["no images (0, 32, 32, 3)", "empty array", "empty list"])
def test_plot_images_rejects_no_images(images):
    with pytest.raises(ValueError, match="no images to plot: got an empty array"):
        plot_images(images, np.empty((0,), int), CLASS_NAMES)


@pytest.mark.parametrize("shape", [(5, 32, 32), (5, 32, 32, 1), (32, 32), (5, 4, 32, 32, 3)])
def test_plot_images_asks_for_colour_images(shape):
    with pytest.raises(ValueError, match=rf"shape \(n, height, width, 3\).*got shape \({shape[0]}, "):
        plot_images(np.zeros(shape, np.uint8), integer_labels(5), CLASS_NAMES)


def test_plot_images_rejects_images_that_are_not_numbers():
    with pytest.raises(TypeError, match="Images must hold numbers"):
        plot_images(np.full((2, 4, 4, 3), "a"), [0, 1], CLASS_NAMES)


def test_float_images_above_1_are_refused_with_advice():
    images = random_images(3).astype("float32")  # pixel values from 0 to 255, as image_dataset_from_directory gives
    with pytest.raises(ValueError, match=r"from 0 to 1; got values from 0.0 to 255.0.*astype\('uint8'\)"):
        plot_images(images, [0, 1, 2], CLASS_NAMES)


def test_negative_float_images_are_refused():
    with pytest.raises(ValueError, match="from 0 to 1; got values from -0.5"):
        plot_images(np.full((2, 4, 4, 3), -0.5), [0, 1], CLASS_NAMES)


def test_float_images_with_nan_are_refused():
    images = random_images(2) / 255
    images[1, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="nan or inf"):
        plot_images(images, [0, 1], CLASS_NAMES)


@pytest.mark.parametrize("bad_value", [300, -1])
def test_integer_images_outside_0_to_255_are_refused(bad_value):
    images = random_images(2).astype(int)
    images[1, 5, 5, 1] = bad_value
    with pytest.raises(ValueError, match=f"pixel values from 0 to 255; got values from {min(bad_value, 0)}"):
        plot_images(images, [0, 1], CLASS_NAMES)


def test_only_the_25_images_drawn_need_drawable_values():
    images = random_images(30).astype(int)
    images[27] = 1000  # not drawn
    plot_images(images, integer_labels(30), CLASS_NAMES)


# --- plot_history -------------------------------------------------------------------------

HISTORY = {
    "loss": [2.0, 1.5, 1.2, 1.0],
    "accuracy": [0.3, 0.45, 0.55, 0.6],
    "val_loss": [2.1, 1.7, 1.5, 1.45],
    "mae": [0.9, 0.8, 0.7, 0.65],  # no validation curve
}


def data_lines(ax):
    """The curves drawn with data (the legend's sample lines have none)."""
    return [line for line in ax.get_lines() if len(line.get_xdata())]


def legend_labels(ax):
    return [text.get_text() for text in ax.get_legend().get_texts()]


@pytest.mark.parametrize(
    "history",
    [
        types.SimpleNamespace(history=HISTORY),  # what model.fit returns has .history
        HISTORY,
        pd.DataFrame(HISTORY),
    ],
    ids=["History-like", "dict", "DataFrame"],
)
def test_plot_history_one_panel_per_metric(history):
    figure = plot_history(history, ["loss", "mae"])
    assert titles(figure) == ["loss", "mae"]
    loss, mae = figure.axes
    assert legend_labels(loss) == ["training", "validation"]
    assert legend_labels(mae) == ["training"]
    training, validation = data_lines(loss)
    np.testing.assert_array_equal(training.get_xdata(), [1, 2, 3, 4])  # epochs count from 1
    np.testing.assert_allclose(training.get_ydata(), HISTORY["loss"])
    np.testing.assert_allclose(validation.get_ydata(), HISTORY["val_loss"])
    assert len(data_lines(mae)) == 1
    assert loss.get_xlabel() == "epoch" and loss.get_ylabel() == "loss"
    # Training and validation differ in marker and line style, not only in colour.
    assert training.get_marker() != validation.get_marker()
    assert training.get_linestyle() != validation.get_linestyle()


def test_plot_history_accepts_a_single_metric_name():
    figure = plot_history(HISTORY, "accuracy")
    assert titles(figure) == ["accuracy"]
    np.testing.assert_allclose(data_lines(figure.axes[0])[0].get_ydata(), HISTORY["accuracy"])


def test_plot_history_unknown_metric_lists_available_names():
    with pytest.raises(ValueError) as caught:
        plot_history(HISTORY, ["loss", "categorical_accuracy"])
    message = str(caught.value)
    assert "categorical_accuracy" in message
    for name in HISTORY:
        assert repr(name) in message


# --- plot_descent -----------------------------------------------------------------------------

def test_plot_descent_draws_the_curve_the_path_and_the_start():
    figure = plot_descent(descend(learning_rate=0.05, iterations=25), learning_rate=0.05)
    (ax,) = figure.axes
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["loss (x - 3)²", "steps", "start"]
    assert len(ax.get_lines()[1].get_xdata()) == 26
    assert "learning rate 0.05" in ax.get_title()


def test_plot_descent_titles_the_learning_rate_as_the_explorers_slider_shows_it():
    figure = plot_descent(descend(learning_rate=0.0144544, iterations=5), learning_rate=0.0144544)
    assert figure.axes[0].get_title().startswith("learning rate 0.0145:")  # three digits, like the slider


def test_plot_descent_draws_into_a_given_panel_and_leaves_its_figure_open():
    fig, axes = plt.subplots(1, 2)
    returned = plot_descent(descend(learning_rate=0.5, iterations=3), 0.5, ax=axes[1])
    assert returned is fig and len(axes[1].get_lines()) == 3 and not axes[0].get_lines()
    assert plt.get_fignums() == [fig.number]  # the caller's figure: still theirs to show
    plt.close(fig)


@pytest.mark.parametrize("positions", [[], [[1.0, 2.0]], [1.0, float("inf")]])
def test_plot_descent_rejects_positions_it_cannot_draw(positions):
    with pytest.raises(ValueError, match="positions"):
        plot_descent(positions, 0.1)


# --- plot_filtered ----------------------------------------------------------------------------

def test_plot_filtered_shows_input_kernel_and_result():
    image = np.linspace(0, 1, 30, dtype="float32").reshape(5, 6)
    kernel = np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype="float32")
    figure = plot_filtered(image, kernel, image[1:-1, 1:-1], "sharpen")
    assert titles(figure) == ["grey-scale input", "kernel", "after the sharpen kernel"]
    assert [text.get_text() for text in figure.axes[1].texts] == ["0", "-1", "0", "-1", "5", "-1", "0", "-1", "0"]
    assert figure.axes[2].get_images()[0].get_array().shape == (3, 4)


def test_plot_filtered_names_an_unnamed_kernel_yours():
    figure = plot_filtered(np.zeros((4, 4), dtype="float32"), np.zeros((3, 3)), np.zeros((2, 2), dtype="float32"))
    assert titles(figure)[2] == "after your kernel"


# --- plot_predictions -------------------------------------------------------------------------

def test_plot_predictions_draws_one_row_per_image_with_marked_bars():
    probabilities = np.full((4, 10), 0.02, dtype="float32")
    probabilities[:, 5] = 0.82  # the model says "dog" every time
    true_classes = np.array([5, 3, 5, 0])
    figure = plot_predictions(random_images(4), true_classes, probabilities, CLASS_NAMES, [1, 2], title="two images")
    assert len(figure.axes) == 4 and figure.get_suptitle() == "two images"
    assert titles(figure)[0] == "image 1\ntrue: cat\npredicted: dog"
    bars = figure.axes[1].patches
    assert [bar.get_width() for bar in bars] == pytest.approx(probabilities[1])
    colours = [to_hex(bar.get_facecolor()) for bar in bars]
    assert colours[5] == to_hex(plotting.WRONG_ANSWER_COLOUR) and colours[3] == to_hex(plotting.TRUE_CLASS_COLOUR)
    assert colours.count(to_hex("lightgrey")) == 8
    right_answer = [to_hex(bar.get_facecolor()) for bar in figure.axes[3].patches]
    assert right_answer[5] == to_hex(plotting.TRUE_CLASS_COLOUR) and right_answer.count(to_hex("lightgrey")) == 9


def test_plot_predictions_does_not_rely_on_colour_alone():
    """Words in the labels and hatching mark the true class and a wrong answer, for readers without colour vision."""
    probabilities = np.full((2, 10), 0.02, dtype="float32")
    probabilities[:, 5] = 0.82
    figure = plot_predictions(random_images(2), np.array([3, 5]), probabilities, CLASS_NAMES, [0, 1])
    wrong, right = figure.axes[1], figure.axes[3]
    wrong_labels = [tick.get_text() for tick in wrong.get_yticklabels()]
    assert wrong_labels[3] == "cat (true)" and wrong_labels[5] == "dog (wrong answer)"
    assert [label for i, label in enumerate(wrong_labels) if i not in (3, 5)] == [
        name for i, name in enumerate(CLASS_NAMES) if i not in (3, 5)]
    assert [tick.get_text() for tick in right.get_yticklabels()][5] == "dog (true, right answer)"
    hatches = [bar.get_hatch() or "" for bar in wrong.patches]
    assert hatches[5] and not hatches[3] and hatches.count("") == 9
    assert not any(bar.get_hatch() for bar in right.patches)


def test_line_styles_differ_in_more_than_colour():
    styles = list(plotting.LINE_STYLES)
    assert len(styles) == 6
    for key in ("color", "marker", "linestyle"):
        assert len({str(style[key]) for style in styles}) == 6, key


def test_the_palette_is_the_colour_blind_safe_one():
    assert plotting.COLOUR_BLIND_SAFE[:3] == ["#0072B2", "#E69F00", "#009E73"]  # Okabe and Ito's blue, orange, green
    assert plotting.TRUE_CLASS_COLOUR != plotting.WRONG_ANSWER_COLOUR


def test_plot_predictions_needs_at_least_one_image():
    with pytest.raises(ValueError, match="no images"):
        plot_predictions(random_images(2), np.zeros(2, dtype=int), np.full((2, 10), 0.1), CLASS_NAMES, [])


# --- every figure: returned, closed in pyplot, and savable ------------------------------------

def every_plot():
    """One call of each plotting function, as (name, figure)."""
    probabilities = np.full((2, 10), 0.1)
    image = np.zeros((5, 5), dtype="float32")
    return [
        ("plot_images", plot_images(random_images(3), [0, 1, 2], CLASS_NAMES)),
        ("plot_history", plot_history(HISTORY, "loss")),
        ("plot_descent", plot_descent(descend(learning_rate=0.1, iterations=3), 0.1)),
        ("plot_filtered", plot_filtered(image, np.ones((3, 3)), image[1:-1, 1:-1])),
        ("plot_predictions", plot_predictions(random_images(2), [0, 1], probabilities, CLASS_NAMES, [0])),
    ]


def test_every_plot_returns_its_figure_and_leaves_pyplot_without_open_figures(tmp_path):
    plt.figure()  # the learner's own current figure stays current and untouched
    mine = plt.gcf()
    for name, figure in every_plot():
        assert isinstance(figure, Figure), name
        assert figure.number not in plt.get_fignums(), f"{name} left its figure open in pyplot"
        figure.savefig(tmp_path / f"{name}.png")
        assert (tmp_path / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert plt.gcf() is mine and not mine.axes
    plt.close(mine)


def test_jupyter_shows_a_returned_figure_once(tmp_path):
    """A plot on a cell's last line shows once; kept in a variable, it shows only when asked.

    This runs a real kernel with Jupyter's own inline backend, as the episodes do.
    """
    cells = [
        "from helpers.plotting import plot_descent, plot_images\n"
        "import matplotlib.pyplot as plt",
        "plot_images([[[[0, 0, 0]]]], [3], list('abcdefghij'))",
        "fig = plot_images([[[[0, 0, 0]]]], [3], list('abcdefghij'))",
        "display(fig)",
        "fig",
        "x = plot_descent([1.0, 2.0], 0.5)\nplt.show()",
        "fig, axes = plt.subplots(1, 2)\nfor ax in axes:\n    plot_descent([1.0, 2.0], 0.5, ax=ax)\nplt.show()",
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    env = {key: value for key, value in os.environ.items() if key != "MPLBACKEND"}  # Jupyter's inline backend
    env["PYTHONPATH"] = os.pathsep.join([str(REPOSITORY), env.get("PYTHONPATH", "")])  # this checkout's helpers
    client = NotebookClient(notebook, timeout=60, kernel_name="python3")
    with client.setup_kernel(env=env, cwd=str(tmp_path)):
        for index, cell in enumerate(notebook.cells):
            client.execute_cell(cell, index)
    pngs = [sum("image/png" in output.get("data", {}) for output in cell.outputs) for cell in notebook.cells]
    errors = [output for cell in notebook.cells for output in cell.outputs if output.output_type == "error"]
    assert errors == []
    assert pngs == [0, 1, 0, 1, 1, 0, 1]
