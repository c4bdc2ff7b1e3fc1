"""benchmarks/: a real quick run of the flows, the training sections replayed, the FLOP count, failures, saving.

The quick run of the two sections that run the benchmark's own flows trains
on 2,000 images: its numbers are checked for sanity (positive times,
accuracies from 0 to 1), never for which flow is faster. The two sections made
of training-command runs (tests/test_train.py runs that command for real) are
replayed from the committed full results: asked for the same runs, they must
rebuild the committed tables.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks import flows, run_benchmarks
from helpers.lesson import create_model_intro
from helpers.models import FAST_LABEL_SMOOTHING, compile_model_fast, create_model_fast, patch_whitening_filters

ROOT = Path(__file__).resolve().parent.parent
PROG = "python -m benchmarks.run_benchmarks"
FLOW_SECTIONS = ["seed-vs-lesson", "flops"]  # the sections whose flows benchmarks/flows.py runs
TRAINING_SECTIONS = ["time-to-accuracy", "ablation"]  # the sections made of training-command runs


def run_script(*args, data_dir):
    environment = {**os.environ, "LESSON_DATA_DIR": str(data_dir)}
    return subprocess.run([sys.executable, "-m", "benchmarks.run_benchmarks", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, env=environment, timeout=900)


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory, shared_data_dir):
    """One quick run of the flows' sections: the finished process, results.json and results.md."""
    output = tmp_path_factory.mktemp("benchmarks") / "results"
    finished = run_script("--quick", "--only", *FLOW_SECTIONS, "--output", output, data_dir=shared_data_dir)
    assert finished.returncode == 0, finished.stderr
    return finished, json.loads((output / "results.json").read_text()), (output / "results.md").read_text()


def between_0_and_1(x):
    return 0 <= x <= 1


# --- the quick run ------------------------------------------------------------------

@pytest.mark.slow
def test_the_quick_run_records_the_machine_and_every_section(quick_run):
    finished, results, _ = quick_run
    assert "Traceback" not in finished.stdout + finished.stderr
    assert results["quick"] is True
    assert list(results["sections"]) == FLOW_SECTIONS
    machine = results["machine"]
    assert machine["cpu"] and machine["os"] and machine["cores"] >= 1 and machine["memory_gib"] > 0
    assert all(machine[name] for name in ("python", "tensorflow", "keras", "numpy"))
    for section in results["sections"].values():
        assert section["complete"] and section["date"] == results["date"]
        for table in section["tables"]:
            assert all(len(row) == len(table["columns"]) for row in table["rows"])
            assert not any("failed" in cell for row in table["rows"] for cell in row)


@pytest.mark.slow
def test_seed_and_lesson_flows_report_time_memory_and_accuracy(quick_run):
    section = quick_run[1]["sections"]["seed-vs-lesson"]["results"]
    seed, lesson = section["seed"], section["lesson"]
    assert seed["image_dtype"] == "float64" and lesson["image_dtype"] == "uint8"
    for flow in (seed, lesson):
        assert flow["training_images"] == 1600 and flow["epochs"] == 2
        assert 0 < flow["training_step_seconds_median"] <= flow["epoch_seconds_median"]
        assert flow["peak_memory_mib"] > 100  # TensorFlow alone takes hundreds of MiB
        assert between_0_and_1(flow["val_accuracy"])
    assert section["epoch_time_ratio"] == pytest.approx(seed["epoch_seconds_median"] / lesson["epoch_seconds_median"])
    assert section["peak_memory_ratio"] == pytest.approx(seed["peak_memory_mib"] / lesson["peak_memory_mib"])


@pytest.mark.slow
def test_flops_section_compares_the_intro_model_with_a_matrix_product(quick_run):
    section = quick_run[1]["sections"]["flops"]["results"]
    assert section["flops_per_training_image"] == pytest.approx(7.45e6, rel=0.01)
    assert section["peak"]["matrix_size"] == 512 and section["peak"]["flops_per_second"] > 0
    assert section["achieved_flops_per_second"] == pytest.approx(
        section["flops_per_training_image"] * section["training_images_per_second"])
    assert 0 < section["fraction_of_peak"] < 1
    runs = list(section["runs"].values())
    assert [run["steps_per_execution"] for run in runs] == [1, 32, 1]
    assert [run["validation_batch_size"] for run in runs] == [32, 32, 1024]
    assert all(speed_up > 0 for speed_up in section["epoch_speed_up"].values())


class ReplayRunner:
    """Stands in for run_benchmarks.Runner: answers each training run from the committed full results."""

    def __init__(self, committed):
        ablation = committed["ablation"]["results"]
        self.results = {
            ("--model", "fast"): committed["time-to-accuracy"]["results"]["fast"],
            ("--model", "three-blocks"): committed["time-to-accuracy"]["results"]["three-blocks"],
            ("--model", "fast", "--no-whitening"): ablation["no-whitening"],
            ("--model", "fast", "--label-smoothing", "0"): ablation["no-label-smoothing"],
            ("--model", "fast", "--schedule", "constant"): ablation["constant-learning-rate"],
            ("--model", "fast", "--no-augment"): ablation["no-augmentation"],
        }
        self.asked = []

    def train(self, name, *options):
        self.asked.append(options)
        return self.results[options]


@pytest.fixture(scope="module")
def committed_sections():
    return json.loads((ROOT / "benchmarks" / "results.json").read_text())["sections"]


@pytest.mark.parametrize("section", TRAINING_SECTIONS)
def test_the_training_sections_rebuild_their_committed_tables_from_the_same_runs(section, committed_sections):
    runner = ReplayRunner(committed_sections)
    rebuilt = run_benchmarks.SECTION_FUNCTIONS[section](runner)
    committed = committed_sections[section]
    assert rebuilt["title"] == committed["title"]
    assert rebuilt["tables"] == committed["tables"]
    assert rebuilt["results"] == committed["results"]
    fast_runs = [options for options in runner.results if options[:2] == ("--model", "fast")]
    asked_for = {"time-to-accuracy": [("--model", "fast"), ("--model", "three-blocks")], "ablation": fast_runs}
    assert runner.asked == asked_for[section]


def test_the_ablation_switches_off_one_idea_per_run_and_the_committed_runs_did(committed_sections):
    runner = ReplayRunner(committed_sections)
    section = run_benchmarks.ablation(runner)["results"]
    assert list(section) == ["full", "no-whitening", "no-label-smoothing", "constant-learning-rate",
                             "no-augmentation"]
    assert {run["training_images"] for run in section.values()} == {section["full"]["training_images"]}
    assert {run["epochs"] for run in section.values()} == {section["full"]["epochs"]}
    assert section["no-whitening"]["whitening"] is False and section["no-whitening"]["label_smoothing"] == 0.2
    assert section["no-label-smoothing"]["whitening"] is True and section["no-label-smoothing"]["label_smoothing"] == 0
    assert section["constant-learning-rate"]["schedule"] == "constant"
    assert section["no-augmentation"]["augment"] is False


@pytest.mark.slow
def test_results_page_names_the_machine_says_how_to_reproduce_and_has_every_table(quick_run):
    finished, results, page = quick_run
    assert results["machine"]["cpu"] in page and results["date"] in page
    assert "Quick mode" in page and "`python -m benchmarks.run_benchmarks`" in page
    for section in results["sections"].values():
        assert f"## {section['title']}" in page
        for table in section["tables"]:
            assert "| " + " | ".join(table["columns"]) + " |" in page
            assert "| " + " | ".join(table["rows"][-1]) + " |" in page
    # The printed summary has the same tables, ratios included.
    assert "| seed / lesson |" in finished.stdout


# --- a failing flow ---------------------------------------------------------------------

@pytest.mark.slow
def test_failing_flows_each_give_one_line_and_keep_the_earlier_results(tmp_path):
    output = tmp_path / "results"
    output.mkdir()
    (output / "results.json").write_text("earlier json")
    (output / "results.md").write_text("earlier page")
    finished = run_script("--quick", "--only", "seed-vs-lesson", "--output", output,
                          data_dir=tmp_path / "no-such-folder")
    assert finished.returncode == 1
    assert "Traceback" not in finished.stdout + finished.stderr
    lines = finished.stderr.splitlines()
    for flow in ("seed flow", "lesson flow"):
        [line] = [line for line in lines if f"seed-vs-lesson: {flow} failed" in line]
        assert line.startswith(f"{PROG}: error: ") and "no-such-folder, which does not exist" in line
    assert lines[-1].startswith(f"{PROG}: 2 flow(s) failed")
    assert (output / "results.json").read_text() == "earlier json"
    assert (output / "results.md").read_text() == "earlier page"


@pytest.mark.parametrize("argv, environment, message", [
    (["--only", "nope"], {}, "argument --only: invalid choice: 'nope'"),
    (["--only", "flops"], {"LESSON_QUICK": "maybe"}, "LESSON_QUICK is 'maybe'"),
])
def test_command_line_mistakes_stop_with_one_line_before_any_flow_runs(argv, environment, message, monkeypatch,
                                                                      capsys):
    for name, setting in environment.items():
        monkeypatch.setenv(name, setting)
    with pytest.raises(SystemExit) as stopped:
        run_benchmarks.main(argv)
    out, err = capsys.readouterr()
    assert stopped.value.code == 2 and out == ""
    assert err.startswith(f"{PROG}: error: {message}") and err.count("\n") == 1


# --- saving ---------------------------------------------------------------------------------

def fake_section(title, complete=True):
    return {"title": title, "results": {}, "tables": [{"columns": ["a", "b"], "rows": [["1", "2"]]}],
            "notes": [f"A note on {title}."], "date": "2026-01-01T00:00+00:00", "seconds": 75,
            "complete": complete}


def test_saving_some_sections_keeps_the_earlier_ones_and_skips_incomplete_ones(tmp_path):
    save = run_benchmarks.save
    assert save(tmp_path, {"flops": fake_section("Flops")}, True, "today", "cmd") == ["flops"]
    saved = save(tmp_path, {"seed-vs-lesson": fake_section("Seed"), "ablation": fake_section("Ablation", False)},
                 True, "tomorrow", "cmd --only seed-vs-lesson ablation")
    assert saved == ["seed-vs-lesson"]
    results = json.loads((tmp_path / "results.json").read_text())
    assert list(results["sections"]) == ["seed-vs-lesson", "flops"]  # in the order of SECTIONS
    assert results["date"] == "tomorrow"
    page = (tmp_path / "results.md").read_text()
    assert "## Seed" in page and "## Flops" in page and "Ablation" not in page and "in 75 s" in page
    assert not list(tmp_path.glob(".*"))  # no unfinished files left behind
    # Full results are never mixed with quick ones.
    save(tmp_path, {"ablation": fake_section("Ablation")}, False, "later", "cmd")
    assert list(json.loads((tmp_path / "results.json").read_text())["sections"]) == ["ablation"]


def test_nothing_is_written_when_no_section_is_complete(tmp_path):
    assert run_benchmarks.save(tmp_path / "new", {"flops": fake_section("Flops", False)}, True, "d", "c") == []
    assert not (tmp_path / "new").exists()


# --- the FLOP count and the ablation's switches in helpers.models -------------------------

def test_training_the_intro_model_costs_about_7_45_mflop_per_image():
    # 2 FLOP per multiply-add, 3 passes' worth: 6 x (30*30*3*3*3*16 + 13*13*3*3*16*32 + 1152*64 + 64*10).
    assert flows.training_flops_per_image(create_model_intro()) == pytest.approx(7.45e6, rel=0.002)


def test_the_seed_flows_model_is_the_intro_model_without_its_rescaling_layer():
    seed, intro = flows.create_model_intro_without_rescaling(), create_model_intro()
    assert [type(layer).__name__ for layer in seed.layers[1:]] == [type(layer).__name__ for layer in intro.layers[2:]]
    assert seed.input_shape == intro.input_shape and seed.count_params() == intro.count_params()


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(1).integers(0, 256, (64, 32, 32, 3), dtype=np.uint8)


def test_create_model_fast_without_whitening_trains_a_random_first_layer(images):
    whitened = create_model_fast(images).get_layer("patch_whitening")
    assert not whitened.trainable
    plain = create_model_fast(images, whitening=False).get_layer("patch_convolution")
    assert plain.trainable and plain.kernel.shape == whitened.kernel.shape
    filters = patch_whitening_filters(images.astype("float32") / 255)
    np.testing.assert_allclose(whitened.get_weights()[0], filters)
    assert not np.allclose(plain.get_weights()[0], filters, atol=0.1)


def test_compile_model_fast_takes_the_label_smoothing(images):
    model = create_model_fast(images)
    compile_model_fast(model)
    assert model.loss.label_smoothing == FAST_LABEL_SMOOTHING
    compile_model_fast(model, label_smoothing=0)
    assert model.loss.label_smoothing == 0
