"""The conceptual pictures in helpers.diagrams and the PNG files drawn from them."""

import re
import struct
from pathlib import Path

import matplotlib.pyplot as plt
import matplotlib.text
import numpy as np
import pytest
from matplotlib.figure import Figure
from scipy.signal import correlate2d

from helpers import diagrams
from helpers.lesson import create_model_dropout, create_model_intro
from scripts import draw_diagrams

ROOT = Path(__file__).resolve().parent.parent

FIXED = {
    "neuron": diagrams.draw_neuron,
    "dense_network": diagrams.draw_dense_network,
    "convolution": diagrams.draw_convolution,
    "max_pooling": diagrams.draw_max_pooling,
    "dropout": diagrams.draw_dropout,
    "transfer_learning": diagrams.draw_transfer_learning,
}


def texts(figure):
    """Every non-empty piece of text in a figure, in the order it was drawn."""
    return [t.get_text() for t in figure.findobj(matplotlib.text.Text) if t.get_text()]


@pytest.mark.parametrize("name", FIXED)
def test_each_function_returns_a_figure_and_leaves_no_pyplot_figure_open(name):
    plt.close("all")
    figure = FIXED[name]()
    assert isinstance(figure, Figure)
    assert plt.get_fignums() == []


@pytest.mark.parametrize("name", FIXED)
def test_no_text_is_smaller_than_11_points(name):
    figure = FIXED[name]()
    sizes = [t.get_fontsize() for t in figure.findobj(matplotlib.text.Text) if t.get_text()]
    assert sizes and min(sizes) >= 11


def test_feature_map_matches_scipy():
    expected = correlate2d(diagrams.CONV_IMAGE, diagrams.CONV_KERNEL, mode="valid")
    np.testing.assert_array_equal(diagrams.feature_map(diagrams.CONV_IMAGE, diagrams.CONV_KERNEL), expected)


def test_the_convolution_figure_writes_out_correct_arithmetic():
    row, col = diagrams.CONV_POSITION
    patch = diagrams.CONV_IMAGE[row:row + 3, col:col + 3]
    expected_total = int(np.sum(patch * diagrams.CONV_KERNEL))
    arithmetic = next(t for t in texts(diagrams.draw_convolution()) if t.startswith("output["))
    numbers = [int(n) for n in re.findall(r"-?\d+", arithmetic.replace("\N{MINUS SIGN}", "-"))]
    # output[row, col], then nine (pixel, weight) pairs, then the total
    assert numbers[:2] == [row, col]
    pairs = np.array(numbers[2:-1]).reshape(9, 2)
    np.testing.assert_array_equal(pairs[:, 0], patch.flatten())
    np.testing.assert_array_equal(pairs[:, 1], diagrams.CONV_KERNEL.flatten())
    assert numbers[-1] == expected_total
    assert str(expected_total).replace("-", "\N{MINUS SIGN}") in diagrams.ALT_TEXT["convolution"]


def test_the_convolution_figure_shows_every_feature_map_value():
    shown = texts(diagrams.draw_convolution())
    output = correlate2d(diagrams.CONV_IMAGE, diagrams.CONV_KERNEL, mode="valid")
    written = [str(n).replace("-", "\N{MINUS SIGN}") for n in output.flat]
    position = shown.index("feature map (4×4)")
    assert shown[position - 16:position] == written


def test_max_pooling_keeps_numpys_maximum_of_each_window():
    values = diagrams.POOL_VALUES
    expected = [[values[r:r + 2, c:c + 2].max() for c in (0, 2)] for r in (0, 2)]
    np.testing.assert_array_equal(diagrams.max_pool_2x2(values), expected)
    shown = texts(diagrams.draw_max_pooling())
    # the 16 input numbers come first, then the 4 results
    assert shown[16:20] == [str(n) for n in np.ravel(expected)]


def test_max_pool_2x2_on_a_grid_with_the_maximum_in_every_corner():
    values = np.arange(16).reshape(4, 4)
    np.testing.assert_array_equal(diagrams.max_pool_2x2(values), [[5, 7], [13, 15]])


def summary_rows(model):
    """(output shape, parameter count) of each layer, as model.summary() prints them."""
    printed = []
    model.summary(print_fn=lambda line, **kwargs: printed.append(line))
    rows = re.findall(r"│ \S+ \(\w+\)\s+│ \(None, ([\d, ]+)\)\s+│\s+([\d,]+) │", "\n".join(printed))
    return [("×".join(shape.split(", ")), count) for shape, count in rows]


@pytest.mark.parametrize("create_model", [create_model_intro, create_model_dropout])
def test_model_blocks_show_each_layers_shape_and_parameters_as_the_summary_counts_them(create_model):
    import keras

    keras.backend.clear_session()  # short layer names: a long one is cut short in the summary's table
    model = create_model()
    rows = summary_rows(model)
    assert len(rows) == len(model.layers)
    shown = texts(diagrams.draw_model_blocks(model))
    position = 0
    for shape, count in rows:  # in order, one box after another
        position = shown.index(shape, position) + 1
        assert shown[position] == count
    assert shown[-1] == f"total: {model.count_params():,} parameters"


def test_intro_model_blocks_name_every_layer_and_the_total_79530():
    model = create_model_intro()
    shown = texts(diagrams.draw_model_blocks(model))
    assert "total: 79,530 parameters" in shown
    assert "Conv2D 16 3×3 relu" in shown
    assert "Dense 10 softmax" in shown
    assert "30×30×16" in shown


def is_sentence(text):
    return text[0].isupper() and text.endswith(".") and len(text.split()) >= 8


def test_alt_texts_are_full_sentences_for_the_fixed_pictures():
    assert set(diagrams.ALT_TEXT) == set(FIXED)
    assert all(is_sentence(text) for text in diagrams.ALT_TEXT.values())


@pytest.mark.parametrize("create_model", [create_model_intro, create_model_dropout])
def test_model_alt_text_names_every_layer_in_order_with_the_total(create_model):
    model = create_model()
    text = diagrams.model_blocks_alt_text(model)
    assert is_sentence(text)
    position = 0
    for layer in model.layers:
        name = type(layer).__name__.removesuffix("Layer")
        position = text.index(name, position) + len(name)
        shape = "×".join(str(n) for n in layer.output.shape[1:])
        assert text.index(shape, position) > position
    assert f"{model.count_params():,} parameters" in text


def png_size(path):
    """Width and height of a PNG file, read from its header."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG file"
    return struct.unpack(">II", data[16:24])


def test_every_png_in_episodes_figures_is_a_drawn_figure_of_the_right_size():
    figures = draw_diagrams.draw_all()
    on_disk = {path.stem: path for path in draw_diagrams.FIGURES.glob("*.png")}
    assert set(on_disk) == set(figures)
    for name, figure in figures.items():
        expected = tuple(int(round(n)) for n in figure.get_size_inches() * draw_diagrams.DPI)
        assert png_size(on_disk[name]) == expected, name
    assert set(figures) - {"intro_model_blocks"} == set(diagrams.ALT_TEXT)
