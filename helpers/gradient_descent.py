"""Gradient descent on a one-dimensional loss, the worked example of episode 04.

The loss is the parabola ``(x - 3)**2``. Its lowest point is at x = 3, and its
gradient (slope) is ``2 * (x - 3)``. Taught in episode 04, which uses it to
show what small, large and good learning rates do.
"""

import numpy as np

MINIMUM = 3.0


def loss(x):
    """The example loss, ``(x - 3)**2``, for a number or an array of numbers."""
    return (x - MINIMUM) ** 2


def gradient(x):
    """The slope of the loss at x: ``2 * (x - 3)``."""
    return 2 * (x - MINIMUM)


def descend(start=1.0, learning_rate=0.05, iterations=25):
    """The positions gradient descent visits: ``start``, then one per step.

    Each step moves against the slope: ``x = x - learning_rate * gradient(x)``.
    Returns an array of ``iterations + 1`` positions.
    """
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be a positive number; got {learning_rate!r}.")
    if isinstance(iterations, bool) or not isinstance(iterations, (int, np.integer)) or iterations < 0:
        raise ValueError(f"iterations must be a whole number, 0 or more; got {iterations!r}.")
    positions = [float(start)]
    for _ in range(iterations):
        x = positions[-1]
        positions.append(x - learning_rate * gradient(x))
    return np.array(positions)
