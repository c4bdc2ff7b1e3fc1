"""helpers.gradient_descent: the worked example of episode 04."""

import numpy as np
import pytest

from helpers import gradient_descent as gd


def test_loss_and_gradient_of_the_parabola():
    assert gd.loss(3.0) == 0 and gd.loss(1.0) == 4 and gd.loss(5.0) == 4
    assert gd.gradient(3.0) == 0 and gd.gradient(1.0) == -4 and gd.gradient(4.0) == 2
    np.testing.assert_allclose(gd.loss(np.array([2.0, 4.0])), [1.0, 1.0])


def test_descend_takes_the_documented_steps():
    positions = gd.descend(start=1.0, learning_rate=0.05, iterations=25)
    assert positions.shape == (26,) and positions[0] == 1.0
    # Each step shrinks the distance to 3 by the factor 1 - 2 * 0.05 = 0.9.
    np.testing.assert_allclose(positions, 3 - 2 * 0.9 ** np.arange(26))


def test_descend_with_a_too_large_rate_diverges():
    positions = gd.descend(start=1.0, learning_rate=1.1, iterations=10)
    distances = np.abs(positions - 3)
    assert np.all(np.diff(distances) > 0)


def test_descend_with_zero_iterations_returns_the_start():
    np.testing.assert_array_equal(gd.descend(start=7.0, iterations=0), [7.0])


@pytest.mark.parametrize("rate", [0, -0.1, float("nan")])
def test_descend_rejects_a_learning_rate_that_is_not_positive(rate):
    with pytest.raises(ValueError, match="learning_rate must be a positive number"):
        gd.descend(learning_rate=rate)


@pytest.mark.parametrize("iterations", [-1, 2.5, "10", True])
def test_descend_rejects_iterations_that_are_not_a_whole_number(iterations):
    with pytest.raises(ValueError, match="iterations must be a whole number"):
        gd.descend(iterations=iterations)
