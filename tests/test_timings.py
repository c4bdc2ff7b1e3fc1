"""The README and the instructor notes quote the measured timing table and the episodes' own estimates.

docs/timings.md is written by ``scripts/run_notebooks.py --table``; the
README's episode table and the schedule in docs/instructor-notes.md round its
figures by hand. These tests fail when a new run, or a changed estimate at the
top of an episode, leaves them behind.
"""

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
EPISODES = sorted((ROOT / "episodes").glob("[0-9][0-9]-*.ipynb"))


def seconds(text):
    """'2 min 57 s', '1½ min', '2¾ min', '40 s' or '12 min' in seconds."""
    text = text.replace("½", ".5").replace("¾", ".75").replace("¼", ".25")
    match = re.fullmatch(r"(?:(\d+(?:\.\d+)?) min)? ?(?:(\d+) s)?", text.strip())
    assert match and any(match.groups()), f"not a duration: {text!r}"
    return float(match[1] or 0) * 60 + float(match[2] or 0)


def measured():
    """{episode number: (wall seconds, peak MiB)} from the timing table."""
    rows = re.findall(r"^\| (\d\d)-[\w-]+\.ipynb \| ([^|]+) \| [^|]+ \| [^|]+ \| ([\d,]+) MiB \|",
                      (ROOT / "docs" / "timings.md").read_text(), re.M)
    return {number: (seconds(wall), float(peak.replace(",", ""))) for number, wall, peak in rows}


def estimates():
    """{episode number: (teaching, exercises)} from the first cell of each episode, in minutes."""
    found = {}
    for path in EPISODES:
        title = next(cell.source for cell in nbformat.read(path, as_version=4).cells
                     if cell.cell_type == "markdown" and cell.source.startswith("# "))
        match = re.search(r"\*\*Teaching:\*\* (\d+) min · \*\*Exercises:\*\* (\d+) min", title)
        found[path.name[:2]] = (match[1], match[2])
    return found


def close_enough(quoted_seconds, measured_seconds):
    return abs(quoted_seconds - measured_seconds) <= max(15, 0.15 * measured_seconds)


def test_the_timing_table_has_every_episode():
    assert sorted(measured()) == [path.name[:2] for path in EPISODES]


# How each page writes a row: number, teaching, exercises, run time, peak memory.
QUOTING_PAGES = {
    "README.md": r"^\| (\d\d) \| \[[^]]+\]\([^)]+\) \| (\d+) min \| (\d+) min \| ([^|]+) \| ([\d.]+) GiB \|",
    "docs/instructor-notes.md": r"^\| (\d\d) [^|]+ \| (\d+) min \| (\d+) min \| ([^|]+) \| [^|]+ \| ([\d.]+) GiB \|",
}


@pytest.mark.parametrize("page", QUOTING_PAGES)
def test_episode_tables_quote_the_estimates_and_the_measurements(page):
    rows = re.findall(QUOTING_PAGES[page], (ROOT / page).read_text(), re.M)
    assert [row[0] for row in rows] == [path.name[:2] for path in EPISODES]
    table, estimated = measured(), estimates()
    for number, teaching, exercises, run_time, peak_gib in rows:
        assert (teaching, exercises) == estimated[number], f"{page}: estimates of episode {number}"
        assert close_enough(seconds(run_time), table[number][0]), f"{page}: run time of episode {number}"
        assert float(peak_gib) == pytest.approx(table[number][1] / 1024, abs=0.06), (
            f"{page}: peak memory of episode {number}")


def test_every_episode_stays_under_the_binder_memory_limit():
    for number, (_, peak_mib) in measured().items():
        assert peak_mib < 2048, f"episode {number} needs {peak_mib:.0f} MiB; mybinder.org allows 2 GiB"
