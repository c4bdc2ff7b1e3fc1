"""Figures the episodes draw: a grid of labelled images and training curves.

Both functions draw one new figure and show it. In a script, call
``matplotlib.pyplot.savefig`` afterwards to keep it.
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
           title=f"learning rate {learning_rate:g}: x = {positions[-1]:.3g} after {len(positions) - 1} steps")
    ax.legend()
    if own_figure:
        plt.show()
