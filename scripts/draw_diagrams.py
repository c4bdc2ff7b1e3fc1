"""Draw the lesson's seven conceptual pictures into ``episodes/figures/``.

Run ``python -m scripts.draw_diagrams`` after changing ``helpers/diagrams.py``.
The pictures come from ``helpers.diagrams``; this script only saves them as
PNG files, 700 pixels wide, without the matplotlib version in their metadata,
so that drawing them again on another machine changes no file.
"""

from helpers import diagrams
from scripts.notebook_conventions import FIGURES

DPI = 100


def draw_all():
    """Every picture the lesson uses, by the name of its PNG file (without '.png')."""
    from helpers.lesson import create_model_intro  # imports TensorFlow: only when drawing

    return {
        "neuron": diagrams.draw_neuron(),
        "dense_network": diagrams.draw_dense_network(),
        "convolution": diagrams.draw_convolution(),
        "max_pooling": diagrams.draw_max_pooling(),
        "dropout": diagrams.draw_dropout(),
        "transfer_learning": diagrams.draw_transfer_learning(),
        "intro_model_blocks": diagrams.draw_model_blocks(create_model_intro()),
    }


def main():
    FIGURES.mkdir(exist_ok=True)
    for name, figure in draw_all().items():
        path = FIGURES / f"{name}.png"
        figure.savefig(path, dpi=DPI, metadata={"Software": None})
        width, height = (figure.get_size_inches() * DPI).round().astype(int)
        print(f"wrote {path.relative_to(FIGURES.parent.parent)} ({width}×{height} pixels)")


if __name__ == "__main__":
    main()
