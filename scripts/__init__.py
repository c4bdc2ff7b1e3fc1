"""The maintainers' commands, each run from the repository root as ``python -m scripts.NAME``.

Commands (each has a ``main``):

- ``build_notebooks``: the launch cells, check cells, learner notebooks, answer
  key, ``helpers/lesson.py`` and every page rendered from measured results;
- ``build_site``: the website, with Jupyter Book;
- ``draw_diagrams``: the pictures in ``episodes/figures/``;
- ``run_notebooks``: runs every episode in full mode and measures it;
- ``measure_spread``: the run-to-run spread of the episodes' experiments;
- ``check_mutations``: breaks the lesson on purpose and checks that the tests notice;
- ``check_widgets_in_browser``: the explorers in a real JupyterLab.

Shared by the commands, with no command of their own:

- ``notebook_conventions``: the tags of the notebooks' cells, where their
  diagrams are, and how hints and solutions are quoted;
- ``repository``: the lesson's GitHub repository and its Colab, Binder and Pages addresses;
- ``timing_pages``: the pages and sentences rendered from ``helpers/timings.json``;
- ``machine_and_software``: the machine and the libraries that a measurement ran on.

Imports go one way only. A command imports ``helpers``, these shared modules
and ``benchmarks.section_markdown``; a shared module imports ``helpers`` at
most; nothing imports a command. A command that needs another one runs it
as ``python -m scripts.NAME``. The website's extension (``site/_ext/lesson_site.py``)
imports shared modules only. ``tests/test_packaging.py`` checks all of this.
"""
