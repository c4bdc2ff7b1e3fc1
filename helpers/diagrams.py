"""Seven conceptual pictures for the lesson, drawn with matplotlib by our own code.

- ``draw_neuron``: one neuron, from inputs and weights to its output (episode 03).
- ``draw_dense_network``: a small dense network with every connection (episode 03).
- ``draw_convolution``: a 3×3 kernel over a small image, one output worked out (episode 03).
- ``draw_max_pooling``: 2×2 max pooling of a 4×4 grid (episode 03).
- ``draw_dropout``: the same network while training with dropout and while predicting (episode 06).
- ``draw_model_blocks``: a block diagram read from a Keras model itself (episode 01).
- ``draw_transfer_learning``: a base pretrained with one head, then frozen under a new one (episode 08).

Each function returns a ``matplotlib.figure.Figure`` made without pyplot, so
nothing is shown or left open; ``scripts/draw_diagrams.py`` saves them as the
PNG files in ``episodes/figures/``. ``ALT_TEXT`` and ``model_blocks_alt_text``
describe each picture in words. The colours are the colour-blind-safe
Okabe–Ito palette, and no picture says anything by colour alone.
"""

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, FancyBboxPatch, Rectangle

# The Okabe-Ito colours, told apart with every common kind of colour blindness
# (helpers.plotting draws its charts with them too).
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
BLUE, ORANGE, GREEN, REDDISH_PURPLE, SKY_BLUE, VERMILLION, YELLOW, BLACK = OKABE_ITO
GREY = "#999999"

FONT = 12  # points; no text in these pictures is smaller than 11

# The numbers of the convolution picture: the output cell it works out is
# feature_map(CONV_IMAGE, CONV_KERNEL)[CONV_POSITION].
CONV_IMAGE = np.array([  # episode 03's small image: dark (1), with a bright square (8) at the lower right
    [1, 1, 1, 1, 1, 1],
    [1, 1, 1, 1, 1, 1],
    [1, 1, 1, 1, 1, 1],
    [1, 1, 1, 8, 8, 8],
    [1, 1, 1, 8, 8, 8],
    [1, 1, 1, 8, 8, 8],
])
CONV_KERNEL = np.array([  # episode 03's horizontal-edge kernel
    [-1, -1, -1],
    [0, 0, 0],
    [1, 1, 1],
])
CONV_POSITION = (1, 3)  # row and column of the kernel's top-left corner: its strongest answer, 21

# The grid of the max-pooling picture; each 2×2 window has one largest number.
POOL_VALUES = np.array([  # episode 03's pooling example
    [1, 3, 2, 1],
    [4, 2, 0, 6],
    [5, 1, 3, 2],
    [0, 7, 1, 4],
])


def feature_map(image, kernel):
    """Slide ``kernel`` over ``image`` without padding and return the grid of sums.

    Each output cell is the sum of the kernel's values times the pixels under it,
    as a Keras ``Conv2D`` layer computes it (before the bias and the activation).
    """
    image, kernel = np.asarray(image), np.asarray(kernel)
    rows = image.shape[0] - kernel.shape[0] + 1
    cols = image.shape[1] - kernel.shape[1] + 1
    output = np.zeros((rows, cols), dtype=image.dtype)
    for row in range(rows):
        for col in range(cols):
            patch = image[row:row + kernel.shape[0], col:col + kernel.shape[1]]
            output[row, col] = np.sum(patch * kernel)
    return output


def max_pool_2x2(values):
    """The largest number in each 2×2 window of ``values``, as ``MaxPooling2D((2, 2))`` keeps it."""
    values = np.asarray(values)
    rows, cols = values.shape[0] // 2, values.shape[1] // 2
    return values[:rows * 2, :cols * 2].reshape(rows, 2, cols, 2).max(axis=(1, 3))


def _blank_axes(figure, xlim, ylim, rect=(0, 0, 1, 1)):
    """An axes in ``figure`` without ticks or frame, whose data units are square."""
    ax = figure.add_axes(rect)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def _number(value):
    """A whole number as text, with a real minus sign."""
    return str(int(value)).replace("-", "\N{MINUS SIGN}")


def _grid(ax, values, left, top, bold_cells=()):
    """Write ``values`` into a grid of unit squares whose top-left corner is (left, top)."""
    for (row, col), value in np.ndenumerate(values):
        x, y = left + col, top - row - 1
        ax.add_patch(Rectangle((x, y), 1, 1, facecolor="none", edgecolor="black", lw=1, zorder=2))
        bold = (row, col) in bold_cells
        ax.text(x + 0.5, y + 0.5, _number(value), ha="center", va="center", fontsize=FONT + 1,
                fontweight="bold" if bold else "normal", zorder=3,
                bbox=dict(boxstyle="square,pad=0.08", facecolor="white", edgecolor="none"))


def _arrow(ax, start, end, **style):
    """An arrow from ``start`` to ``end`` (data coordinates)."""
    arrowprops = dict(arrowstyle="-|>", color="black", lw=1.5, mutation_scale=15, shrinkA=0, shrinkB=0)
    ax.annotate("", xy=end, xytext=start, arrowprops={**arrowprops, **style})


def draw_neuron():
    """One neuron: weighted inputs and a bias are added up, then an activation gives the output."""
    figure = Figure(figsize=(7, 3.5), facecolor="white")
    ax = _blank_axes(figure, (0, 14), (0, 7))
    centre, radius = (6.6, 3.3), 1.5
    for i, y in enumerate([5.6, 3.3, 1.0], start=1):
        ax.add_patch(Circle((1.2, y), 0.5, facecolor=SKY_BLUE, edgecolor="black", lw=1.5))
        ax.text(1.2, y, f"$x_{i}$", ha="center", va="center", fontsize=FONT + 4)
        # the arrow ends on the neuron's edge, pointing at its centre
        dx, dy = centre[0] - 1.7, centre[1] - y
        length = np.hypot(dx, dy)
        end = (centre[0] - dx / length * radius, centre[1] - dy / length * radius)
        _arrow(ax, (1.7, y), end)
        ax.text(1.7 + 0.45 * (end[0] - 1.7), y + 0.45 * (end[1] - y), f"$w_{i}$",
                ha="center", va="center", fontsize=FONT + 2,
                bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none"))
    ax.text(1.2, 6.6, "inputs", ha="center", va="center", fontsize=FONT)

    ax.add_patch(Circle(centre, radius, facecolor=ORANGE, edgecolor="black", lw=1.5))
    ax.text(centre[0], centre[1], r"$\sum_i\, w_i x_i + b$", ha="center", va="center", fontsize=FONT + 2)
    ax.text(centre[0] + 1.2, 6.3, "bias $b$", ha="left", va="center", fontsize=FONT + 1)
    _arrow(ax, (centre[0] + 1.1, 6.3), (centre[0] + 0.75, centre[1] + radius - 0.2))

    _arrow(ax, (centre[0] + radius, centre[1]), (9.1, centre[1]))
    ax.add_patch(FancyBboxPatch((9.1, 2.6), 1.8, 1.4, boxstyle="round,pad=0.1",
                                facecolor=YELLOW, edgecolor="black", lw=1.5))
    ax.text(10.0, 3.3, "relu", ha="center", va="center", fontsize=FONT + 2)
    ax.text(10.0, 4.5, "activation", ha="center", va="center", fontsize=FONT)

    _arrow(ax, (11.0, centre[1]), (12.3, centre[1]))
    ax.add_patch(Circle((12.8, centre[1]), 0.5, facecolor=GREEN, edgecolor="black", lw=1.5))
    ax.text(12.8, centre[1], "$y$", ha="center", va="center", fontsize=FONT + 4)
    ax.text(12.8, 4.4, "output", ha="center", va="center", fontsize=FONT)
    return figure


LAYER_SIZES = (3, 4, 2)
LAYER_NAMES = ("input", "hidden\n(dense)", "output")
LAYER_COLOURS = (SKY_BLUE, ORANGE, GREEN)
NETWORK_XLIM, NETWORK_YLIM = (0.4, 9.6), (-0.4, 5.7)


def _network(ax, switched_off=()):
    """Draw a 3-4-2 dense network; hidden units whose index is in ``switched_off`` are dropped."""
    xs, radius = (1.5, 5.0, 8.5), 0.38

    def units(layer):
        size = LAYER_SIZES[layer]
        return [(xs[layer], 3.5 + 1.15 * (i - (size - 1) / 2)) for i in range(size)]

    def is_off(layer, i):
        return layer == 1 and i in switched_off

    for layer in range(2):
        for i, start in enumerate(units(layer)):
            for j, end in enumerate(units(layer + 1)):
                if not (is_off(layer, i) or is_off(layer + 1, j)):
                    ax.plot([start[0], end[0]], [start[1], end[1]], color="black", lw=1, zorder=1)
    for layer in range(3):
        for i, (x, y) in enumerate(units(layer)):
            if is_off(layer, i):
                ax.add_patch(Circle((x, y), radius, facecolor="#DDDDDD", edgecolor=GREY, lw=1.5,
                                    linestyle="--", zorder=2))
                d = radius * 0.7
                ax.plot([x - d, x + d], [y - d, y + d], color="black", lw=2, zorder=3)
                ax.plot([x - d, x + d], [y + d, y - d], color="black", lw=2, zorder=3)
            else:
                ax.add_patch(Circle((x, y), radius, facecolor=LAYER_COLOURS[layer],
                                    edgecolor="black", lw=1.5, zorder=2))
        ax.text(xs[layer], 1.0, LAYER_NAMES[layer], ha="center", va="top", fontsize=FONT)


def draw_dense_network():
    """A dense network of 3 inputs, 4 hidden units and 2 outputs, every connection drawn."""
    figure = Figure(figsize=(7, 4), facecolor="white")
    # drawn larger than in draw_dropout, so the layer names need less room below
    _network(_blank_axes(figure, NETWORK_XLIM, (0.2, 5.75)))
    return figure


def convolution_arithmetic(image, kernel, position):
    """The sum that gives one feature-map cell, written out: nine products, then their total."""
    row, col = position
    height, width = np.asarray(kernel).shape
    patch = np.asarray(image)[row:row + height, col:col + width]
    lines = []
    for pixels, weights in zip(patch, kernel):
        products = []
        for pixel, weight in zip(pixels, weights):
            weight_text = _number(weight) if weight >= 0 else f"({_number(weight)})"
            products.append(f"{_number(pixel)}×{weight_text}")
        lines.append(" + ".join(products))
    total = feature_map(image, kernel)[row, col]
    return (f"output[{row}, {col}] =   {lines[0]}\n"
            + "".join(f"             + {line}\n" for line in lines[1:])
            + f"             = {_number(total)}")


def draw_convolution():
    """A 3×3 kernel on a 6×6 image, and one cell of the 4×4 feature map worked out."""
    figure = Figure(figsize=(7, 4.1), facecolor="white")
    ax = _blank_axes(figure, (-0.5, 17.0), (-1.9, 8.3))
    row, col = CONV_POSITION
    size = CONV_KERNEL.shape[0]
    output = feature_map(CONV_IMAGE, CONV_KERNEL)

    # the image, with the kernel's current position outlined
    _grid(ax, CONV_IMAGE, left=0, top=7)
    ax.text(3, 7.6, "image (6×6)", ha="center", va="center", fontsize=FONT + 1)
    ax.add_patch(Rectangle((col, 7 - row - size), size, size, facecolor="none",
                           edgecolor=VERMILLION, lw=4, zorder=4))

    # the kernel
    _grid(ax, CONV_KERNEL, left=7.5, top=5.5)
    ax.add_patch(Rectangle((7.5, 5.5 - size), size, size, facecolor="none",
                           edgecolor=VERMILLION, lw=4, zorder=4))
    ax.text(9, 6.1, "kernel (3×3)", ha="center", va="center", fontsize=FONT + 1)

    # the feature map, with the one cell worked out highlighted
    _grid(ax, output, left=12.5, top=6, bold_cells=[CONV_POSITION])
    ax.add_patch(Rectangle((12.5 + col, 6 - row - 1), 1, 1, facecolor="white", hatch="//",
                           hatchcolor=GREY, edgecolor=VERMILLION, lw=4, zorder=1))
    ax.add_patch(Rectangle((12.5 + col, 6 - row - 1), 1, 1, facecolor="none",
                           edgecolor=VERMILLION, lw=4, zorder=4))
    ax.text(14.5, 6.6, "feature map (4×4)", ha="center", va="center", fontsize=FONT + 1)

    ax.text(8.25, -0.3, convolution_arithmetic(CONV_IMAGE, CONV_KERNEL, CONV_POSITION),
            ha="center", va="center", fontsize=FONT, family="monospace")
    return figure


def draw_max_pooling():
    """A 4×4 grid in four hatched 2×2 windows, and the 2×2 grid of their maxima."""
    figure = Figure(figsize=(7, 3.5), facecolor="white")
    ax = _blank_axes(figure, (-0.5, 11.5), (-0.3, 5.7))
    hatches = ("//", "\\\\", "..", "xx")
    pooled = max_pool_2x2(POOL_VALUES)
    maxima = []
    for hatch, (r, c) in zip(hatches, [(0, 0), (0, 2), (2, 0), (2, 2)]):
        window = POOL_VALUES[r:r + 2, c:c + 2]
        dr, dc = np.unravel_index(np.argmax(window), window.shape)
        maxima.append((r + dr, c + dc))
        # the window in the input (top-left corner at 0, 4.5) and its cell in the
        # result (top-left corner at 7.5, 3.5) share a hatching
        ax.add_patch(Rectangle((c, 4.5 - r - 2), 2, 2, facecolor="white", hatch=hatch,
                               hatchcolor=GREY, edgecolor="none", zorder=1))
        ax.add_patch(Rectangle((7.5 + c // 2, 3.5 - r // 2 - 1), 1, 1, facecolor="white", hatch=hatch,
                               hatchcolor=GREY, edgecolor="none", zorder=1))
        ax.add_patch(Rectangle((c, 4.5 - r - 2), 2, 2, facecolor="none", edgecolor="black", lw=3, zorder=4))
        ax.add_patch(Circle((c + dc + 0.5, 4.5 - r - dr - 0.5), 0.36, facecolor="none",
                            edgecolor=VERMILLION, lw=2.5, zorder=4))
    _grid(ax, POOL_VALUES, left=0, top=4.5, bold_cells=maxima)
    _grid(ax, pooled, left=7.5, top=3.5, bold_cells=[(0, 0), (0, 1), (1, 0), (1, 1)])
    ax.add_patch(Rectangle((7.5, 1.5), 2, 2, facecolor="none", edgecolor="black", lw=3, zorder=4))
    ax.text(2, 5.1, "input (4×4)", ha="center", va="center", fontsize=FONT + 1)
    ax.text(8.5, 4.1, "result (2×2)", ha="center", va="center", fontsize=FONT + 1)
    _arrow(ax, (4.6, 2.5), (7.0, 2.5))
    ax.text(5.8, 3.2, "max pooling\n2×2", ha="center", va="center", fontsize=FONT)
    ax.text(5.8, 1.5, "keep the largest\nin each window", ha="center", va="center", fontsize=FONT - 1)
    return figure


def draw_dropout():
    """The same dense network while training with dropout (two hidden units off) and while predicting."""
    figure = Figure(figsize=(7, 3.1), facecolor="white")
    _network(_blank_axes(figure, NETWORK_XLIM, NETWORK_YLIM, rect=(0, 0, 0.5, 0.76)), switched_off=(1, 3))
    _network(_blank_axes(figure, NETWORK_XLIM, NETWORK_YLIM, rect=(0.5, 0, 0.5, 0.76)))
    figure.text(0.25, 0.88, "training: dropout switches off\nsome units at random",
                ha="center", va="center", fontsize=FONT + 1)
    figure.text(0.75, 0.88, "prediction: every unit is used", ha="center", va="center", fontsize=FONT + 1)
    figure.add_artist(Line2D([0.5, 0.5], [0.05, 0.97], transform=figure.transFigure,
                             color=GREY, lw=1, linestyle="--"))
    return figure


def _block(ax, left, bottom, width, text, facecolor, hatch=None):
    """A rounded box 1 unit high with centred text."""
    ax.add_patch(FancyBboxPatch((left, bottom), width, 1, boxstyle="round,pad=0.08", facecolor=facecolor,
                                edgecolor="black", lw=1.2, hatch=hatch, zorder=2))
    ax.text(left + width / 2, bottom + 0.5, text, ha="center", va="center", fontsize=FONT, zorder=3,
            bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none") if hatch else None)


def draw_transfer_learning():
    """Two rows: a base trained with a head for the first classes, then the same base frozen under a new head."""
    figure = Figure(figsize=(7, 4.2), facecolor="white")
    ax = _blank_axes(figure, (0, 14), (0, 8.4))
    rows = [
        (6.2, "1. pretrain on 25,000 images", "airplane, automobile,\nbird, cat, deer",
         ("base\n(trained)", SKY_BLUE, None), ("head\n(trained)", ORANGE)),
        (1.0, "2. transfer with 500 images", "dog, frog, horse,\nship, truck",
         ("same base\n(frozen)", "#E8E8E8", "//"), ("new head\n(trained)", GREEN)),
    ]
    for bottom, title, classes, (base_text, base_colour, hatch), (head_text, head_colour) in rows:
        ax.text(0.1, bottom + 1.65, title, ha="left", va="center", fontsize=FONT + 1, fontweight="bold")
        ax.text(2.2, bottom + 0.5, classes, ha="center", va="center", fontsize=FONT)
        _arrow(ax, (4.2, bottom + 0.5), (5.0, bottom + 0.5))
        _block(ax, 5.1, bottom, 3.9, base_text, base_colour, hatch)
        _arrow(ax, (9.1, bottom + 0.5), (9.9, bottom + 0.5))
        _block(ax, 10.0, bottom, 2.8, head_text, head_colour)
    # The base travels down to the second row; the old head stays behind.
    _arrow(ax, (7.7, 6.0), (7.7, 2.2), linestyle="--")
    ax.text(7.95, 4.1, "keep the base,\ndrop the old head", ha="left", va="center", fontsize=FONT)
    return figure


def _layer_label(layer):
    """A layer's type and main settings, e.g. 'Conv2D 16 3×3 relu'."""
    config = layer.get_config()
    name = type(layer).__name__
    parts = ["Input" if name == "InputLayer" else name]
    if "scale" in config:
        parts.append(f"1/{round(1 / config['scale'])}")
    for key in ("filters", "units"):
        if key in config:
            parts.append(str(config[key]))
    for key in ("kernel_size", "pool_size"):
        if key in config:
            parts.append("×".join(str(n) for n in config[key]))
    if "rate" in config:
        parts.append(str(config["rate"]))
    if config.get("activation") not in (None, "linear"):
        parts.append(str(config["activation"]))
    return " ".join(parts)


def _shape_text(layer):
    """A layer's output shape without the batch size, e.g. '30×30×16'."""
    return "×".join(str(n) for n in layer.output.shape[1:])


def _box_colour(layer):
    """A light fill by kind of layer; the label in the box says the same in words."""
    name = type(layer).__name__
    if "Conv" in name:
        return SKY_BLUE
    if "Pooling" in name:
        return YELLOW
    if name == "Dense":
        return ORANGE
    return "#E8E8E8"


def draw_model_blocks(model):
    """A block diagram of a Keras model: one box per layer with its output shape and parameters."""
    layers = model.layers
    row = 0.55
    height = row * (len(layers) + 2) + 0.3
    figure = Figure(figsize=(7, height), facecolor="white")
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 7)
    ax.set_ylim(0, height)
    ax.axis("off")
    top = height - 0.3
    for x, text, align in [(0.45, "layer", "left"), (4.4, "output shape", "center"), (6.55, "parameters", "right")]:
        ax.text(x, top, text, ha=align, va="center", fontsize=FONT, fontweight="bold")
    for i, layer in enumerate(layers):
        y = top - row * (i + 1)
        ax.add_patch(FancyBboxPatch((0.3, y - 0.17), 6.4, 0.34, boxstyle="round,pad=0.04",
                                    facecolor=_box_colour(layer), edgecolor="black", lw=1.2))
        ax.text(0.45, y, _layer_label(layer), ha="left", va="center", fontsize=FONT)
        ax.text(4.4, y, _shape_text(layer), ha="center", va="center", fontsize=FONT)
        ax.text(6.55, y, f"{layer.count_params():,}", ha="right", va="center", fontsize=FONT)
        if i > 0:
            _arrow(ax, (3.5, y + row - 0.21), (3.5, y + 0.21), lw=1.2)
    ax.text(6.55, top - row * (len(layers) + 1), f"total: {model.count_params():,} parameters",
            ha="right", va="center", fontsize=FONT, fontweight="bold")
    return figure


def model_blocks_alt_text(model):
    """Alt text for ``draw_model_blocks(model)``: every layer in order, its output and the total."""
    boxes = "; ".join(
        f"{_layer_label(layer)} with output {_shape_text(layer)} and {layer.count_params():,} parameters"
        for layer in model.layers
    )
    return (f'A block diagram of the Keras model "{model.name}", one box per layer from top '
            f"to bottom: {boxes}. In total the model has {model.count_params():,} parameters.")


# Alt text for the fixed pictures, for a reader who cannot see them.
ALT_TEXT = {
    "neuron": (
        "One neuron: three inputs x1, x2 and x3 each travel along an arrow labelled with "
        "its weight w1, w2 or w3 into a circle that adds up the weighted inputs and the "
        "bias b. The sum goes through the relu activation, which gives the output y."
    ),
    "dense_network": (
        "A small dense network drawn as circles in three columns: 3 input units, a hidden "
        "dense layer of 4 units and an output layer of 2 units. Every unit is connected "
        "to every unit in the next layer."
    ),
    "convolution": (
        "A 3×3 kernel with the values 1, 0 and −1 in each row lies over one 3×3 patch of "
        "a 6×6 grid of pixel values. The nine pixel values are multiplied by the kernel "
        "values and added up, and the sum, "
        f"{_number(feature_map(CONV_IMAGE, CONV_KERNEL)[CONV_POSITION])}, is written in the "
        "matching highlighted cell of the 4×4 feature map."
    ),
    "max_pooling": (
        "A 4×4 grid of numbers is split into four 2×2 windows, each with its own hatching, "
        "and the largest number in each window is circled. The 2×2 result keeps only "
        f"those maxima: {', '.join(_number(n) for n in max_pool_2x2(POOL_VALUES).flat)}."
    ),
    "transfer_learning": (
        "Transfer learning in two rows. Top row, pretraining: images of airplanes, automobiles, "
        "birds, cats and deer go into a base network, trained, and then into a head that "
        "answers one of those 5 classes. A dashed arrow says: keep the base, drop the old "
        "head. Bottom row, transfer: images of dogs, frogs, horses, ships and trucks go into "
        "the same base, now frozen (hatched grey), and then into a new head for these 5 "
        "classes, the only part that is trained."
    ),
    "dropout": (
        "The same small dense network twice, side by side. On the left, during training, "
        "dropout has switched off two of the four hidden units: they are crossed out "
        "and their connections are gone. On the right, during prediction, every unit "
        "and every connection is used."
    ),
}
