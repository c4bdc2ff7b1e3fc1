"""Figures the episodes draw: image grids, training curves and the explorers' figures.

Each function draws one new figure and shows it (``plot_descent`` can also draw
into a panel you give it). In a script, call ``matplotlib.pyplot.savefig``
afterwards to keep it.
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import MaxNLocator

GRID_SIZE = 5  # plot_images draws GRID_SIZE x GRID_SIZE images


def label_indices(labels, num_classes):
    """Class numbers from integer labels (n,) or (n, 1), or one-hot labels (n, num_classes)."""
    labels = np.asarray(labels)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    elif labels.ndim == 2 and labels.shape[1] == num_classes:
        labels = labels.argmax(axis=1)
    if labels.ndim != 1:
        raise ValueError(
            f"Labels should be class numbers, shape (n,) or (n, 1), or one-hot vectors, "
            f"shape (n, {num_classes}); got shape {np.shape(labels)}."
        )
    if len(labels) and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"Label values should lie between 0 and {num_classes - 1} to match the "
            f"{num_classes} class names; got values from {labels.min()} to {labels.max()}."
        )
    return labels.astype(int)


def plot_images(images, labels, class_names):
    """Show the first 25 images in a 5x5 grid, each titled with its class name.

    Taught in episode 01. ``labels`` may be integers or one-hot vectors.
    """
    classes = label_indices(labels, len(class_names))
    if len(images) != len(classes):
        raise ValueError(
            f"Got {len(images)} images but {len(classes)} labels; pass labels that "
            f"belong to the images."
        )
    count = min(len(images), GRID_SIZE * GRID_SIZE)
    if count == 0:
        raise ValueError("There are no images to plot.")
    fig, axes = plt.subplots(GRID_SIZE, GRID_SIZE, figsize=(10, 10))
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < count:
            ax.imshow(images[i])
            ax.set_title(class_names[classes[i]])
    fig.tight_layout()
    plt.show()


def plot_history(history, metrics):
    """Plot training curves side by side, one panel per metric.

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
    for ax, name in zip(axes.flat, metrics):
        columns = [name] + [f"val_{name}"] * (f"val_{name}" in table.columns)
        curves = table[columns].rename(columns={name: "training", f"val_{name}": "validation"})
        sns.lineplot(data=curves, ax=ax, markers=True, dashes=False)
        ax.set(xlabel="epoch", ylabel=name, title=name)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # whole epochs only
    fig.tight_layout()
    plt.show()


def plot_descent(positions, learning_rate, ax=None):
    """Draw the loss curve of ``helpers.gradient_descent`` and the path of steps on it.

    ``positions`` is what ``gradient_descent.descend`` returned. Pass ``ax`` to
    draw into one panel of a larger figure; without it, a new figure is drawn
    and shown. Taught in episode 04.
    """
    from helpers.gradient_descent import MINIMUM, loss

    positions = np.asarray(positions, dtype=float)
    if positions.ndim != 1 or len(positions) == 0:
        raise ValueError(f"positions should be a 1-D array of x values; got shape {positions.shape}.")
    if not np.all(np.isfinite(positions)):
        raise ValueError("positions hold inf or nan: the steps diverged too far to draw; use fewer iterations.")
    own_figure = ax is None
    if own_figure:
        _, ax = plt.subplots(figsize=(6, 4))
    reach = max(np.abs(positions - MINIMUM).max(), 1.0) * 1.1
    curve_x = np.linspace(MINIMUM - reach, MINIMUM + reach, 400)
    ax.plot(curve_x, loss(curve_x), color="grey", label="loss (x - 3)²")
    ax.plot(positions, loss(positions), "o-", color="tab:red", markersize=4, label="steps")
    ax.plot(positions[0], loss(positions[0]), "s", color="black", label="start")
    ax.set(xlabel="x", ylabel="loss",
           title=f"learning rate {learning_rate:.3g}: x = {positions[-1]:.3g} after {len(positions) - 1} steps")
    ax.legend()
    if own_figure:
        plt.show()


def plot_filtered(image, kernel, filtered, name=None):
    """Show a grey image, a 3x3 kernel and the image filtered with it, side by side.

    ``name`` (a preset's name, such as "blur") goes into the last title. Each
    image gets its own grey scale: black is its lowest value, white its highest.
    Taught in episode 03, where ``helpers.widgets.kernel_explorer`` redraws it.
    """
    kernel = np.asarray(kernel)
    fig, axes = plt.subplots(1, 3, figsize=(12, 4), gridspec_kw={"width_ratios": [3, 1, 3]})
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
    plt.show()


def plot_predictions(images, true_classes, probabilities, class_names, indices, title=None):
    """Show each image of ``indices`` beside a bar chart of the model's class probabilities.

    One row per image. The bar of the true class is green; when the model's
    answer (its highest probability) is wrong, that bar is red. Taught in
    episode 06, where ``helpers.widgets.prediction_browser`` steps through the
    test images with it.
    """
    indices = list(indices)
    if not indices:
        raise ValueError("There are no images to plot: indices is empty.")
    fig, axes = plt.subplots(len(indices), 2, figsize=(8, 2.6 * len(indices)), squeeze=False,
                             gridspec_kw={"width_ratios": [1, 2]})
    for (image_ax, bar_ax), index in zip(axes, indices):
        true, predicted = true_classes[index], int(np.argmax(probabilities[index]))
        image_ax.imshow(images[index])
        image_ax.set_title(f"image {index}\ntrue: {class_names[true]}\n"
                           f"predicted: {class_names[predicted]}", fontsize=9)
        image_ax.axis("off")
        colours = ["lightgrey"] * len(class_names)
        colours[predicted] = "tab:red"
        colours[true] = "tab:green"  # when the answer is right, green wins
        bar_ax.barh(range(len(class_names)), probabilities[index], color=colours)
        bar_ax.set_yticks(range(len(class_names)), class_names)
        bar_ax.invert_yaxis()  # first class at the top
        bar_ax.set(xlim=(0, 1), xlabel="probability")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    plt.show()
