"""Tests for helpers.widgets: the explorers' sliders, their redraws and the static fallback.

No browser is needed: the tests build the widget objects, change slider
values from Python and look at what was drawn.
"""

import sys

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import widgets
from helpers.gradient_descent import descend


@pytest.fixture(autouse=True)
def shown(monkeypatch):
    """Start and end with no open figure; record the figure of every plt.show call.

    plt.show is replaced because with the Agg backend the real one can warn that
    the canvas is non-interactive, which pytest turns into a failure.
    """
    plt.close("all")
    figures = []
    monkeypatch.setattr(plt, "show", lambda *args, **kwargs: figures.append(plt.gcf()))
    yield figures
    plt.close("all")


@pytest.fixture
def live_widgets(monkeypatch):
    """Pretend to be in Jupyter with a widget front end; collect what gets displayed."""
    monkeypatch.delenv("LESSON_STATIC_WIDGETS", raising=False)
    displayed = []
    monkeypatch.setattr("IPython.display.display", lambda *objects, **kwargs: displayed.extend(objects))
    return displayed


@pytest.fixture
def draws(monkeypatch):
    """Replace plot_descent in helpers.widgets by a recorder of its arguments."""
    calls = []
    monkeypatch.setattr(widgets, "plot_descent", lambda positions, rate, ax=None: calls.append((positions, rate)))
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

def test_draw_descent_draws_the_path_for_the_given_settings(shown):
    widgets.draw_descent(learning_rate=0.3, iterations=10, start=0.0)
    (figure,) = shown
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


def test_the_explorer_shows_sliders_and_the_first_path(live_widgets, draws, shown):
    assert widgets.gradient_descent_explorer(start=1.0, learning_rate=0.05, iterations=25) is None
    (box,) = live_widgets
    assert type(box).__name__ == "VBox"
    rate, iterations = sliders_of(box)
    assert (rate.value, iterations.value) == (pytest.approx(0.05), 25)
    (positions, learning_rate), = draws
    np.testing.assert_allclose(positions, descend(1.0, 0.05, 25))
    assert learning_rate == pytest.approx(0.05)


def test_moving_a_slider_redraws_with_the_new_path(live_widgets, draws):
    widgets.gradient_descent_explorer(start=2.0)
    rate, iterations = sliders_of(live_widgets[0])
    rate.value = 0.6
    iterations.value = 7
    assert len(draws) == 3  # the first drawing, then one per slider change
    positions, learning_rate = draws[-1]
    assert learning_rate == pytest.approx(0.6)
    np.testing.assert_allclose(positions, descend(2.0, 0.6, 7))
    assert len(draws[1][0]) == 26 and len(positions) == 8


def test_the_static_fallback_draws_one_figure_and_no_widget(monkeypatch, shown, capsys):
    monkeypatch.setenv("LESSON_STATIC_WIDGETS", "1")
    displayed = []
    monkeypatch.setattr("IPython.display.display", lambda *objects, **kwargs: displayed.extend(objects))
    assert widgets.gradient_descent_explorer(start=1.0, learning_rate=1.05, iterations=12) is None
    (figure,) = shown
    assert plt.get_fignums() == [figure.number] and len(figure.axes) == 1
    assert "learning rate 1.05" in figure.axes[0].get_title()
    assert len(figure.axes[0].get_lines()[1].get_xdata()) == 13
    assert displayed == [] and capsys.readouterr().out == ""


def test_without_ipywidgets_the_explorer_draws_a_static_figure(monkeypatch, shown):
    monkeypatch.delenv("LESSON_STATIC_WIDGETS", raising=False)
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    widgets.gradient_descent_explorer(learning_rate=0.1, iterations=5)
    assert len(shown) == 1 and "learning rate 0.1" in shown[0].axes[0].get_title()


def test_the_module_states_the_static_rule():
    doc = widgets.__doc__
    assert "episode 04" in doc.lower()
    assert "LESSON_STATIC_WIDGETS" in doc and "static figure" in doc
