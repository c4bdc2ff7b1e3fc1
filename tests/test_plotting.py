"""Tests for helpers.plotting: image grids, training curves, descent paths and explorer figures.

Each test inspects the figure the helper drew through ``plt.gcf()``.
"""

import types

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from helpers.data import CLASS_NAMES
from helpers.plotting import plot_filtered, plot_history, plot_images, plot_predictions


@pytest.fixture(autouse=True)
def no_figures_left(monkeypatch):
    """Start and end every test with no open figure; count calls to plt.show.

    plt.show is replaced by a counter: with the Agg backend the real one warns
    "FigureCanvasAgg is non-interactive" on macOS, Windows and Linux with a
    DISPLAY, and pytest turns that warning into a failure.
    """
    plt.close("all")
    shown = []
    monkeypatch.setattr(plt, "show", lambda *args, **kwargs: shown.append(plt.gcf()))
    yield shown
    plt.close("all")


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
    ],
    ids=["integers (n,)", "integers (n, 1)", "one-hot (n, 10)"],
)
def test_plot_images_titles_25_images_with_class_names(make_labels, no_figures_left):
    labels = integer_labels(30)
    plot_images(random_images(30), make_labels(labels), CLASS_NAMES)
    figure = plt.gcf()
    assert len(figure.axes) == 25
    assert titles(figure) == [CLASS_NAMES[label] for label in labels[:25]]
    assert all(len(ax.images) == 1 for ax in figure.axes)
    assert no_figures_left == [figure]  # drawn once and shown once
    assert plt.get_fignums() == [figure.number]


def test_plot_images_shows_the_images_given():
    images = random_images(25)
    plot_images(images, integer_labels(25), CLASS_NAMES)
    shown = [np.asarray(ax.images[0].get_array()) for ax in plt.gcf().axes]
    np.testing.assert_array_equal(shown[0], images[0])
    np.testing.assert_array_equal(shown[24], images[24])


def test_plot_images_with_fewer_than_25_images():
    labels = integer_labels(7)
    plot_images(random_images(7), labels, CLASS_NAMES)
    figure = plt.gcf()
    assert len(figure.axes) == 25  # the grid keeps its size; the rest stays empty
    assert titles(figure)[:7] == [CLASS_NAMES[label] for label in labels]
    assert titles(figure)[7:] == [""] * 18
    assert sum(len(ax.images) for ax in figure.axes) == 7


@pytest.mark.parametrize("shape", [(30, 3), (30, 10, 1), (30, 2, 5)])
def test_plot_images_rejects_wrong_label_shape(shape):
    with pytest.raises(ValueError, match=r"shape \(n,\) or \(n, 1\)"):
        plot_images(random_images(30), np.zeros(shape, dtype=int), CLASS_NAMES)
    assert plt.get_fignums() == []


def test_plot_images_rejects_label_count_mismatch():
    with pytest.raises(ValueError, match="30 images but 29 labels"):
        plot_images(random_images(30), integer_labels(29), CLASS_NAMES)
    assert plt.get_fignums() == []


@pytest.mark.parametrize("bad_value", [10, -1])
def test_plot_images_rejects_out_of_range_labels(bad_value):
    labels = integer_labels(30)
    labels[4] = bad_value
    with pytest.raises(ValueError, match="between 0 and 9"):
        plot_images(random_images(30), labels, CLASS_NAMES)
    assert plt.get_fignums() == []


def test_plot_images_rejects_no_images():
    with pytest.raises(ValueError, match="no images"):
        plot_images(np.empty((0, 32, 32, 3), np.uint8), np.empty((0,), int), CLASS_NAMES)
    assert plt.get_fignums() == []


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
def test_plot_history_one_panel_per_metric(history, no_figures_left):
    plot_history(history, ["loss", "mae"])
    figure = plt.gcf()
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
    assert no_figures_left == [figure]


def test_plot_history_accepts_a_single_metric_name():
    plot_history(HISTORY, "accuracy")
    figure = plt.gcf()
    assert titles(figure) == ["accuracy"]
    np.testing.assert_allclose(data_lines(figure.axes[0])[0].get_ydata(), HISTORY["accuracy"])


def test_plot_history_unknown_metric_lists_available_names():
    with pytest.raises(ValueError) as caught:
        plot_history(HISTORY, ["loss", "categorical_accuracy"])
    message = str(caught.value)
    assert "categorical_accuracy" in message
    for name in HISTORY:
        assert repr(name) in message
    assert plt.get_fignums() == []


# --- plot_descent -----------------------------------------------------------------------------

def test_plot_descent_draws_the_curve_the_path_and_the_start():
    from helpers.gradient_descent import descend
    from helpers.plotting import plot_descent

    plot_descent(descend(learning_rate=0.05, iterations=25), learning_rate=0.05)
    (ax,) = plt.gcf().axes
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["loss (x - 3)²", "steps", "start"]
    assert len(ax.get_lines()[1].get_xdata()) == 26
    assert "learning rate 0.05" in ax.get_title()


def test_plot_descent_titles_the_learning_rate_as_the_explorers_slider_shows_it():
    from helpers.gradient_descent import descend
    from helpers.plotting import plot_descent

    plot_descent(descend(learning_rate=0.0144544, iterations=5), learning_rate=0.0144544)
    assert plt.gcf().axes[0].get_title().startswith("learning rate 0.0145:")  # three digits, like the slider


def test_plot_descent_draws_into_a_given_panel_without_a_new_figure():
    from helpers.gradient_descent import descend
    from helpers.plotting import plot_descent

    fig, axes = plt.subplots(1, 2)
    plot_descent(descend(learning_rate=0.5, iterations=3), 0.5, ax=axes[1])
    assert plt.gcf() is fig and len(axes[1].get_lines()) == 3 and not axes[0].get_lines()


@pytest.mark.parametrize("positions", [[], [[1.0, 2.0]], [1.0, float("inf")]])
def test_plot_descent_rejects_positions_it_cannot_draw(positions):
    from helpers.plotting import plot_descent

    with pytest.raises(ValueError, match="positions"):
        plot_descent(positions, 0.1)


# --- plot_filtered ----------------------------------------------------------------------------

def test_plot_filtered_shows_input_kernel_and_result(no_figures_left):
    image = np.linspace(0, 1, 30, dtype="float32").reshape(5, 6)
    kernel = np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype="float32")
    plot_filtered(image, kernel, image[1:-1, 1:-1], "sharpen")
    (figure,) = no_figures_left
    assert titles(figure) == ["grey-scale input", "kernel", "after the sharpen kernel"]
    assert [text.get_text() for text in figure.axes[1].texts] == ["0", "-1", "0", "-1", "5", "-1", "0", "-1", "0"]
    assert figure.axes[2].get_images()[0].get_array().shape == (3, 4)


def test_plot_filtered_names_an_unnamed_kernel_yours(no_figures_left):
    plot_filtered(np.zeros((4, 4), dtype="float32"), np.zeros((3, 3)), np.zeros((2, 2), dtype="float32"))
    assert titles(plt.gcf())[2] == "after your kernel"


# --- plot_predictions -------------------------------------------------------------------------

def test_plot_predictions_draws_one_row_per_image_with_coloured_bars(no_figures_left):
    probabilities = np.full((4, 10), 0.02, dtype="float32")
    probabilities[:, 5] = 0.82  # the model says "dog" every time
    true_classes = np.array([5, 3, 5, 0])
    plot_predictions(random_images(4), true_classes, probabilities, CLASS_NAMES, [1, 2], title="two images")
    (figure,) = no_figures_left
    assert len(figure.axes) == 4 and figure.get_suptitle() == "two images"
    assert titles(figure)[0] == "image 1\ntrue: cat\npredicted: dog"
    bars = figure.axes[1].patches
    assert [bar.get_width() for bar in bars] == pytest.approx(probabilities[1])
    assert [tick.get_text() for tick in figure.axes[1].get_yticklabels()] == CLASS_NAMES
    colours = [to_hex(bar.get_facecolor()) for bar in bars]
    assert colours[5] == to_hex("tab:red") and colours[3] == to_hex("tab:green")
    assert colours.count(to_hex("lightgrey")) == 8
    right_answer = [to_hex(bar.get_facecolor()) for bar in figure.axes[3].patches]
    assert right_answer[5] == to_hex("tab:green") and right_answer.count(to_hex("lightgrey")) == 9


def test_plot_predictions_needs_at_least_one_image():
    with pytest.raises(ValueError, match="no images"):
        plot_predictions(random_images(2), np.zeros(2, dtype=int), np.full((2, 10), 0.1), CLASS_NAMES, [])
