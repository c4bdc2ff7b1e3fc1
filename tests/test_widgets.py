"""Tests for helpers.widgets: the explorers' sliders, their redraws and the static fallback.

No browser is needed: the tests build the widget objects, change slider
values from Python and look at what was displayed: the explorers show
widgets and figures with IPython's ``display``, which the tests record.
"""

import os
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pytest
from matplotlib.figure import Figure
from nbclient import NotebookClient

from helpers import widgets
from helpers.gradient_descent import descend

REPOSITORY = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def displayed(monkeypatch):
    """Record everything the explorers display; fail a test that leaves a figure open in pyplot."""
    plt.close("all")
    objects = []
    monkeypatch.setattr("IPython.display.display", lambda *shown, **kwargs: objects.extend(shown))
    yield objects
    left_open = plt.get_fignums()
    plt.close("all")
    assert left_open == [], "an explorer left a figure open in pyplot"


@pytest.fixture
def live_widgets(monkeypatch, displayed):
    """Pretend to be in Jupyter with a widget front end; return what gets displayed."""
    monkeypatch.delenv("LESSON_STATIC_WIDGETS", raising=False)
    return displayed


@pytest.fixture
def static_figures(monkeypatch, displayed):
    """Ask for static figures instead of widgets; return what gets displayed."""
    monkeypatch.setenv("LESSON_STATIC_WIDGETS", "1")
    return displayed


def figures_in(displayed):
    return [shown for shown in displayed if isinstance(shown, Figure)]


def explorer_in(displayed):
    """The one box of widgets an explorer displayed (the rest are its figures)."""
    (box,) = [shown for shown in displayed if not isinstance(shown, Figure)]
    return box


@pytest.fixture
def draws(monkeypatch):
    """Replace plot_descent in helpers.widgets by a recorder of its arguments."""
    calls = []

    def record(positions, rate, ax=None):
        calls.append((positions, rate))
        return Figure()

    monkeypatch.setattr(widgets, "plot_descent", record)
    return calls


def sliders_of(box):
    """The learning-rate and iterations sliders of a displayed explorer."""
    controls, output = box.children
    return controls.children


# --- when to draw static figures ----------------------------------------------------------

@pytest.mark.parametrize("value", ["1", "true", "yes"])
def test_widgets_are_not_available_when_static_figures_are_asked_for(monkeypatch, value):
    monkeypatch.setenv("LESSON_STATIC_WIDGETS", value)
    assert widgets.widgets_available() is False


@pytest.mark.parametrize("value", [None, "", "0"])
def test_widgets_are_available_in_jupyter_with_ipywidgets(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("LESSON_STATIC_WIDGETS", raising=False)
    else:
        monkeypatch.setenv("LESSON_STATIC_WIDGETS", value)
    assert widgets.widgets_available() is True


def test_widgets_are_not_available_without_ipywidgets(monkeypatch):
    monkeypatch.delenv("LESSON_STATIC_WIDGETS", raising=False)
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # makes `import ipywidgets` fail
    assert widgets.widgets_available() is False


# --- the gradient-descent explorer ----------------------------------------------------------

def test_draw_descent_shows_the_path_for_the_given_settings(displayed):
    widgets.draw_descent(learning_rate=0.3, iterations=10, start=0.0)
    (figure,) = displayed
    (ax,) = figure.axes
    steps = ax.get_lines()[1]
    np.testing.assert_allclose(steps.get_xdata(), descend(0.0, 0.3, 10))
    assert ax.get_title().startswith("learning rate 0.3:") and "after 10 steps" in ax.get_title()


def test_the_sliders_start_at_the_given_settings_and_cover_small_to_diverging_rates():
    sliders = widgets.descent_sliders()
    rate, iterations = sliders["learning_rate"], sliders["iterations"]
    assert type(rate).__name__ == "FloatLogSlider" and type(iterations).__name__ == "IntSlider"
    assert rate.value == pytest.approx(0.05) and iterations.value == 25
    assert rate.base ** rate.min == pytest.approx(0.001)
    assert 1.1 < rate.base ** rate.max < 1.3  # above 1 the steps grow: divergence is reachable
    assert (iterations.min, iterations.max) == (0, 50)
    assert not rate.continuous_update and not iterations.continuous_update


def test_the_iterations_slider_grows_to_hold_a_larger_start_value():
    assert widgets.descent_sliders(iterations=80)["iterations"].value == 80


def test_the_explorer_shows_sliders_and_the_first_path(live_widgets, draws):
    assert widgets.gradient_descent_explorer(start=1.0, learning_rate=0.05, iterations=25) is None
    box = explorer_in(live_widgets)
    assert type(box).__name__ == "VBox"
    assert len(figures_in(live_widgets)) == 1
    rate, iterations = sliders_of(box)
    assert (rate.value, iterations.value) == (pytest.approx(0.05), 25)
    (positions, learning_rate), = draws
    np.testing.assert_allclose(positions, descend(1.0, 0.05, 25))
    assert learning_rate == pytest.approx(0.05)


def test_moving_a_slider_redraws_with_the_new_path(live_widgets, draws):
    widgets.gradient_descent_explorer(start=2.0)
    rate, iterations = sliders_of(explorer_in(live_widgets))
    rate.value = 0.6
    iterations.value = 7
    assert len(draws) == 3  # the first drawing, then one per slider change
    assert len(figures_in(live_widgets)) == 3  # and each is shown
    positions, learning_rate = draws[-1]
    assert learning_rate == pytest.approx(0.6)
    np.testing.assert_allclose(positions, descend(2.0, 0.6, 7))
    assert len(draws[1][0]) == 26 and len(positions) == 8


def test_a_moved_slider_shows_a_new_real_figure(live_widgets):
    widgets.gradient_descent_explorer(start=1.0, learning_rate=0.05, iterations=25)
    rate, iterations = sliders_of(explorer_in(live_widgets))
    rate.value = 0.6
    first, second = figures_in(live_widgets)
    assert "learning rate 0.05" in first.axes[0].get_title()
    assert "learning rate 0.6" in second.axes[0].get_title()


def test_the_static_fallback_shows_one_figure_and_no_widget(static_figures, capsys):
    assert widgets.gradient_descent_explorer(start=1.0, learning_rate=1.05, iterations=12) is None
    (figure,) = static_figures
    assert isinstance(figure, Figure) and len(figure.axes) == 1
    assert "learning rate 1.05" in figure.axes[0].get_title()
    assert len(figure.axes[0].get_lines()[1].get_xdata()) == 13
    assert capsys.readouterr().out == ""


def test_without_ipywidgets_the_explorer_shows_a_static_figure(monkeypatch, displayed):
    monkeypatch.delenv("LESSON_STATIC_WIDGETS", raising=False)
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    widgets.gradient_descent_explorer(learning_rate=0.1, iterations=5)
    (figure,) = displayed
    assert "learning rate 0.1" in figure.axes[0].get_title()


def test_the_module_states_the_static_rule():
    doc = widgets.__doc__
    assert "episode 04" in doc.lower()
    assert "LESSON_STATIC_WIDGETS" in doc and "static figure" in doc


# --- shared by the new explorers ------------------------------------------------------------

def all_widgets(widget):
    """A widget and everything inside it, depth first."""
    found = [widget]
    for child in getattr(widget, "children", ()):
        found.extend(all_widgets(child))
    return found


def widgets_of_type(box, name):
    return [widget for widget in all_widgets(box) if type(widget).__name__ == name]


# --- the kernel explorer: presets and filtering (episode 03) --------------------------------

def tiny_image():
    """A 6x6 grey image: 0.25 on top, 1.0 below, so it has one horizontal edge."""
    image = np.full((6, 6), 0.25, dtype="float32")
    image[3:] = 1.0
    return image


def test_every_preset_is_a_float32_3x3_kernel():
    presets = {"identity", "outline", "horizontal edges", "vertical edges", "blur", "sharpen"}
    assert presets <= set(widgets.KERNEL_PRESETS)
    for name in widgets.KERNEL_PRESETS:
        kernel = widgets.kernel_preset(name)
        assert kernel.shape == (3, 3) and kernel.dtype == np.float32
        assert widgets.preset_name(kernel) == name


def test_the_identity_kernel_returns_the_image_without_its_border():
    image = np.random.default_rng(0).random((7, 9), dtype="float32")
    result = widgets.apply_kernel(image, widgets.kernel_preset("identity"))
    assert result.dtype == np.float32
    np.testing.assert_array_equal(result, image[1:-1, 1:-1])


def test_blur_keeps_a_constant_image_constant_and_smooths_an_edge():
    flat = widgets.apply_kernel(np.full((5, 5), 0.5, dtype="float32"), widgets.kernel_preset("blur"))
    np.testing.assert_allclose(flat, 0.5, rtol=1e-6)
    column = widgets.apply_kernel(tiny_image(), widgets.kernel_preset("blur"))[:, 0]
    np.testing.assert_allclose(column, [0.25, 0.5, 0.75, 1.0], rtol=1e-6)


@pytest.mark.parametrize("name", ["outline", "horizontal edges", "vertical edges"])
def test_edge_kernels_give_zero_on_a_constant_image(name):
    result = widgets.apply_kernel(np.full((5, 5), 0.7, dtype="float32"), widgets.kernel_preset(name))
    np.testing.assert_allclose(result, 0, atol=1e-6)


def test_sharpen_keeps_a_constant_image_and_exaggerates_an_edge():
    sharpen = widgets.kernel_preset("sharpen")
    np.testing.assert_allclose(widgets.apply_kernel(np.full((5, 5), 0.5, dtype="float32"), sharpen), 0.5, rtol=1e-6)
    column = widgets.apply_kernel(tiny_image(), sharpen)[:, 0]
    np.testing.assert_allclose(column, [0.25, -0.5, 1.75, 1.0], rtol=1e-6)  # darker above, brighter below


def test_horizontal_and_vertical_edges_find_only_their_own_direction():
    image = tiny_image()
    horizontal = widgets.apply_kernel(image, widgets.kernel_preset("horizontal edges"))
    vertical = widgets.apply_kernel(image, widgets.kernel_preset("vertical edges"))
    np.testing.assert_allclose(horizontal[:, 0], [0, 2.25, 2.25, 0])  # brighter below: positive
    np.testing.assert_allclose(vertical, 0)
    on_the_transposed_image = widgets.apply_kernel(image.T, widgets.kernel_preset("vertical edges"))
    np.testing.assert_allclose(on_the_transposed_image[0], [0, 2.25, 2.25, 0])


def test_apply_kernel_agrees_with_episode_03s_hand_computation():
    kernel = [[-1, -1, -1], [0, 0, 0], [1, 1, 1]]
    small_image = np.ones((6, 6))
    small_image[3:, 3:] = 8
    expected = [[0, 0, 0, 0], [0, 7, 14, 21], [0, 7, 14, 21], [0, 0, 0, 0]]
    np.testing.assert_array_equal(widgets.apply_kernel(small_image, kernel), expected)


def test_a_kernel_that_is_not_3x3_is_refused_with_advice():
    with pytest.raises(ValueError, match="3x3"):
        widgets.as_kernel(np.ones((5, 5)))
    with pytest.raises(ValueError, match="3x3"):
        widgets.as_kernel([1, 2, 3, 4, 5, 6, 7, 8, 9])
    with pytest.raises(TypeError, match="three rows of three numbers"):
        widgets.as_kernel([["a", "b", "c"]] * 3)
    with pytest.raises(ValueError, match="nan"):
        widgets.as_kernel([[0, 0, 0], [0, np.nan, 0], [0, 0, 0]])
    with pytest.raises(ValueError, match="no preset kernel called 'emboss'"):
        widgets.kernel_preset("emboss")


def test_apply_kernel_asks_for_a_grey_image():
    with pytest.raises(ValueError, match="rgb2gray"):
        widgets.apply_kernel(np.zeros((10, 10, 3), dtype="float32"), widgets.kernel_preset("identity"))
    with pytest.raises(ValueError, match="at least 3x3"):
        widgets.apply_kernel(np.zeros((2, 10), dtype="float32"), widgets.kernel_preset("identity"))


def test_an_edited_kernel_has_no_preset_name():
    kernel = widgets.kernel_preset("sharpen")
    kernel[1, 1] = 6
    assert widgets.preset_name(kernel) is None
    assert widgets.preset_name(np.full((3, 3), 0.1111)) == "blur"  # as the number boxes show it


def test_the_grey_cat_photo_is_float32_between_0_and_1():
    photo = widgets.grey_cat_photo()
    assert photo.shape == (300, 451) and photo.dtype == np.float32
    assert 0 <= photo.min() < photo.max() <= 1


# --- the kernel explorer: widgets and static figure (episode 03) ----------------------------

@pytest.fixture
def kernel_draws(monkeypatch):
    """Replace plot_filtered in helpers.widgets by a recorder of the kernel and preset name."""
    calls = []

    def record(image, kernel, filtered, name=None):
        calls.append((np.array(kernel), name))
        return Figure()

    monkeypatch.setattr(widgets, "plot_filtered", record)
    return calls


def kernel_widgets(box):
    """The preset menu and the nine number boxes of a displayed kernel explorer."""
    (menu,) = widgets_of_type(box, "Dropdown")
    boxes = widgets_of_type(box, "FloatText")
    assert len(boxes) == 9
    return menu, boxes


def test_the_kernel_explorer_shows_the_preset_in_its_boxes(live_widgets, kernel_draws):
    assert widgets.kernel_explorer("sharpen") is None
    menu, boxes = kernel_widgets(explorer_in(live_widgets))
    assert menu.value == "sharpen"
    assert [b.value for b in boxes] == [0, -1, 0, -1, 5, -1, 0, -1, 0]
    ((kernel, name),) = kernel_draws
    np.testing.assert_array_equal(kernel, widgets.kernel_preset("sharpen"))
    assert name == "sharpen"


def test_choosing_a_preset_fills_the_nine_boxes_and_draws_once(live_widgets, kernel_draws):
    widgets.kernel_explorer("identity")
    menu, boxes = kernel_widgets(explorer_in(live_widgets))
    menu.value = "vertical edges"
    assert [b.value for b in boxes] == [-1, 0, 1, -1, 0, 1, -1, 0, 1]
    assert len(kernel_draws) == 2  # the first drawing, then one for the new preset
    assert len(figures_in(live_widgets)) == 2  # each one shown
    np.testing.assert_array_equal(kernel_draws[-1][0], widgets.kernel_preset("vertical edges"))
    menu.value = "blur"
    assert [b.value for b in boxes] == [0.1111] * 9
    assert kernel_draws[-1][1] == "blur"


def test_editing_a_box_redraws_with_the_new_kernel(live_widgets, kernel_draws):
    widgets.kernel_explorer("identity")
    menu, boxes = kernel_widgets(explorer_in(live_widgets))
    boxes[1].value = 2.5  # top middle
    expected = widgets.kernel_preset("identity")
    expected[0, 1] = 2.5
    kernel, name = kernel_draws[-1]
    np.testing.assert_array_equal(kernel, expected)
    assert name is None and menu.value is None
    menu.value = "identity"  # choosing the preset again restores it
    assert boxes[1].value == 0 and kernel_draws[-1][1] == "identity"


def test_the_explorer_starts_from_a_kernel_given_as_numbers(live_widgets, kernel_draws):
    widgets.kernel_explorer(kernel=[[1, 0, 0], [0, 0, 0], [0, 0, -1]])
    menu, boxes = kernel_widgets(explorer_in(live_widgets))
    assert menu.value is None and [b.value for b in boxes] == [1, 0, 0, 0, 0, 0, 0, 0, -1]


def test_the_kernel_explorer_refuses_a_bad_kernel_before_showing_anything(live_widgets):
    with pytest.raises(ValueError, match="3x3"):
        widgets.kernel_explorer(kernel=[[1, 2], [3, 4]])
    assert live_widgets == []


def test_the_kernel_explorer_falls_back_to_one_static_figure(static_figures, capsys):
    assert widgets.kernel_explorer("horizontal edges") is None
    (figure,) = static_figures
    assert isinstance(figure, Figure) and len(figure.axes) == 3
    assert [ax.get_title() for ax in figure.axes] == ["grey-scale input", "kernel", "after the horizontal edges kernel"]
    filtered = figure.axes[2].get_images()[0].get_array()
    assert filtered.shape == (298, 449) and filtered.dtype == np.float32
    assert capsys.readouterr().out == ""


# --- the prediction browser: logic (episode 07) ---------------------------------------------

# Six images: true classes 0, 1, 2, 0, 1, 2; the model gets images 1 and 3 wrong.
TRUE = np.array([0, 1, 2, 0, 1, 2])
PREDICTED = np.array([0, 2, 2, 1, 1, 2])


def probabilities_for(predicted, num_classes=10):
    """Rows of probabilities whose highest value is at the predicted class."""
    rows = np.full((len(predicted), num_classes), 0.05, dtype="float32")
    rows[np.arange(len(predicted)), predicted] = 0.55
    return rows


def test_matching_images_for_each_filter():
    assert widgets.matching_images(TRUE, PREDICTED, "all").tolist() == [0, 1, 2, 3, 4, 5]
    assert widgets.matching_images(TRUE, PREDICTED, "mistakes").tolist() == [1, 3]
    assert widgets.matching_images(TRUE, PREDICTED, "correct").tolist() == [0, 2, 4, 5]
    assert widgets.matching_images(TRUE, PREDICTED, "all", true_class=0).tolist() == [0, 3]
    assert widgets.matching_images(TRUE, PREDICTED, "mistakes", true_class=1).tolist() == [1]
    assert widgets.matching_images(TRUE, PREDICTED, "mistakes", true_class=2).tolist() == []
    assert widgets.matching_images(TRUE, PREDICTED, "all", true_class=7).tolist() == []


def test_matching_images_refuses_an_unknown_filter():
    with pytest.raises(ValueError, match="mistakes"):
        widgets.matching_images(TRUE, PREDICTED, "wrong ones")


@pytest.mark.parametrize("labels", [TRUE, TRUE.reshape(-1, 1), np.eye(10)[TRUE]],
                         ids=["integers (n,)", "integers (n, 1)", "one-hot (n, 10)"])
def test_labels_may_be_class_numbers_or_one_hot_rows(labels):
    true_classes, predicted_classes = widgets.true_and_predicted_classes(labels, probabilities_for(PREDICTED))
    assert true_classes.tolist() == TRUE.tolist() and predicted_classes.tolist() == PREDICTED.tolist()


def test_mismatched_labels_and_probabilities_are_refused_with_advice():
    with pytest.raises(ValueError, match="6 labels but 5 rows"):
        widgets.true_and_predicted_classes(TRUE, probabilities_for(PREDICTED[:5]))
    with pytest.raises(ValueError, match=r"shape \(n, 10\)"):
        widgets.true_and_predicted_classes(TRUE, probabilities_for(PREDICTED)[:, :3])
    with pytest.raises(ValueError, match="one row per image"):
        widgets.true_and_predicted_classes(TRUE, PREDICTED)


def test_class_names_become_class_numbers():
    assert widgets.class_number("any class") is None and widgets.class_number(None) is None
    assert widgets.class_number("cat") == 3
    with pytest.raises(ValueError, match="no class called 'kitten'"):
        widgets.class_number("kitten")


def test_the_readout_counts_from_one_and_says_when_nothing_matches():
    assert widgets.browse_readout(2, 127) == "image 3 of 127 matching"
    assert widgets.browse_readout(0, 0) == "no image matches these filters"


def test_the_browser_refuses_images_that_do_not_match_the_labels(live_widgets):
    images = np.zeros((5, 32, 32, 3), dtype=np.uint8)
    with pytest.raises(ValueError, match="6 images, one per label"):
        widgets.prediction_browser(images, TRUE, probabilities_for(PREDICTED))
    assert live_widgets == []


# --- the prediction browser: widgets and static figure (episode 07) -------------------------

@pytest.fixture
def prediction_draws(monkeypatch):
    """Replace plot_predictions in helpers.widgets by a recorder of the image indices drawn."""
    calls = []

    def record(images, true, probabilities, names, indices, title=None):
        calls.append(list(indices))
        return Figure()

    monkeypatch.setattr(widgets, "plot_predictions", record)
    return calls


def browser_widgets(box):
    """The show menu, class menu, previous and next buttons and the readout of a browser."""
    show, true_class = widgets_of_type(box, "Dropdown")
    previous, next_ = widgets_of_type(box, "Button")
    (readout,) = widgets_of_type(box, "Label")
    return show, true_class, previous, next_, readout


def open_browser(live_widgets, **filters):
    images = np.zeros((6, 32, 32, 3), dtype=np.uint8)
    assert widgets.prediction_browser(images, np.eye(10)[TRUE], probabilities_for(PREDICTED), **filters) is None
    return browser_widgets(explorer_in(live_widgets))


def test_the_browser_starts_on_the_first_match(live_widgets, prediction_draws):
    show, true_class, previous, next_, readout = open_browser(live_widgets, show="mistakes")
    assert show.value == "mistakes" and true_class.value == "any class"
    assert readout.value == "image 1 of 2 matching"
    assert prediction_draws == [[1]]


def test_next_and_previous_move_through_the_matches_and_stop_at_the_ends(live_widgets, prediction_draws):
    show, true_class, previous, next_, readout = open_browser(live_widgets)
    previous.click()
    assert readout.value == "image 1 of 6 matching"
    next_.click()
    next_.click()
    assert readout.value == "image 3 of 6 matching" and prediction_draws[-1] == [2]
    previous.click()
    assert readout.value == "image 2 of 6 matching" and prediction_draws[-1] == [1]
    for _ in range(10):
        next_.click()
    assert readout.value == "image 6 of 6 matching" and prediction_draws[-1] == [5]
    assert len(figures_in(live_widgets)) == len(prediction_draws)  # every drawing is shown


def test_changing_a_filter_starts_again_at_the_first_match(live_widgets, prediction_draws):
    show, true_class, previous, next_, readout = open_browser(live_widgets)
    next_.click()
    next_.click()
    show.value = "correct"
    assert readout.value == "image 1 of 4 matching" and prediction_draws[-1] == [0]
    next_.click()
    true_class.value = "bird"  # class 2: images 2 and 5, both right
    assert readout.value == "image 1 of 2 matching" and prediction_draws[-1] == [2]


def test_when_nothing_matches_the_browser_says_so(live_widgets, prediction_draws):
    show, true_class, previous, next_, readout = open_browser(live_widgets, show="mistakes", true_class="automobile")
    assert readout.value == "image 1 of 1 matching"
    true_class.value = "bird"
    assert readout.value == "no image matches these filters"
    next_.click()
    previous.click()
    assert readout.value == "no image matches these filters"
    assert prediction_draws == [[1]]  # nothing drawn since


def test_the_browser_falls_back_to_one_static_figure_of_the_first_matches(static_figures, capsys):
    images = np.zeros((6, 32, 32, 3), dtype=np.uint8)
    assert widgets.prediction_browser(images, TRUE, probabilities_for(PREDICTED), show="correct") is None
    (figure,) = static_figures
    assert isinstance(figure, Figure) and len(figure.axes) == 6  # 3 images, 3 bar charts
    assert [figure.axes[i].get_title().split("\n")[0] for i in (0, 2, 4)] == ["image 0", "image 2", "image 4"]
    assert capsys.readouterr().out == ""


def test_the_static_browser_says_when_nothing_matches(static_figures, capsys):
    images = np.zeros((6, 32, 32, 3), dtype=np.uint8)
    shown = widgets.prediction_browser(images, TRUE, probabilities_for(PREDICTED), show="mistakes", true_class="bird")
    assert shown is None
    assert static_figures == [] and "No image matches" in capsys.readouterr().out


def test_the_module_lists_all_three_explorers():
    for name, episode in [("kernel_explorer", "03"), ("gradient_descent_explorer", "04"), ("prediction_browser", "07")]:
        assert name in widgets.__doc__ and f"Episode {episode}" in widgets.__doc__


def test_in_jupyter_each_static_explorer_shows_its_figure_once(tmp_path):
    """Run the explorers in a real kernel, as scripts/run_notebooks.py does: one figure each."""
    cells = [
        "import numpy as np\n"
        "from helpers.widgets import gradient_descent_explorer, kernel_explorer, prediction_browser",
        "gradient_descent_explorer(learning_rate=0.3, iterations=5)",
        "kernel_explorer('blur')",
        "prediction_browser(np.zeros((2, 8, 8, 3), 'uint8'), [0, 1], np.eye(10)[[0, 2]], show='all')",
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    env = {key: value for key, value in os.environ.items() if key != "MPLBACKEND"}  # Jupyter's inline backend
    env["LESSON_STATIC_WIDGETS"] = "1"
    env["PYTHONPATH"] = os.pathsep.join([str(REPOSITORY), env.get("PYTHONPATH", "")])  # this checkout's helpers
    client = NotebookClient(notebook, timeout=60, kernel_name="python3")
    with client.setup_kernel(env=env, cwd=str(tmp_path)):
        for index, cell in enumerate(notebook.cells):
            client.execute_cell(cell, index)
    outputs = [[(output.output_type, "image/png" in output.get("data", {})) for output in cell.outputs]
               for cell in notebook.cells]
    assert outputs == [[], [("display_data", True)], [("display_data", True)], [("display_data", True)]]
