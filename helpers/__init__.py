"""Helper package for the lesson "Image classification with convolutional neural networks".

Each module has one concern and names the episode that teaches what it holds:

- ``helpers.quiet``: load TensorFlow without its C++ start-up messages.
- ``helpers.settings``: the ``LESSON_*`` environment variables, read in one place.
- ``helpers.data``: the dataset registry and loaders (CIFAR-10, Pima diabetes).
- ``helpers.lesson``: the definitions the episodes teach and reuse (``create_model_intro``,
  ``compile_and_train``, ...), written from the notebooks by ``scripts/build_notebooks.py``.
- ``helpers.models``: the models and recipes the episodes use without writing them (the fast
  recipe, ``load_or_train``), and the taught ones again from ``helpers.lesson``.
- ``helpers.plotting``: image grids, training curves, gradient-descent paths, filtered
  photos and prediction bar charts.
- ``helpers.gradient_descent``: the one-dimensional gradient-descent example.
- ``helpers.widgets``: interactive explorers (gradient descent, convolution kernels,
  predictions), with static figures where widgets cannot show.
- ``helpers.exercises``: ``check()``, ``hint()`` and ``solution()`` for every challenge.
- ``helpers.train``: the training command, ``python -m helpers.train`` (episode 09).
- ``helpers.runs``: what keeps a run of it safe: pausing, continuing, saving the results whole.
- ``helpers.distribution``: training it on several devices or machines (tf.distribute).
- ``helpers.check``: the setup check learners run before a workshop, ``python -m helpers.check``.
- ``helpers.cli``: the command-line parsing the two commands share.

Small pieces that the modules above, the scripts and the benchmarks share, one home each:

- ``helpers.durations``: durations written for people ('3 min 05 s', '27 min', '2½ minutes').
- ``helpers.error_lines``: an exception, or a failed process's output, as one line for a message.
- ``helpers.files``: files written whole (never half of one), and whether a folder can take files.
- ``helpers.timings``: the measured timings (``helpers/timings.json``), an episode measured apart
  counted as on the reference machine.

Nothing here is imported until you ask for it, so ``import helpers`` is quick.
"""

__version__ = "0.1.0"
