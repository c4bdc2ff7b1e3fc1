"""The benchmarks, run from the repository root: ``python -m benchmarks.run_benchmarks`` (see README.md here).

``run_benchmarks`` times the flows of ``flows`` (``python -m benchmarks.flows``),
each in a process of its own, and the training command. ``section_markdown``
writes a section of the results as markdown, for ``results.md`` and, through
``python -m scripts.build_notebooks``, for the episodes that show the tables.
"""
