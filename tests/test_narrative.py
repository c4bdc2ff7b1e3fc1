"""Numbers that the episodes' text states agree with the stored outputs of the full run.

The durations the text quotes ("this takes about a minute") are checked
against how long the cells took in the run that stored the outputs: each
code cell keeps its start and end time in its metadata. Counts and results
that the text states are checked against what the cells printed.
"""

import re
from datetime import datetime

import pytest

from episode_files import markdown, output_text, read_episode, the_cell


def seconds_taken(cell):
    """How long a code cell ran in the stored run, from the times nbclient kept in its metadata."""
    times = cell.metadata["execution"]
    start = datetime.fromisoformat(times["iopub.execute_input"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(times["shell.execute_reply"].replace("Z", "+00:00"))
    return (end - start).total_seconds()


# (episode, the words of the text, the duration they state in seconds, the cells they speak of)
QUOTED_DURATIONS = [
    ("01-introduction.ipynb", "this takes about 80 seconds", 80, ["history_intro = model_intro.fit("]),
    ("04-how-networks-learn.ipynb", "This takes about 15 seconds", 15, ["batch_results = pd.DataFrame("]),
    ("05-compile-train.ipynb", "the ten epochs took about 75 seconds", 75, ["history_intro = model_intro.fit("]),
    ("05-compile-train.ipynb", "it took about 70 seconds", 70, ["history_dropout = model_dropout.fit("]),
    ("05-compile-train.ipynb", "the five runs of this section took about 2½ minutes", 150,
     ['train_on_subset("intro (baseline)"', 'train_on_subset("L2 penalty"',
      'train_on_subset("batch normalisation"', 'train_on_subset("data augmentation"',
      'train_on_subset("early stopping"']),
    ("06-evaluate-tune.ipynb", "the dropout model of episode 05 took about 70 seconds", 70,
     ["05-compile-train.ipynb:history_dropout = model_dropout.fit("]),
    ("06-evaluate-tune.ipynb", "a loop over five values would take about six minutes here", 360,
     ["05-compile-train.ipynb:history_dropout = model_dropout.fit("] * 5),
    ("06-evaluate-tune.ipynb", "the search takes about 45 seconds here", 45, ["grid_search.fit("]),
    ("06-evaluate-tune.ipynb", "about a minute in all", 60, ["for activation in"]),
    ("07-share-next-steps.ipynb", "It takes about 10 seconds", 10, ['"helpers.train", "--quick"']),
]


@pytest.mark.parametrize("episode, words, quoted, fragments", QUOTED_DURATIONS,
                         ids=[f"{row[0][:2]}: {row[1]}" for row in QUOTED_DURATIONS])
def test_quoted_durations_agree_with_the_stored_run(episode, words, quoted, fragments):
    notebook = read_episode(episode)
    assert words in markdown(notebook)
    measured = 0
    for fragment in fragments:  # "other-episode.ipynb:fragment" names a cell of another episode
        where, _, fragment = fragment.rpartition(":") if ".ipynb:" in fragment else (episode, "", fragment)
        measured += seconds_taken(the_cell(read_episode(where), fragment))
    assert abs(measured - quoted) <= max(15, 0.25 * quoted), (
        f"{episode} says {words!r} ({quoted} s), but the stored run took {measured:.0f} s")


def test_episode_07_states_the_quick_subset_the_command_prints():
    notebook = read_episode("07-share-next-steps.ipynb")
    printed = output_text(the_cell(notebook, '"helpers.train", "--quick"'))
    assert "Training on 1600 images, validating on 400, testing on 500 (quick mode)." in printed
    assert "2,000 training images, of which 1,600 train the model and 400 validate it, and 500 test images" in markdown(notebook)


def test_the_quick_demo_learns_far_better_than_guessing():
    notebook = read_episode("07-share-next-steps.ipynb")
    accuracy = float(re.search(r"Test accuracy ([\d.]+)", output_text(the_cell(notebook, '"helpers.train", "--quick"')))[1])
    assert "far better than the 0.1 of guessing" in markdown(notebook)
    assert accuracy >= 0.25


def test_episode_01_explains_the_keras_log_it_shows():
    notebook = read_episode("01-introduction.ipynb")
    log = output_text(the_cell(notebook, "history_intro = model_intro.fit("))
    assert "1250/1250 - " in log and "━" not in log  # one line per epoch, no progress bar
    assert "40,000 training images in batches of 32 make 1,250 steps per epoch" in markdown(notebook)
    # JupyterLab at 1280 pixels, with its file browser open, has room for about 107 characters a line.
    assert max(len(line) for line in log.splitlines()) <= 105
