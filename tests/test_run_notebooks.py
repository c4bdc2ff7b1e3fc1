"""The notebook runner stores what a terminal would finally show, not every progress frame."""

import nbformat

from scripts import run_notebooks, timing_pages
from scripts.machine_and_software import brand


def test_final_text_keeps_what_follows_the_last_carriage_return():
    text = "Epoch 1/2\n\r 1/5 [.....] loss: 2.3\r 5/5 [#####] loss: 1.9 - val_loss: 1.8\nEpoch 2/2\n"
    assert run_notebooks.final_text(text) == "Epoch 1/2\n 5/5 [#####] loss: 1.9 - val_loss: 1.8\nEpoch 2/2\n"


def test_final_text_applies_backspaces():
    assert run_notebooks.final_text("abc\b\bXY\n") == "aXY\n"


def test_final_text_leaves_plain_text_alone():
    for text in ["", "one line", "two\nlines\n", "blank\n\nline\n"]:
        assert run_notebooks.final_text(text) == text


def test_tidy_outputs_merges_fragments_of_one_stream_before_cleaning():
    cell = nbformat.v4.new_code_cell("model.fit(...)")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="Epoch 1/1\n\r 1/2 a"),
        nbformat.v4.new_output("stream", name="stdout", text="\b\b\b\b\b\r 2/2 b - done\n"),
        nbformat.v4.new_output("display_data", data={"text/plain": "<Figure>"}),
        nbformat.v4.new_output("stream", name="stdout", text="after\n"),
    ]
    run_notebooks.tidy_outputs(cell)
    assert [o.output_type for o in cell.outputs] == ["stream", "display_data", "stream"]
    assert cell.outputs[0].text == "Epoch 1/1\n 2/2 b - done\n"
    assert cell.outputs[2].text == "after\n"


def test_key_results_are_the_tagged_cells_outputs_on_one_line():
    tagged = nbformat.v4.new_code_cell("print(...)", metadata={"tags": ["key-result"]})
    tagged.outputs = [nbformat.v4.new_output("stream", name="stdout", text="test accuracy: 0.655\n\n"),
                      nbformat.v4.new_output("execute_result", {"text/plain": "        raw  0.695\nscaled  0.740"})]
    untagged = nbformat.v4.new_code_cell("print(...)")
    untagged.outputs = [nbformat.v4.new_output("stream", name="stdout", text="not a key result\n")]
    notebook = nbformat.v4.new_notebook(cells=[untagged, tagged])
    assert run_notebooks.key_results(notebook) == "test accuracy: 0.655; raw 0.695; scaled 0.740"
    assert run_notebooks.key_results(nbformat.v4.new_notebook(cells=[untagged])) == ""


def test_a_printed_table_is_squeezed_to_its_accuracy_columns():
    import pandas as pd

    table = pd.DataFrame({"network": ["dense only", "CNN"], "parameters": [156710, 114510],
                          "final val accuracy": [0.331, 0.511], "seconds": [19.0, 67.0]}).set_index("network")
    assert run_notebooks.squeezed_table(str(table)) == (
        "dense only: final val accuracy 0.331; CNN: final val accuracy 0.511")
    no_accuracy = pd.DataFrame({"loss": [0.5, 0.7]}, index=["raw", "scaled"])
    assert run_notebooks.squeezed_table(str(no_accuracy)) == "raw: loss 0.5; scaled: loss 0.7"
    assert run_notebooks.squeezed_table("test accuracy: 0.655\nloss: 0.98") is None


def test_training_cells_call_fit_directly_or_through_a_function_of_the_notebook():
    cells = [
        nbformat.v4.new_code_cell("history = model.fit(x, y)"),                  # 0: trains
        nbformat.v4.new_code_cell("def train_one(model):\n    return model.fit(x, y)\n"),
        nbformat.v4.new_code_cell("def train_all():\n    return [train_one(m) for m in models]"),
        nbformat.v4.new_code_cell("results = train_all()"),                        # 3: trains, two levels down
        nbformat.v4.new_code_cell("model.predict(x)\ntrain_oneself = 1"),          # 4: does not
        nbformat.v4.new_markdown_cell("call `model.fit(...)`"),                     # 5: not code
        nbformat.v4.new_code_cell('subprocess.run([sys.executable, "-m", "helpers.train"])'),  # 6: trains
    ]
    notebook = nbformat.v4.new_notebook(cells=cells)
    assert run_notebooks.training_cells(notebook) == {0, 1, 2, 3, 6}


def test_a_function_that_runs_a_stored_training_command_trains_and_an_import_does_not():
    cells = [
        nbformat.v4.new_code_cell("from helpers.train import MODEL_DEFAULTS"),  # 0: only imports
        nbformat.v4.new_code_cell(
            'command = [sys.executable, "-m", "helpers.train",\n           "--model", "fast"]\n\n\n'
            "def run_command(*extra):\n    return subprocess.run(command + list(extra))\n\n\n"
            'run_command("--overwrite")'),                                         # 1: trains
        nbformat.v4.new_code_cell("run_command()"),                              # 2: trains
        nbformat.v4.new_code_cell("print(len(MODEL_DEFAULTS))"),                  # 3: does not
    ]
    assert run_notebooks.training_cells(nbformat.v4.new_notebook(cells=cells)) == {1, 2}


def test_a_helper_that_trains_counts_as_training():
    cells = [nbformat.v4.new_code_cell("history, seconds = compile_and_train(model, x, y, (vx, vy))")]
    assert run_notebooks.training_cells(nbformat.v4.new_notebook(cells=cells)) == {0}


def test_the_timing_page_has_a_row_per_notebook_and_totals():
    record = {"name": "01-introduction.ipynb", "seconds": 170.0, "training_seconds": 158.0,
              "slowest_index": 27, "slowest_seconds": 158.0, "slowest_line": "history = model.fit(",
              "peak_mib": 1272, "key_results": "validation accuracy 0.635", "cell_seconds": {}}
    second = dict(record, name="02-image-data.ipynb", seconds=14.0, training_seconds=0.0,
                  slowest_seconds=5.0, peak_mib=1230, key_results="")
    results = {"command": "python -m scripts.run_notebooks", "date": "2026-12-01",
               "machine": {"short": "a test machine", "description": "2 CPU cores (Test CPU, x86_64)."},
               "software": "Python 3.11.7, tensorflow 2.21.0", "data": "the offline copy",
               "intro_epoch_seconds": 5.6, "episodes": [record, second]}
    page = timing_pages.timings_page(results)
    rows = [line for line in page.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == 4  # header, two notebooks, totals
    assert "| 01-introduction.ipynb | 2 min 50 s | 2 min 38 s |" in rows[1]
    assert "1,272 MiB" in rows[1] and "validation accuracy 0.635" in rows[1]
    assert rows[2].endswith("| no training |")
    assert rows[3].startswith("| **all 2** | **3 min 04 s** | **2 min 38 s** | 2 min 38 s in 01-introduction.ipynb")
    assert "1,272 MiB at most" in rows[3]
    assert "2 CPU cores (Test CPU" in page and "tensorflow 2.21.0" in page and "5.6 s" in page


def test_peak_memory_counts_the_processes_a_kernel_starts(tmp_path):
    """A child's memory counts, as it does for mybinder.org; the parent's own peak would miss it."""
    import subprocess
    import sys
    import time

    child = "b = bytearray(300 * 2**20); import time; time.sleep(2)"
    parent = subprocess.Popen([sys.executable, "-c",
                               f"import subprocess, sys; subprocess.run([sys.executable, '-c', {child!r}])"])
    with run_notebooks.TreeMemory(parent.pid, interval=0.1) as memory:
        parent.wait(timeout=60)
        time.sleep(0.1)
    assert memory.peak_mib >= 300
    assert brand("Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz") == "Intel Xeon Platinum 8375C"
