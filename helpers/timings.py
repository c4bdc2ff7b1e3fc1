"""The lesson's measured timings, ``helpers/timings.json``, counted on the machine that measured them.

``python -m scripts.run_notebooks`` writes that file: the machine that ran
every episode (the reference machine), one intro-model epoch timed there,
and a record per episode. An episode run again on its own later, perhaps on
another machine (``--merge``), keeps that machine's epoch time in its
record's ``measured_apart``; its seconds count as the reference machine
would take them, scaled by the ratio of the two epoch times.
``helpers.check`` takes its reference figures from here, and
``scripts/timing_pages.py`` the figures of the pages it renders.

``helpers.check`` imports this module before it checks the Python version,
so it must stay importable by old Pythons (3.8 and up).
"""

import json
from pathlib import Path

TIMINGS = Path(__file__).with_name("timings.json")


def load_timings(path=TIMINGS):
    """The measured results in ``path``, ``helpers/timings.json`` unless told otherwise, as a dict."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def on_reference_machine(seconds, record, timings):
    """Seconds measured for an episode's ``record``, as the reference machine would take them.

    An episode measured apart is scaled by the ratio of the two machines'
    intro-epoch times; the others are returned as they are.
    """
    apart = record.get("measured_apart")
    return seconds if apart is None else seconds * timings["intro_epoch_seconds"] / apart["intro_epoch_seconds"]


def lesson_seconds(timings, key):
    """The sum of ``key`` ("seconds" or "training_seconds") over every episode, on the reference machine."""
    return sum(on_reference_machine(record[key], record, timings) for record in timings["episodes"])
