"""Figures the episodes draw: image grids, training curves and the explorers' figures.

Each function draws one new figure and returns it; none calls ``plt.show()``.
In a notebook, a plotting call on the last line of a cell shows its figure
once. Keep the figure in a variable (``fig = plot_images(...)``) to show it
later with ``fig`` as a cell's last line or ``display(fig)``, and save it with
``fig.savefig("name.png")``, also from a script. ``plot_descent`` can instead
draw into a panel you give it, and then returns that panel's figure.

The figures are taken out of pyplot's list of open figures before they are
returned, so Jupyter does not show them a second time and ``plt.show()`` does
not show them at all.
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib import cycler
from matplotlib.ticker import MaxNLocator

from helpers.diagrams import OKABE_ITO

GRID_SIZE = 5  # plot_images draws GRID_SIZE x GRID_SIZE images

# The Okabe-Ito colours, told apart with every common kind of colour blindness.
COLOUR_BLIND_SAFE = OKABE_ITO
TRUE_CLASS_COLOUR, WRONG_ANSWER_COLOUR = COLOUR_BLIND_SAFE[0], COLOUR_BLIND_SAFE[1]

# For charts with several lines: each line differs in colour, marker and line
# style, so the lines can be told apart without colour. ``ax.set_prop_cycle(LINE_STYLES)``.
LINE_STYLES = (cycler(color=COLOUR_BLIND_SAFE[:6]) + cycler(marker=["o", "s", "^", "D", "v", "P"])
               + cycler(linestyle=["-", "--", ":", "-.", (0, (5, 1)), (0, (3, 1, 1, 1))]))


def label_indices(labels, num_classes):
    """Class numbers from integer labels (n,) or (n, 1), or one-hot labels (n, num_classes).

    Raises TypeError for text labels and ValueError for empty labels, labels
    that are not whole numbers, or class numbers outside 0 .. num_classes - 1.
    """
    labels = np.asarray(labels)
    if labels.dtype.kind not in "biuf":  # booleans, integers, unsigned integers, floats
        first = labels.ravel()[:1].tolist()
        received = f"values such as {first[0]!r}" if first else f"an empty array of {labels.dtype}"
        raise TypeError(
            f"Labels must be class numbers or one-hot vectors; got {received}. "
            f"Turn class names into numbers with class_names.index(name)."
        )
    if labels.size == 0:
        raise ValueError(f"There are no labels: got an empty array of shape {labels.shape}.")
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    elif labels.ndim == 2 and labels.shape[1] == num_classes:
        if not np.all(np.isfinite(labels)):
            bad = labels[~np.isfinite(labels)][0]
            raise ValueError(f"One-hot labels must be numbers; got {bad} in them.")
        labels = labels.argmax(axis=1)
    if labels.ndim != 1:
        raise ValueError(
            f"Labels should be class numbers, shape (n,) or (n, 1), or one-hot vectors, "
            f"shape (n, {num_classes}); got shape {labels.shape}."
        )
    not_whole = labels != np.round(labels)  # true for 2.5 and for nan
    if np.any(not_whole):
        position = np.flatnonzero(not_whole)[0]
        raise ValueError(
            f"Labels must be whole class numbers from 0 to {num_classes - 1}; "
            f"label {position} is {labels[position]}."
        )
    if labels.min() < 0 or labels.max() >= num_classes:
        raise ValueError(
            f"Label values should lie between 0 and {num_classes - 1} to match the "
            f"{num_classes} class names; got values from {labels.min()} to {labels.max()}."
        )
    return labels.astype(int)


def check_images(images):
    """Colour images as an array (n, height, width, 3), or a clear error.

    One image (height, width, 3) becomes a batch of one. In the images that
    ``plot_images`` draws, integer pixels must lie in 0 .. 255 and float pixels
    in 0 .. 1: ``imshow`` would clip other values without a word.
    """
    images = np.asarray(images)
    if images.dtype.kind not in "iuf":
        raise TypeError(f"Images must hold numbers; got values of type {images.dtype}.")
    if images.size == 0:
        raise ValueError(f"There are no images to plot: got an empty array of shape {images.shape}.")
    if images.ndim == 3 and images.shape[-1] == 3:
        images = images[np.newaxis]
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(
            f"Images should be colour images, shape (n, height, width, 3), or one image, "
            f"shape (height, width, 3); got shape {images.shape}."
        )
    drawn = images[:GRID_SIZE * GRID_SIZE]
    if not np.all(np.isfinite(drawn)):
        raise ValueError("The images hold nan or inf; pixels must be numbers from 0 to 255, or from 0 to 1.")
    lowest, highest = drawn.min(), drawn.max()
    if drawn.dtype.kind == "f" and (lowest < 0 or highest > 1):
        raise ValueError(
            f"Float images must hold values from 0 to 1; got values from {lowest} to {highest}. "
            f"For pixel values from 0 to 255, pass images.astype('uint8') instead."
        )
    if lowest < 0 or highest > 255:
        raise ValueError(
            f"Integer images must hold pixel values from 0 to 255; got values from "
            f"{lowest} to {highest}."
        )
    return images


def plot_images(images, labels, class_names):
    """Draw the first 25 images in a 5x5 grid, titled with their class names; return the figure.

    ``images`` is an array (n, height, width, 3) of pixels from 0 to 255, or
    floats from 0 to 1; one image (height, width, 3) with one label works too.
    ``labels`` may be class numbers or one-hot vectors. Taught in episode 01.
    """
    images = np.asarray(images)
    one_image = images.ndim == 3
    images = check_images(images)
    if one_image:
        if np.size(labels) not in (1, len(class_names)):
            raise ValueError(
                f"One image needs one label, a class number or a one-hot vector of "
                f"{len(class_names)} values; got {np.size(labels)} values."
            )
        labels = np.reshape(labels, (1, -1))
    classes = label_indices(labels, len(class_names))
    if len(images) != len(classes):
        raise ValueError(
            f"Got {len(images)} images but {len(classes)} labels; pass labels that "
            f"belong to the images."
        )
    count = min(len(images), GRID_SIZE * GRID_SIZE)
    fig, axes = plt.subplots(GRID_SIZE, GRID_SIZE, figsize=(10, 10))
    plt.close(fig)  # returned, not shown by pyplot as well: see the module docstring
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < count:
            ax.imshow(images[i])
            ax.set_title(class_names[classes[i]])
    fig.tight_layout()
    return fig


def plot_history(history, metrics):
    """Plot training curves side by side, one panel per metric; return the figure.

    ``history`` is what ``model.fit`` returned, its ``history`` dict, or a
    DataFrame of it. ``metrics`` names the metrics to show, for example
    ``["loss", "categorical_accuracy"]``; each panel also shows the
    validation curve (``val_`` + name) when there is one. Taught in episode 01.
    """
    if isinstance(metrics, str):
        metrics = [metrics]
    table = pd.DataFrame(getattr(history, "history", history))
    unknown = [name for name in metrics if name not in table.columns]
    if unknown:
        raise ValueError(
            f"No metric named {unknown} in this history. Available names: "
            f"{list(table.columns)}."
        )
    table.index = pd.RangeIndex(1, len(table) + 1, name="epoch")
    fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 4), squeeze=False)
    plt.close(fig)  # returned, not shown by pyplot as well
    for ax, name in zip(axes.flat, metrics):
        columns = [name] + [f"val_{name}"] * (f"val_{name}" in table.columns)
        curves = table[columns].rename(columns={name: "training", f"val_{name}": "validation"})
        # Markers and line styles, not only colour, tell training from validation.
        sns.lineplot(data=curves, ax=ax, markers=True, dashes=True, palette=COLOUR_BLIND_SAFE[:len(columns)])
        ax.set(xlabel="epoch", ylabel=name, title=name)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # whole epochs only
    fig.tight_layout()
    return fig


def plot_descent(positions, learning_rate, ax=None):
    """Draw the loss curve of ``helpers.gradient_descent`` and the path of steps on it.

    ``positions`` is what ``gradient_descent.descend`` returned. Returns the
    figure. Pass ``ax`` to draw into one panel of your own figure: that figure
    is returned and left open, for you to show. Taught in episode 04.
    """
    from helpers.gradient_descent import MINIMUM, loss

    positions = np.asarray(positions, dtype=float)
    if positions.ndim != 1 or len(positions) == 0:
        raise ValueError(f"positions should be a 1-D array of x values; got shape {positions.shape}.")
    if not np.all(np.isfinite(positions)):
        raise ValueError("positions hold inf or nan: the steps diverged too far to draw; use fewer iterations.")
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 4))
        plt.close(fig)  # returned, not shown by pyplot as well
    reach = max(np.abs(positions - MINIMUM).max(), 1.0) * 1.1
    curve_x = np.linspace(MINIMUM - reach, MINIMUM + reach, 400)
    ax.plot(curve_x, loss(curve_x), color="grey", label="loss (x - 3)²")
    ax.plot(positions, loss(positions), "o-", color="tab:red", markersize=4, label="steps")
    ax.plot(positions[0], loss(positions[0]), "s", color="black", label="start")
    ax.set(xlabel="x", ylabel="loss",
           title=f"learning rate {learning_rate:.3g}: x = {positions[-1]:.3g} after {len(positions) - 1} steps")
    ax.legend()
    return ax.figure


def plot_filtered(image, kernel, filtered, name=None):
    """Draw a grey image, a 3x3 kernel and the filtered image side by side; return the figure.

    ``name`` (a preset's name, such as "blur") goes into the last title. Each
    image gets its own grey scale: black is its lowest value, white its highest.
    Taught in episode 03, where ``helpers.widgets.kernel_explorer`` redraws it.
    """
    kernel = np.asarray(kernel)
    fig, axes = plt.subplots(1, 3, figsize=(12, 4), gridspec_kw={"width_ratios": [3, 1, 3]})
    plt.close(fig)  # returned, not shown by pyplot as well
    axes[0].imshow(image, cmap="gray")
    axes[0].set_title("grey-scale input")
    limit = 2 * np.abs(kernel).max() or 1.0  # negative blue, positive red, pale enough to read
    axes[1].imshow(kernel, cmap="coolwarm", vmin=-limit, vmax=limit)
    for (row, col), value in np.ndenumerate(kernel):
        axes[1].text(col, row, f"{value:.3g}", ha="center", va="center")
    axes[1].set_title("kernel")
    axes[2].imshow(filtered, cmap="gray")
    axes[2].set_title(f"after the {name} kernel" if name else "after your kernel")
    for ax in axes:
        ax.axis("off")
    fig.tight_layout()
    return fig


def plot_predictions(images, true_classes, probabilities, class_names, indices, title=None):
    """Draw each image of ``indices`` beside a bar chart of the model's class probabilities.

    One row per image; returns the figure. The bar of the true class is blue
    and its label says "(true)"; when the model's answer (its highest
    probability) is wrong, that bar is orange, hatched and labelled "(wrong
    answer)". Taught in episode 07, where ``helpers.widgets.prediction_browser``
    steps through the test images with it.
    """
    indices = list(indices)
    if not indices:
        raise ValueError("There are no images to plot: indices is empty.")
    fig, axes = plt.subplots(len(indices), 2, figsize=(8, 2.6 * len(indices)), squeeze=False,
                             gridspec_kw={"width_ratios": [1, 2]})
    plt.close(fig)  # returned, not shown by pyplot as well
    for (image_ax, bar_ax), index in zip(axes, indices):
        true, predicted = true_classes[index], int(np.argmax(probabilities[index]))
        image_ax.imshow(images[index])
        image_ax.set_title(f"image {index}\ntrue: {class_names[true]}\n"
                           f"predicted: {class_names[predicted]}", fontsize=9)
        image_ax.axis("off")
        # Colour, hatching and words all mark the two bars that matter, so the
        # chart reads the same without colour vision: the true class is solid
        # blue, a wrong answer orange with diagonal hatching.
        colours, hatches, names = ["lightgrey"] * len(class_names), [""] * len(class_names), list(class_names)
        if predicted != true:
            colours[predicted], hatches[predicted] = WRONG_ANSWER_COLOUR, "///"
            names[predicted] = f"{class_names[predicted]} (wrong answer)"
        colours[true] = TRUE_CLASS_COLOUR
        names[true] = f"{class_names[true]} (true{', right answer' if predicted == true else ''})"
        bar_ax.barh(range(len(class_names)), probabilities[index], color=colours, hatch=hatches,
                    edgecolor="black", linewidth=0.5)
        bar_ax.set_yticks(range(len(class_names)), names)
        bar_ax.invert_yaxis()  # first class at the top
        bar_ax.set(xlim=(0, 1), xlabel="probability")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
