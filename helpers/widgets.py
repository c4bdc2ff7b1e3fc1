"""Interactive explorers: sliders that redraw a figure while you move them.

Episode 04 uses ``gradient_descent_explorer`` to try learning rates and step
counts on the example loss of ``helpers.gradient_descent``.

The rule for every explorer: where no widget front end exists, it draws ONE
static figure with the settings it was given, instead of showing sliders.
That is the case when the environment variable ``LESSON_STATIC_WIDGETS`` is
``1`` (the tests and ``scripts/run_notebooks.py`` set it, so stored outputs
hold a real figure) or when ipywidgets is not installed. ``widgets_available``
makes that decision. Only APIs that ipywidgets 7.7 (Colab) and 8 share are used.
"""

import functools
import os

from helpers.gradient_descent import descend
from helpers.plotting import plot_descent


def widgets_available():
    """True when explorers may show sliders; False when they must draw static figures."""
    if os.environ.get("LESSON_STATIC_WIDGETS", "").strip().lower() in {"1", "true", "yes"}:
        return False
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    return True


# --- gradient descent (episode 04) ------------------------------------------------

def draw_descent(learning_rate, iterations, start=1.0):
    """Draw the path gradient descent takes with these settings (one figure)."""
    plot_descent(descend(start, learning_rate, iterations), learning_rate)


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

    Without a widget front end (see ``widgets_available``), draw the path for
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
