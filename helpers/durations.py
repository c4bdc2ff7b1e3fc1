"""Durations written for people, in the four ways the lesson writes them.

- ``minutes_and_seconds``: '45 s', '3 min 05 s', '1 h 02 min', for a time
  just measured: the training command's line per epoch, the timing table
  (``docs/timings.md``).
- ``rounded_duration``: '42 s', '27 min', '1 h 40 min', for an estimate or a
  total: ``python -m helpers.check``, the benchmarks' sections, the
  instructor notes' schedule.
- ``in_words``: '10 seconds', '80 seconds', '2½ minutes', for the durations
  the episodes' text quotes.
- ``in_short``: '9 s', '40 s', '1¼ min', '12 min', for the tables of the
  README and the instructor notes.

``helpers.check`` imports this module before it checks the Python version,
so it must stay importable by old Pythons (3.8 and up).
"""

QUARTERS = {0: "", 1: "¼", 2: "½", 3: "¾"}


def minutes_and_seconds(seconds):
    """A measured duration to the second: '45 s', '3 min 05 s', or, from an hour on, '1 h 02 min'."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def rounded_duration(seconds):
    """A duration in round figures: 42 -> '42 s', 1620 -> '27 min', 6000 -> '1 h 40 min'.

    Seconds up to a minute and a half, whole minutes up to an hour and a half,
    then hours and minutes.
    """
    if seconds < 90:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def quarter_minutes(seconds):
    """Whole and quarter minutes, at least a quarter: 100 -> '1¾', 150 -> '2½', 360 -> '6'."""
    quarters = max(1, round(seconds / 15))
    return f"{quarters // 4 or ''}{QUARTERS[quarters % 4]}"


def in_words(seconds):
    """A duration for the episodes' text: '10 seconds', '80 seconds', '2½ minutes'."""
    if seconds < 90:
        return f"{max(5, 5 * round(seconds / 5))} seconds"
    return f"{quarter_minutes(seconds)} minutes"


def in_short(seconds):
    """A duration for tables: '9 s', '40 s', '1¼ min', '12 min'."""
    if seconds < 10:
        return f"{max(1, round(seconds))} s"
    if seconds < 60:
        return f"{5 * round(seconds / 5)} s"
    if seconds < 10 * 60:
        return f"{quarter_minutes(seconds)} min"
    return f"{round(seconds / 60)} min"
