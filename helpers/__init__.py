"""Helper package for the lesson "Image classification with convolutional neural networks".

Each module has one concern and names the episode that teaches what it holds:

- ``helpers.quiet``: load TensorFlow without its C++ start-up messages.
- ``helpers.data``: the dataset registry and loaders (CIFAR-10, Pima diabetes).
- ``helpers.models``: every model the episodes build.
- ``helpers.plotting``: image grids, training curves and gradient-descent paths.
- ``helpers.gradient_descent``: the one-dimensional gradient-descent example.
- ``helpers.widgets``: interactive explorers, with static figures where widgets cannot show.
- ``helpers.train``: the training command, ``python -m helpers.train``.

Nothing here is imported until you ask for it, so ``import helpers`` is quick.
"""

__version__ = "0.1.0"
