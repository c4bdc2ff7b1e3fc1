"""python -m scripts.measure_spread: reduced notebooks, the results file, its page, and the command line.

Fake notebooks written into tmp_path stand in for the episodes; nothing here trains a model.
"""

import json

import nbformat
import pytest

from scripts import measure_spread

# A notebook in the episodes' style: setup, a cell with SEED, training, a table.
FAKE_CELLS = [
    ("setup", "import pandas as pd\nfrom pathlib import Path\nfrom helpers import settings\n\n"
              "factor = float(Path('factor.txt').read_text())  # read from the working directory"),
    ("notes", "Some narrative."),
    ("seeded", "SUBSET = 10\nSEED = 1\nruns = {}"),
    ("not-listed", "raise RuntimeError('a cell that is not listed ran')"),
    ("train", "import random\n\nif SEED == 13:\n    raise ValueError('unlucky\\nseed')\n"
              "runs['plain'] = {'score': factor * SEED, 'quick': float(settings.quick_mode()), 'skipped': 0.0}\n"
              "runs['fancy'] = {'score': 1.0, 'quick': 0.0, 'skipped': 0.0}"),
    ("table", "table = pd.DataFrame(runs).T\ntable"),
]


def fake_experiment(name="fake", cells=("setup", "seeded", "train", "table")):
    return {"name": name, "title": f"A fake experiment called {name}", "notebook": "fake.ipynb",
            "cells": list(cells), "table": "table", "columns": ["score", "quick"]}


@pytest.fixture
def episodes(tmp_path):
    """A folder with the fake notebook (every code cell with a stale output) and the file it reads."""
    folder = tmp_path / "episodes"
    folder.mkdir()
    cells = []
    for cell_id, source in FAKE_CELLS:
        if cell_id == "notes":
            cell = nbformat.v4.new_markdown_cell(source)
        else:
            cell = nbformat.v4.new_code_cell(source, execution_count=3)
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="stale\n")]
        cell.id = cell_id
        cells.append(cell)
    nbformat.write(nbformat.v4.new_notebook(cells=cells), folder / "fake.ipynb")
    (folder / "factor.txt").write_text("2")
    return folder


@pytest.fixture
def script(monkeypatch, tmp_path, episodes):
    """The script with the fake experiment as its only one and docs/ moved into tmp_path."""
    monkeypatch.setattr(measure_spread, "EXPERIMENTS", [fake_experiment()])
    monkeypatch.setattr(measure_spread, "EPISODES", episodes)
    monkeypatch.setattr(measure_spread, "DOCS", tmp_path / "docs")
    return measure_spread


def results_dict(quick_mode=False):
    """A small hand-made results dict in the shape the script writes."""
    return {
        "command": "python -m scripts.measure_spread --seeds 1 2 3",
        "date": "2026-12-02",
        "machine": {"short": "a test machine", "description": "2 CPU cores (Test CPU), Linux, no GPU used."},
        "software": "Python 3.11",
        "quick_mode": quick_mode,
        "seeds": [1, 2, 3],
        "experiments": {
            "regularisation": {
                "title": "Episode 06: regularisation", "notebook": "06-prevent-overfitting.ipynb",
                "date": "2026-12-02", "seeds": [1, 2, 3], "seconds": [301.2, 298.7, 310.0],
                "values": {
                    "intro (baseline)": {"validation accuracy": [0.4, 0.42, 0.39], "gap": [0.3, 0.25, 0.31]},
                    "drop|out": {"validation accuracy": [0.5, 0.55, 0.53], "gap": [None, 0.1, 0.1]},
                },
            },
        },
    }


def one_error_line(capsys):
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith("python -m scripts.measure_spread: error: "), error
    return error


# --- the reduced notebook ---


def test_the_listed_cells_come_in_the_listed_order(episodes):
    experiment = fake_experiment(cells=["table", "seeded", "setup"])
    cells = measure_spread.listed_cells(experiment, episodes)
    assert [cell.id for cell in cells] == ["table", "seeded", "setup"]


def test_the_seeded_notebook_sets_the_seed_clears_outputs_and_ends_with_the_table_cell(episodes):
    experiment = fake_experiment()
    cells = measure_spread.listed_cells(experiment, episodes)
    notebook = measure_spread.seeded_notebook(cells, experiment, 42)
    assert [cell.id for cell in notebook.cells] == ["setup", "seeded", "train", "table", "measure-spread-table"]
    assert notebook.cells[1].source == "SUBSET = 10\nSEED = 42\nruns = {}"
    assert all(cell.outputs == [] and cell.execution_count is None for cell in notebook.cells)
    assert "table[_columns].to_json(orient='index'" in notebook.cells[-1].source
    assert "['score', 'quick']" in notebook.cells[-1].source
    nbformat.validate(notebook)
    assert cells[1].source == "SUBSET = 10\nSEED = 1\nruns = {}", "the cells passed in were changed"


def test_an_experiment_without_a_seed_line_is_refused(episodes):
    with pytest.raises(measure_spread.SpreadError, match=r"none of its cells in fake.ipynb has a line 'SEED"):
        measure_spread.listed_cells(fake_experiment(cells=["setup", "train"]), episodes)


def test_every_unknown_or_markdown_cell_is_named(episodes):
    with pytest.raises(measure_spread.SpreadError) as raised:
        measure_spread.listed_cells(fake_experiment(cells=["setup", "no-such-cell", "notes", "seeded"]), episodes)
    assert str(raised.value).splitlines() == [
        "experiment 'fake': fake.ipynb has no cell with the id 'no-such-cell'",
        "experiment 'fake': cell 'notes' of fake.ipynb is a markdown cell, not code",
    ]


def test_a_missing_notebook_is_named(tmp_path):
    with pytest.raises(measure_spread.SpreadError, match=r"experiment 'fake': the notebook .*fake.ipynb does not"):
        measure_spread.listed_cells(fake_experiment(), tmp_path)


def test_the_real_experiment_list_is_well_formed():
    assert measure_spread.experiment_list_problems(measure_spread.EXPERIMENTS) == []


def test_every_problem_of_an_experiment_list_gets_its_own_line():
    good = fake_experiment()
    bad = {**fake_experiment(), "cells": [], "table": "not a name"}
    problems = measure_spread.experiment_list_problems([good, good, bad, {"name": "half"}])
    assert problems == [
        "EXPERIMENTS entry 2 ('fake'): another experiment has the same name",
        "EXPERIMENTS entry 3 ('fake'): another experiment has the same name",
        "EXPERIMENTS entry 3 ('fake'): 'cells' must be a non-empty list of strings, each listed once",
        "EXPERIMENTS entry 3 ('fake'): 'table' must be the name of a notebook variable",
        "EXPERIMENTS entry 4 must be a dict with exactly the keys name, title, notebook, cells, table, columns",
    ]


# --- the results file and its page ---


def test_the_page_has_one_row_per_configuration_and_metric_with_the_spread():
    page = measure_spread.render_markdown(results_dict())
    assert "`python -m scripts.measure_spread --seeds 1 2 3` on 2026-12-02" in page
    assert "## Episode 06: regularisation" in page
    assert "`episodes/06-prevent-overfitting.ipynb`" in page and "301 s, 299 s, 310 s" in page
    assert "| configuration | metric | seed 1 | seed 2 | seed 3 | spread (max − min) |" in page
    assert "| intro (baseline) | validation accuracy | 0.400 | 0.420 | 0.390 | 0.030 |" in page
    assert "| intro (baseline) | gap | 0.300 | 0.250 | 0.310 | 0.060 |" in page
    assert "| drop\\|out | validation accuracy | 0.500 | 0.550 | 0.530 | 0.050 |" in page
    assert "| drop\\|out | gap | n/a | 0.100 | 0.100 | n/a |" in page
    assert "Quick mode" not in page


def test_the_page_warns_about_quick_mode_numbers():
    assert "**Quick mode was on (LESSON_QUICK)**" in measure_spread.render_markdown(results_dict(quick_mode=True))


def test_merging_replaces_the_experiments_run_and_keeps_the_others():
    existing = results_dict()
    existing["experiments"]["other"] = {"title": "Other", "values": {}}
    run = {"date": "2027-01-01", "seeds": [5, 6], "quick_mode": False}
    new = {"regularisation": {"title": "Renewed", "values": {}}}
    merged = measure_spread.merge_results(existing, run, new)
    assert list(merged["experiments"]) == ["regularisation", "other"]
    assert merged["experiments"]["regularisation"]["title"] == "Renewed"
    assert merged["experiments"]["other"]["title"] == "Other"
    assert merged["date"] == "2027-01-01" and merged["seeds"] == [5, 6]
    assert existing["date"] == "2026-12-02" and existing["experiments"]["regularisation"]["title"] != "Renewed"
    assert measure_spread.merge_results(None, run, new) == {**run, "experiments": new}


def test_render_only_rewrites_the_page_from_the_json(script, tmp_path, capsys):
    output = tmp_path / "out"
    output.mkdir()
    (output / "experiment-spread.json").write_text(json.dumps(results_dict()))
    assert script.main(["--render-only", "--output", str(output)]) == 0
    assert (output / "experiment-spread.md").read_text() == script.render_markdown(results_dict())


def test_render_only_without_results_is_one_line(script, tmp_path, capsys):
    assert script.main(["--render-only", "--output", str(tmp_path / "empty")]) == 1
    assert "does not exist: run the experiments first" in one_error_line(capsys)


# --- the command line ---


@pytest.mark.parametrize("arguments, message", [
    (["--experiments", "nope"], "unknown experiment 'nope'; the known ones are: fake"),
    (["--seeds", "1", "two"], "expected a whole number, got 'two'"),
    (["--seeds", "1", "-1"], "must be 0 or more, got -1"),
    (["--seeds", "1.5", "2"], "expected a whole number, got '1.5'"),
    (["--seeds", "3"], "give two seeds or more"),
    (["--seeds", "3", "3"], "give each value once"),
    (["--render-only", "--seeds", "1", "2"], "--render-only runs nothing"),
    (["--output", ""], "give a folder name"),
])
def test_a_bad_command_line_is_one_line_and_exit_2(script, arguments, message, capsys):
    with pytest.raises(SystemExit) as raised:
        script.main(arguments)
    assert raised.value.code == 2
    assert message in one_error_line(capsys)


def test_quick_mode_results_do_not_go_into_docs(script, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LESSON_QUICK", "1")
    with pytest.raises(SystemExit) as raised:
        script.main([])
    assert raised.value.code == 2
    assert "LESSON_QUICK is on" in one_error_line(capsys)
    assert not (tmp_path / "docs").exists()


def test_a_broken_experiment_list_is_reported_before_anything_runs(script, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(script, "EXPERIMENTS", [fake_experiment(cells=["setup", "gone", "seeded"])])
    assert script.main(["--output", str(tmp_path / "out")]) == 1
    assert "fake.ipynb has no cell with the id 'gone'" in one_error_line(capsys)
    assert not (tmp_path / "out").exists()


def test_quick_results_are_not_merged_into_full_mode_results(script, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("LESSON_QUICK", "1")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "experiment-spread.json").write_text(json.dumps(results_dict(quick_mode=False)))
    assert script.main(["--output", str(tmp_path / "out")]) == 1
    assert "holds full-mode results and this run is in quick mode" in one_error_line(capsys)


# --- end to end, with real kernels ---


def test_two_seeds_run_the_notebook_cells_and_merge_into_the_results(script, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("LESSON_QUICK", "1")
    other = {**fake_experiment("other"), "notebook": "missing.ipynb"}  # not run, so never read
    monkeypatch.setattr(script, "EXPERIMENTS", [fake_experiment(), other])
    output = tmp_path / "out"
    output.mkdir()
    earlier = results_dict(quick_mode=True)
    kept = earlier["experiments"].pop("regularisation")
    earlier["experiments"] = {"other": kept, "removed-from-the-list": kept}
    (output / "experiment-spread.json").write_text(json.dumps(earlier))

    assert script.main(["--experiments", "fake", "--seeds", "3", "5", "--output", str(output)]) == 0

    progress = capsys.readouterr().out.splitlines()
    assert [line.rsplit(" ", 2)[0] for line in progress[:2]] == ["fake, seed 3: running ...",
                                                                 "fake, seed 5: running ..."]
    results = json.loads((output / "experiment-spread.json").read_text())
    assert results["quick_mode"] is True and results["seeds"] == [3, 5]
    assert results["command"] == "python -m scripts.measure_spread --experiments fake --seeds 3 5"
    assert list(results["experiments"]) == ["other", "fake"]
    assert results["experiments"]["other"] == kept
    record = results["experiments"]["fake"]
    assert record["seeds"] == [3, 5] and len(record["seconds"]) == 2
    # score is factor.txt (read from the notebook's folder) times SEED; quick shows LESSON_QUICK reached the kernel
    assert record["values"] == {"plain": {"score": [6.0, 10.0], "quick": [1.0, 1.0]},
                                "fancy": {"score": [1.0, 1.0], "quick": [0.0, 0.0]}}
    page = (output / "experiment-spread.md").read_text()
    assert "| plain | score | 6.000 | 10.000 | 4.000 |" in page
    assert page == script.render_markdown(results)
    assert sorted(path.name for path in output.iterdir()) == ["experiment-spread.json", "experiment-spread.md"]


def test_a_failing_cell_names_experiment_seed_cell_and_error_and_writes_nothing(script, tmp_path, capsys):
    output = tmp_path / "out"
    assert script.main(["--seeds", "13", "2", "--output", str(output)]) == 1
    assert capsys.readouterr().err == ("python -m scripts.measure_spread: error: experiment 'fake', seed 13: "
                                       "cell 'train' failed: ValueError: unlucky seed\n")
    assert not output.exists()
