"""Numbers that the episodes' text states agree with the stored outputs of the full run.

The durations the text quotes are not typed by hand: scripts/build_notebooks.py
renders them from helpers/timings.json (see tests/test_timings.py). Counts and
results that the text states are checked here against what the cells printed.
"""

import re

from episode_files import markdown, output_text, read_episode, the_cell


def test_episode_09_states_the_quick_subset_the_command_prints():
    notebook = read_episode("09-share-next-steps.ipynb")
    printed = output_text(the_cell(notebook, '"helpers.train", "--quick"'))
    assert "Training on 1600 images, validating on 400, testing on 500 (quick mode)." in printed
    assert ("2,000 training images, of which 1,600 train the model and 400 validate it, and 500 test images"
            in markdown(notebook))


def test_the_quick_demo_learns_far_better_than_guessing():
    notebook = read_episode("09-share-next-steps.ipynb")
    printed = output_text(the_cell(notebook, '"helpers.train", "--quick"'))
    accuracy = float(re.search(r"Test accuracy ([\d.]+)", printed)[1])
    assert "far better than the 0.1 of guessing" in markdown(notebook)
    assert accuracy >= 0.25


def test_episode_01_explains_the_keras_log_it_shows():
    notebook = read_episode("01-introduction.ipynb")
    log = output_text(the_cell(notebook, "history_intro = model_intro.fit("))
    assert "1250/1250 - " in log and "━" not in log  # one line per epoch, no progress bar
    assert "40,000 training images in batches of 32 make 1,250 steps per epoch" in markdown(notebook)
    # JupyterLab at 1280 pixels, with its file browser open, has room for about 107 characters a line.
    assert max(len(line) for line in log.splitlines()) <= 105
