"""Interactive explorers: controls that redraw a figure while you change them.

- Episode 03 uses ``kernel_explorer`` to pick or type a 3x3 kernel and see the
  photo of the cat filtered with it.
- Episode 04 uses ``gradient_descent_explorer`` to try learning rates and step
  counts on the example loss of ``helpers.gradient_descent``.
- Episode 07 uses ``prediction_browser`` to step through test images with the
  model's class probabilities, all of them or only the mistakes, of any class
  or of one.

The rule for every explorer: where no widget front end exists, it shows ONE
static figure with the settings it was given, instead of showing controls, and
returns None. That is the case when the environment variable
``LESSON_STATIC_WIDGETS`` is ``1`` (the tests and ``scripts/run_notebooks.py``
set it, so stored outputs hold a real figure) or when ipywidgets is not
installed. ``widgets_available`` makes that decision. Only APIs that
ipywidgets 7.7 (Colab) and 8 share are used.

Each explorer is built from small parts: plain functions that compute (tested
without a browser), a drawing function from ``helpers.plotting``, and the
assembly of the widgets. The drawing functions return their figures; the
explorers show them with IPython's ``display``, inside the widgets' output
area or, for the static figure, in the cell's output.
"""

import functools
import importlib

import numpy as np

from helpers.data import CLASS_NAMES, cat_photo_path
from helpers.gradient_descent import descend
from helpers.plotting import label_indices, plot_descent, plot_filtered, plot_predictions


def widgets_available():
    """True when explorers may show sliders; False when they must draw static figures."""
    from helpers.settings import static_widgets

    if static_widgets():
        return False
    try:
        importlib.import_module("ipywidgets")  # only to see that it loads
    except ImportError:
        return False
    return True


# --- convolution kernels (episode 03) ----------------------------------------------

# Edge and outline kernels add up to 0, so flat regions turn 0; blur and sharpen
# add up to 1, so flat regions keep their brightness.
KERNEL_PRESETS = {
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "outline": [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
    "horizontal edges": [[-1, -1, -1], [0, 0, 0], [1, 1, 1]],
    "vertical edges": [[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]],
    "blur": [[1 / 9, 1 / 9, 1 / 9]] * 3,
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
}


def kernel_preset(name):
    """The preset kernel called ``name`` as a float32 3x3 array. Used in episode 03."""
    if name not in KERNEL_PRESETS:
        raise ValueError(f"There is no preset kernel called {name!r}; choose one of {list(KERNEL_PRESETS)}.")
    return np.array(KERNEL_PRESETS[name], dtype="float32")


def as_kernel(numbers):
    """Three rows of three numbers as a float32 3x3 kernel; clear errors otherwise. Used in episode 03."""
    try:
        kernel = np.array(numbers, dtype="float32")
    except (TypeError, ValueError):
        raise TypeError(
            f"A kernel is three rows of three numbers, such as [[0, 0, 0], [0, 1, 0], [0, 0, 0]]; "
            f"got {numbers!r}."
        ) from None
    if kernel.shape != (3, 3):
        raise ValueError(
            f"The kernel must be 3x3: three rows of three numbers. Got shape {kernel.shape}."
        )
    if not np.all(np.isfinite(kernel)):
        raise ValueError("The kernel holds inf or nan; use ordinary numbers.")
    return kernel


def preset_name(kernel):
    """The name of the preset with these numbers (to 3 decimals), or None. Used in episode 03."""
    for name in KERNEL_PRESETS:
        if np.allclose(kernel_preset(name), kernel, atol=1e-3):
            return name
    return None


def apply_kernel(image, kernel):
    """Slide a 3x3 kernel over a grey image and return the float32 result. Taught in episode 03.

    This is the cross-correlation of episode 03: the kernel is not flipped and
    is only placed where it fits, as by ``scipy.signal.correlate2d(...,
    mode="valid")`` and a Keras ``Conv2D`` layer without padding. The result is
    2 pixels smaller than the image in each direction.
    """
    import scipy.signal

    image = np.asarray(image)
    if image.ndim != 2:
        raise ValueError(
            f"The image must be grey, a 2-D array; got shape {image.shape}. Turn a colour "
            f"photo grey first: skimage.color.rgb2gray(photo).astype('float32')."
        )
    if min(image.shape) < 3:
        raise ValueError(f"The image must be at least 3x3 pixels for a 3x3 kernel; got {image.shape}.")
    return scipy.signal.correlate2d(image.astype("float32"), as_kernel(kernel), mode="valid")


def grey_cat_photo():
    """Episode 03's photo of the cat in grey scale: float32 from 0 (black) to 1 (white)."""
    import skimage.io
    from skimage.color import rgb2gray

    return rgb2gray(skimage.io.imread(cat_photo_path())).astype("float32")


def draw_kernel(image, kernel):
    """Show the image, the kernel and the filtered image (one figure). Used in episode 03."""
    from IPython.display import display

    display(plot_filtered(image, kernel, apply_kernel(image, kernel), preset_name(kernel)))


def kernel_controls(kernel):
    """The explorer's menu of presets and its nine number boxes, row by row. Used in episode 03."""
    import ipywidgets as widgets

    menu = widgets.Dropdown(options=list(KERNEL_PRESETS), value=preset_name(kernel), description="preset")
    boxes = [widgets.FloatText(value=round(float(number), 4), layout=widgets.Layout(width="6em"))
             for number in kernel.flat]
    return menu, boxes


def kernel_explorer(preset="outline", kernel=None):
    """Pick a preset kernel or type its nine numbers, and see the cat photo filtered with it.

    ``kernel``, three rows of three numbers, replaces the preset when given.
    Without a widget front end (see ``widgets_available``), show the photo
    filtered with that kernel once instead. Returns nothing. Taught in episode 03.
    """
    kernel = kernel_preset(preset) if kernel is None else as_kernel(kernel)
    image = grey_cat_photo()
    if not widgets_available():
        draw_kernel(image, kernel)
        return
    import ipywidgets as widgets
    from IPython.display import clear_output, display

    menu, boxes = kernel_controls(kernel)
    figure = widgets.Output()
    filling = []  # not empty while a preset fills the boxes: draw once afterwards, not nine times

    def boxes_kernel():
        return as_kernel(np.reshape([box.value for box in boxes], (3, 3)))

    def redraw():
        with figure:
            clear_output(wait=True)
            draw_kernel(image, boxes_kernel())

    def box_changed(change):
        if filling:
            return
        if menu.value is not None and menu.value != preset_name(boxes_kernel()):
            menu.value = None  # no preset chosen now, so choosing one again fills the boxes again
        redraw()

    def preset_chosen(change):
        if change["new"] is None:
            return
        filling.append(True)
        for box, number in zip(boxes, kernel_preset(change["new"]).flat):
            box.value = round(float(number), 4)
        filling.clear()
        redraw()

    menu.observe(preset_chosen, names="value")
    for box in boxes:
        box.observe(box_changed, names="value")
    redraw()
    grid = widgets.VBox([widgets.HBox(boxes[row:row + 3]) for row in (0, 3, 6)])
    display(widgets.VBox([menu, grid, figure]))


# --- gradient descent (episode 04) ------------------------------------------------

def draw_descent(learning_rate, iterations, start=1.0):
    """Show the path gradient descent takes with these settings (one figure)."""
    from IPython.display import display

    display(plot_descent(descend(start, learning_rate, iterations), learning_rate))


def descent_sliders(learning_rate=0.05, iterations=25):
    """The explorer's two sliders, by the name of the setting they control.

    The learning rate moves on a log scale from 0.001 to about 1.2, so that
    both tiny and too-large rates are one drag away.
    """
    import ipywidgets as widgets

    style = {"description_width": "initial"}
    return {
        "learning_rate": widgets.FloatLogSlider(
            value=learning_rate, base=10, min=-3, max=0.08, step=0.02,
            description="learning rate", readout_format=".3g",
            continuous_update=False, style=style),
        "iterations": widgets.IntSlider(
            value=iterations, min=0, max=max(50, iterations),
            description="iterations", continuous_update=False, style=style),
    }


def gradient_descent_explorer(start=1.0, learning_rate=0.05, iterations=25):
    """Show sliders for the learning rate and the number of steps, and the path they give.

    Without a widget front end (see ``widgets_available``), show the path for
    the given settings once instead. Returns nothing either way.
    """
    if not widgets_available():
        draw_descent(learning_rate, iterations, start)
        return
    import ipywidgets as widgets
    from IPython.display import display

    sliders = descent_sliders(learning_rate, iterations)
    # interactive_output calls draw_descent now and again whenever a slider moves,
    # each time replacing the figure inside the Output widget it returns.
    figure = widgets.interactive_output(functools.partial(draw_descent, start=start), sliders)
    display(widgets.VBox([widgets.HBox(list(sliders.values())), figure]))


# --- predictions (episode 07) -------------------------------------------------------

SHOW_CHOICES = {"all": "all images", "mistakes": "only mistakes", "correct": "only correct ones"}
ANY_CLASS = "any class"
STATIC_COUNT = 3  # how many matching images the static figure shows


def true_and_predicted_classes(labels, probabilities, class_names=CLASS_NAMES):
    """Class numbers of the true labels and of the model's answers. Used in episode 07.

    ``labels`` may be class numbers or one-hot rows; ``probabilities`` is what
    ``model.predict`` returned: one row per image, one column per class.
    """
    probabilities = np.asarray(probabilities)
    if probabilities.ndim != 2 or probabilities.shape[1] != len(class_names):
        raise ValueError(
            f"probabilities should have one row per image and one column per class, shape "
            f"(n, {len(class_names)}), as model.predict returns; got shape {probabilities.shape}."
        )
    true_classes = label_indices(labels, len(class_names))
    if len(true_classes) != len(probabilities):
        raise ValueError(
            f"Got {len(true_classes)} labels but {len(probabilities)} rows of probabilities; "
            f"pass the labels of the images you predicted."
        )
    return true_classes, probabilities.argmax(axis=1)


def class_number(name, class_names=CLASS_NAMES):
    """The number of the class called ``name``; None for "any class" (or None). Used in episode 07."""
    if name is None or name == ANY_CLASS:
        return None
    if name not in class_names:
        raise ValueError(f"There is no class called {name!r}; choose {ANY_CLASS!r} or one of {list(class_names)}.")
    return list(class_names).index(name)


def matching_images(true_classes, predicted_classes, show="all", true_class=None):
    """Indices of the images the prediction browser shows. Used in episode 07.

    ``show`` is "all", "mistakes" or "correct". ``true_class``, a class
    number, keeps only the images of that true class; None keeps every class.
    """
    true_classes, predicted_classes = np.asarray(true_classes), np.asarray(predicted_classes)
    if show not in SHOW_CHOICES:
        raise ValueError(f"show should be one of {list(SHOW_CHOICES)}; got {show!r}.")
    keep = {"all": np.ones(len(true_classes), dtype=bool),
            "mistakes": predicted_classes != true_classes,
            "correct": predicted_classes == true_classes}[show]
    if true_class is not None:
        keep &= true_classes == true_class
    return np.flatnonzero(keep)


def browse_readout(position, count):
    """The browser's line of text, such as "image 3 of 127 matching". Used in episode 07."""
    if count == 0:
        return "no image matches these filters"
    return f"image {position + 1} of {count} matching"


def prediction_browser(images, labels, probabilities, class_names=CLASS_NAMES, show="all", true_class=None):
    """Step through images with their true class, the model's answer and its probabilities.

    ``labels`` may be class numbers or one-hot rows; ``probabilities`` is what
    ``model.predict`` returned for ``images``. ``show`` ("all", "mistakes" or
    "correct") and ``true_class`` (a class name, or None for any class) are the
    filters to start with. Without a widget front end (see
    ``widgets_available``), show the first few matching images once instead.
    Returns nothing. Taught in episode 07.
    """
    from IPython.display import clear_output, display

    true_classes, predicted_classes = true_and_predicted_classes(labels, probabilities, class_names)
    if np.ndim(images) not in (3, 4) or len(images) != len(true_classes):
        raise ValueError(
            f"images should be an array of {len(true_classes)} images, one per label, shape "
            f"(n, height, width, 3); got shape {np.shape(images)}."
        )
    matches = matching_images(true_classes, predicted_classes, show, class_number(true_class, class_names))
    if not widgets_available():
        if len(matches) == 0:
            print(f"No image matches these filters: {SHOW_CHOICES[show]}, {true_class or ANY_CLASS}.")
            return
        display(plot_predictions(images, true_classes, probabilities, class_names, matches[:STATIC_COUNT],
                                 title=f"{SHOW_CHOICES[show]}, {true_class or ANY_CLASS}: "
                                       f"the first {min(STATIC_COUNT, len(matches))} of {len(matches)}"))
        return
    import ipywidgets as widgets

    show_menu = widgets.Dropdown(options=[(text, key) for key, text in SHOW_CHOICES.items()],
                                 value=show, description="show")
    class_menu = widgets.Dropdown(options=[ANY_CLASS, *class_names], value=true_class or ANY_CLASS,
                                  description="true class")
    previous, next_ = widgets.Button(description="previous"), widgets.Button(description="next")
    readout = widgets.Label()
    figure = widgets.Output()
    state = {"matches": matches, "position": 0}

    def redraw():
        matches, position = state["matches"], state["position"]
        readout.value = browse_readout(position, len(matches))
        with figure:
            clear_output(wait=True)
            if len(matches):
                display(plot_predictions(images, true_classes, probabilities, class_names, [matches[position]]))

    def filters_changed(change):
        state["matches"] = matching_images(true_classes, predicted_classes, show_menu.value,
                                           class_number(class_menu.value, class_names))
        state["position"] = 0
        redraw()

    def step(by):
        last = max(len(state["matches"]) - 1, 0)
        state["position"] = min(max(state["position"] + by, 0), last)  # stay between first and last
        redraw()

    show_menu.observe(filters_changed, names="value")
    class_menu.observe(filters_changed, names="value")
    previous.on_click(lambda button: step(-1))
    next_.on_click(lambda button: step(+1))
    redraw()
    display(widgets.VBox([widgets.HBox([show_menu, class_menu]), widgets.HBox([previous, next_, readout]), figure]))
