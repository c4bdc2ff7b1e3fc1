"""Helper package for the lesson "Image classification with convolutional neural networks".

Each module has one concern and names the episode that teaches what it holds:

- ``helpers.quiet``: load TensorFlow without its C++ start-up messages.
- ``helpers.settings``: the ``LESSON_*`` environment variables, read in one place.
- ``helpers.data``: the dataset registry and loaders (CIFAR-10, Pima diabetes).
- ``helpers.models``: every model the episodes build, and ``compile_and_train``.
- ``helpers.plotting``: image grids, training curves, gradient-descent paths, filtered
  photos and prediction bar charts.
- ``helpers.gradient_descent``: the one-dimensional gradient-descent example.
- ``helpers.widgets``: interactive explorers (gradient descent, convolution kernels,
  predictions), with static figures where widgets cannot show.
- ``helpers.exercises``: ``check()``, ``hint()`` and ``solution()`` for every challenge.
- ``helpers.train``: the training command, ``python -m helpers.train``.
- ``helpers.check``: the setup check learners run before a workshop, ``python -m helpers.check``.
- ``helpers.cli``: the command-line parsing the two commands share.

Nothing here is imported until you ask for it, so ``import helpers`` is quick.
"""

__version__ = "0.1.0"
