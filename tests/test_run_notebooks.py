"""The notebook runner stores what a terminal would finally show, not every progress frame."""

import importlib.util
from pathlib import Path

import nbformat

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "run_notebooks.py"
spec = importlib.util.spec_from_file_location("run_notebooks", SCRIPT)
run_notebooks = importlib.util.module_from_spec(spec)
spec.loader.exec_module(run_notebooks)


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
