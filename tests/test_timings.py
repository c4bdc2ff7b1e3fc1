"""The measured results of the last full run (helpers/timings.json) and the pages rendered from them.

``python -m scripts.run_notebooks`` writes the results file, and
``python -m scripts.build_notebooks`` renders every page and sentence that
quotes it (tests/test_build_notebooks.py checks that the committed files are
what it renders). These tests check the results themselves, and the
rendering rules.
"""

import json
from pathlib import Path

import nbformat
import pytest

from helpers.durations import in_short, in_words
from helpers.timings import on_reference_machine
from scripts import run_notebooks, timing_pages

ROOT = Path(__file__).resolve().parent.parent
EPISODES = sorted((ROOT / "episodes").glob("[0-9][0-9]-*.ipynb"))
RESULTS = json.loads((ROOT / "helpers" / "timings.json").read_text(encoding="utf-8"))
BINDER_SHARE_MIB = 1.5 * 1024  # what one episode may take of mybinder.org's 2 GiB


def test_the_results_hold_every_episode_in_order():
    assert [record["name"] for record in RESULTS["episodes"]] == [path.name for path in EPISODES]


def test_the_results_know_every_code_cell_that_ran():
    for path, record in zip(EPISODES, RESULTS["episodes"]):
        ids = {cell.id for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"}
        assert set(record["cell_seconds"]) <= ids, f"{path.name}: timed cells that the notebook no longer has"
        assert sum(record["cell_seconds"].values()) <= record["seconds"]


def test_every_episode_fits_in_its_share_of_binder_memory():
    for record in RESULTS["episodes"]:
        assert record["peak_mib"] <= BINDER_SHARE_MIB, (
            f"{record['name']} peaks at {record['peak_mib']:,} MiB, kernel and child processes together; "
            f"an episode may use 1.5 GiB of mybinder.org's 2 GiB")


def test_no_cell_runs_over_five_minutes_and_training_stays_under_half_an_hour():
    """On the machine that ran the lesson; an episode measured apart counts as it would take there."""
    assert max(on_reference_machine(record["slowest_seconds"], record, RESULTS)
               for record in RESULTS["episodes"]) <= 5 * 60
    assert timing_pages.seconds_for("lesson-training", RESULTS) < 30 * 60


def test_a_span_names_cells_and_repeats():
    results = {"intro_epoch_seconds": 5.61, "episodes": [
        {"name": "05-x.ipynb", "seconds": 200, "training_seconds": 190, "cell_seconds": {"fit": 70.0, "other": 2.0}}]}
    text = ('took <span data-timing="05/fit">old</span>; five would take <span data-timing="5 × 05/fit">old</span>; '
            'both <span data-timing="05/fit + 05/other">old</span>; epoch <span data-timing="intro-epoch">old</span>')
    assert timing_pages.render_spans(text, results, in_words) == (
        'took <span data-timing="05/fit">70 seconds</span>; five would take <span data-timing="5 × 05/fit">'
        '5¾ minutes</span>; both <span data-timing="05/fit + 05/other">70 seconds</span>; epoch '
        '<span data-timing="intro-epoch">5.6 s</span>')


@pytest.mark.parametrize("key", ["05/missing", "09/fit", "fit", "lesson-everything"])
def test_a_span_with_an_unknown_key_stops_the_build(key):
    results = {"intro_epoch_seconds": 5.6, "episodes": [
        {"name": "05-x.ipynb", "seconds": 1, "training_seconds": 1, "cell_seconds": {"fit": 1.0}}]}
    with pytest.raises(timing_pages.TimingKeyError):
        timing_pages.render_spans(f'<span data-timing="{key}">x</span>', results, in_short)


def test_every_quoted_duration_in_the_episodes_is_rendered_from_the_results():
    """No duration typed by hand: each 'about N seconds/minutes' of an episode sits in a span."""
    import re

    for path in EPISODES:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "markdown":
                continue
            bare = timing_pages.SPAN.sub("", cell.source)
            quoted = re.findall(r"\babout (?:\d+|\d*[½¼¾]) (?:seconds|minutes?)\b", bare)
            assert not quoted, f"{path.name}: {quoted} is typed by hand; use a data-timing span"


def test_the_setup_check_takes_its_reference_from_the_results():
    from helpers import check

    def on_the_reference(key):
        # an episode measured apart counts as it would take on the reference machine
        return sum(record[key] * RESULTS["intro_epoch_seconds"]
                   / record.get("measured_apart", RESULTS)["intro_epoch_seconds"] for record in RESULTS["episodes"])

    assert check.REFERENCE["intro_epoch_seconds"] == RESULTS["intro_epoch_seconds"]
    assert check.REFERENCE["lesson_training_seconds"] == pytest.approx(on_the_reference("training_seconds"))
    assert check.REFERENCE["lesson_wall_seconds"] == pytest.approx(on_the_reference("seconds"))


def small_results():
    """Results of two made-up episodes, measured together on a machine whose intro epoch took 6 s."""
    def record(name, seconds):
        return {"name": name, "seconds": seconds, "training_seconds": seconds - 10, "slowest_index": 3,
                "slowest_seconds": seconds - 20, "slowest_line": "model.fit(...)", "peak_mib": 1000,
                "key_results": "", "cell_seconds": {}}

    return {"command": "python -m scripts.run_notebooks", "date": "2026-01-01", "software": "Python",
            "machine": {"short": "machine A", "description": "machine A."}, "data": "a copy",
            "intro_epoch_seconds": 6.0, "episodes": [record("01-one.ipynb", 60), record("03-three.ipynb", 90)]}


def test_an_episode_measured_apart_is_merged_in_order_and_marked():
    results = small_results()
    apart = {"date": "2026-02-02", "machine": {"short": "machine B", "description": "machine B."},
             "software": "Python", "intro_epoch_seconds": 15.0}
    new = dict(results["episodes"][0], name="02-two.ipynb", seconds=300, training_seconds=250)
    merged = run_notebooks.merge_record(results, new, apart)
    assert [record["name"] for record in merged["episodes"]] == ["01-one.ipynb", "02-two.ipynb", "03-three.ipynb"]
    assert merged["episodes"][1]["measured_apart"] == apart and "measured_apart" not in new
    assert len(results["episodes"]) == 2  # the results passed in are left alone
    again = run_notebooks.merge_record(merged, dict(new, seconds=200), apart)
    assert [record["seconds"] for record in again["episodes"]] == [60, 200, 90]

    page = timing_pages.timings_page(merged)
    assert "| 02-two.ipynb† | 5 min 00 s |" in page
    note = ("† Episode 02 was measured on its own on 2026-02-02, on machine B, where one intro-model epoch took "
            "15.0 s (against 6.0 s for the other episodes); the totals count its figures scaled by the ratio of "
            "these two times.")
    assert note in page
    assert timing_pages.apart_notes(results) == []
    # its 300 s on machine B count as 300 × 6 / 15 = 120 s on machine A
    assert timing_pages.seconds_for("lesson-wall", merged) == pytest.approx(60 + 120 + 90)
    assert timing_pages.seconds_for("lesson-training", merged) == pytest.approx(50 + 100 + 80)
