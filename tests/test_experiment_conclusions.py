"""Every conclusion the episodes draw from an experiment holds, and is larger than the spread between seeds.

Each experiment prints one line per run. ``stored_rows`` reads those lines
from the committed full-mode outputs into a table of numbers, with the same
row and column names as ``docs/experiment-spread.json``, which
``scripts/measure_spread.py`` writes by running the same cells with seeds 1
and 2. Each entry of CONCLUSIONS compares two numbers, and must hold

- in the stored outputs, which the text quotes;
- for every measured seed;
- by more than the spread (largest minus smallest value over the seeds) of
  either number, measured on the seeds' means.
"""

import json
import re
from pathlib import Path

import pytest

from episode_files import read_episode, stored_text

SPREAD = Path(__file__).resolve().parent.parent / "docs" / "experiment-spread.json"
NUMBER = r"(\d+(?:\.\d+)?)"


def regularisation_rows(text):
    """Episode 06's lines such as 'dropout: 25 epochs on 2,000 images, 44 s; accuracy 0.786 training, ...'."""
    pattern = (rf"^(.+?): (\d+) epochs on 2,000 images, \d+ s; accuracy {NUMBER} training, {NUMBER} validation; "
               rf"validation loss {NUMBER} \(lowest {NUMBER}\)$")
    rows = {}
    for name, epochs, training, validation, loss, lowest in re.findall(pattern, text, re.M):
        rows[name] = {"epochs": int(epochs), "training accuracy": float(training),
                      "validation accuracy": float(validation), "gap": float(training) - float(validation),
                      "validation loss": float(loss), "lowest validation loss": float(lowest)}
    return rows


def two_point_rows(text, pattern, columns):
    """Lines that give a run's name and some numbers, as rows with the given ``columns``."""
    return {name: dict(zip(columns, map(float, values)))
            for name, *values in re.findall(pattern, text, re.M)}


def batchnorm_rows(text):
    """Episode 06's lines such as 'intro, SGD 0.4: training loss 2.296 after 1 epoch, 1.876 after 5; ...'."""
    pattern = (rf"^(.+?, SGD [\d.]+): training loss {NUMBER} after 1 epoch, {NUMBER} after 5; "
               rf"validation accuracy {NUMBER}$")
    return two_point_rows(text, pattern, ["training loss, epoch 1", "training loss, epoch 5",
                                          "validation accuracy, epoch 5"])


def dropout_rate_rows(text):
    """Episode 07's lines such as 'rate 0.25: validation loss 1.789, accuracy 0.462 (15 s)'."""
    pattern = rf"^rate ([\d.]+): validation loss {NUMBER}, accuracy {NUMBER} \(\d+ s\)$"
    return {str(float(rate)): {"validation loss": float(loss), "validation accuracy": float(accuracy)}
            for rate, loss, accuracy in re.findall(pattern, text, re.M)}


def activation_rows(text):
    """Episode 07's lines such as 'sigmoid   : validation accuracy 0.121 after 1 epoch, 0.303 after 4 epochs (18 s)'."""
    pattern = rf"^(\w+) *: validation accuracy {NUMBER} after 1 epoch, {NUMBER} after 4 epochs \(\d+ s\)$"
    return two_point_rows(text, pattern, ["after 1 epoch", "after 4 epochs"])


def transfer_rows(text):
    """Episode 08's lines, such as
    'fine-tuned: 20 epochs, 567,717 trainable weights, 95 s; accuracy 1.000 training, 0.817 test'."""
    pattern = rf"^(.+?): \d+ epochs, [\d,]+ trainable weights, \d+ s; accuracy {NUMBER} training, {NUMBER} test$"
    return two_point_rows(text, pattern, ["training accuracy", "test accuracy"])


EXPERIMENTS = {
    "regularisation": ("06-prevent-overfitting.ipynb", regularisation_rows),
    "batchnorm": ("06-prevent-overfitting.ipynb", batchnorm_rows),
    "dropout-rates": ("07-evaluate-tune.ipynb", dropout_rate_rows),
    "activations": ("07-evaluate-tune.ipynb", activation_rows),
    "transfer": ("08-transfer-learning.ipynb", transfer_rows),
}


def value(rows, quantity):
    """A number of one run: (row, column), or (row, column, "minus", column) for a difference of two columns."""
    row = rows[quantity[0]]
    if len(quantity) == 4:
        return row[quantity[1]] - row[quantity[3]]
    return row[quantity[1]]


BASELINE = "intro (baseline)"

# (experiment, what the text concludes, larger quantity, smaller quantity)
CONCLUSIONS = [
    ("regularisation", "the baseline's validation loss climbs well above its lowest point",
     (BASELINE, "validation loss"), (BASELINE, "lowest validation loss")),
    ("regularisation", "the baseline overfits: its training accuracy is far above its validation accuracy",
     (BASELINE, "training accuracy"), (BASELINE, "validation accuracy")),
    *[("regularisation", f"{name} ends with a lower validation loss than the baseline",
       (BASELINE, "validation loss"), (name, "validation loss"))
      for name in ("dropout", "L2 penalty", "data augmentation", "early stopping")],
    *[("regularisation", f"data augmentation leaves a smaller accuracy gap than {name}",
       (name, "gap"), ("data augmentation", "gap"))
      for name in (BASELINE, "dropout", "L2 penalty", "early stopping")],
    *[("regularisation", f"{name} reaches a higher validation accuracy than the baseline",
       (name, "validation accuracy"), (BASELINE, "validation accuracy"))
      for name in ("dropout", "data augmentation")],
    ("regularisation", "early stopping leaves a smaller accuracy gap than the baseline",
     (BASELINE, "gap"), ("early stopping", "gap")),
    ("batchnorm", "at 0.01, batch normalisation lowers the training loss faster",
     ("intro, SGD 0.01", "training loss, epoch 5"), ("batch normalisation, SGD 0.01", "training loss, epoch 5")),
    ("batchnorm", "at 0.01, batch normalisation reaches a higher validation accuracy",
     ("batch normalisation, SGD 0.01", "validation accuracy, epoch 5"),
     ("intro, SGD 0.01", "validation accuracy, epoch 5")),
    ("batchnorm", "at 0.4, batch normalisation trains where the intro model barely does",
     ("intro, SGD 0.4", "training loss, epoch 5"), ("batch normalisation, SGD 0.4", "training loss, epoch 5")),
    ("batchnorm", "with batch normalisation, the larger learning rate trains faster still",
     ("batch normalisation, SGD 0.01", "training loss, epoch 5"),
     ("batch normalisation, SGD 0.4", "training loss, epoch 5")),
    *[("batchnorm", f"batch normalisation at 0.4 reaches a higher validation accuracy than {run}",
       ("batch normalisation, SGD 0.4", "validation accuracy, epoch 5"), (run, "validation accuracy, epoch 5"))
      for run in ("intro, SGD 0.01", "intro, SGD 0.4")],
    *[("dropout-rates", f"no dropout ends with a higher validation loss than rate {rate}",
       ("0.0", "validation loss"), (rate, "validation loss")) for rate in ("0.25", "0.5", "0.75", "0.9")],
    ("dropout-rates", "rate 0.5 beats 0.25 on validation loss",
     ("0.25", "validation loss"), ("0.5", "validation loss")),
    ("dropout-rates", "rate 0.75 beats 0.5 on validation loss",
     ("0.5", "validation loss"), ("0.75", "validation loss")),
    ("dropout-rates", "rate 0.9 is worse than 0.75 on validation loss",
     ("0.9", "validation loss"), ("0.75", "validation loss")),
    *[("dropout-rates", f"rate 0.9 has a lower validation accuracy than rate {rate}",
       (rate, "validation accuracy"), ("0.9", "validation accuracy")) for rate in ("0.25", "0.5", "0.75")],
    *[("activations", f"sigmoid starts more slowly than {name}",
       (name, "after 1 epoch"), ("sigmoid", "after 1 epoch"))
      for name in ("relu", "tanh", "selu", "leaky_relu")],
    *[("activations", f"relu ends below {name} after 4 epochs",
       (name, "after 4 epochs"), ("relu", "after 4 epochs")) for name in ("tanh", "selu", "leaky_relu")],
    *[("activations", f"sigmoid is still far behind {name} after 4 epochs",
       (name, "after 4 epochs"), ("sigmoid", "after 4 epochs"))
      for name in ("relu", "tanh", "selu", "leaky_relu")],
    ("transfer", "from scratch, the network learns its 500 images far better than it does the test images",
     ("from scratch", "training accuracy"), ("from scratch", "test accuracy")),
    ("transfer", "fine-tuning beats the frozen base on the test images",
     ("fine-tuned", "test accuracy"), ("frozen base, new head", "test accuracy")),
    ("transfer", "fine-tuning beats training from scratch on the test images",
     ("fine-tuned", "test accuracy"), ("from scratch", "test accuracy")),
    ("transfer", "the frozen base with a new head stays below training from scratch",
     ("from scratch", "test accuracy"), ("frozen base, new head", "test accuracy")),
]


@pytest.fixture(scope="module")
def stored():
    """{experiment: rows} from the committed outputs."""
    tables = {}
    for experiment, (filename, parse) in EXPERIMENTS.items():
        tables[experiment] = parse(stored_text(read_episode(filename)))
    return tables


@pytest.fixture(scope="module")
def seeds():
    """{experiment: [rows of seed 1, rows of seed 2, ...]} from docs/experiment-spread.json."""
    results = json.loads(SPREAD.read_text(encoding="utf-8"))
    assert not results["quick_mode"], "the spread must be measured in full mode"
    tables = {}
    for experiment, record in results["experiments"].items():
        count = len(record["seeds"])
        tables[experiment] = [{row: {column: values[index] for column, values in columns.items()}
                               for row, columns in record["values"].items()} for index in range(count)]
    return tables


def test_every_experiment_prints_every_run(stored):
    assert set(stored["regularisation"]) == {BASELINE, "dropout", "L2 penalty", "data augmentation",
                                              "early stopping"}
    assert set(stored["activations"]) == {"relu", "sigmoid", "tanh", "selu", "leaky_relu"}
    assert set(stored["batchnorm"]) == {f"{name}, SGD {rate}" for name in ("intro", "batch normalisation")
                                        for rate in ("0.01", "0.4")}
    assert set(stored["dropout-rates"]) == {"0.0", "0.25", "0.5", "0.75", "0.9"}
    assert set(stored["transfer"]) == {"from scratch", "frozen base, new head", "fine-tuned"}


def test_early_stopping_stopped_early_and_kept_its_best_epoch(stored):
    run = stored["regularisation"]["early stopping"]
    assert run["epochs"] < stored["regularisation"][BASELINE]["epochs"]
    assert run["validation loss"] == run["lowest validation loss"]


@pytest.mark.parametrize("experiment, claim, larger, smaller", CONCLUSIONS, ids=[c[1] for c in CONCLUSIONS])
def test_the_conclusion_holds_in_the_stored_outputs(stored, experiment, claim, larger, smaller):
    rows = stored[experiment]
    assert value(rows, larger) > value(rows, smaller), claim


@pytest.mark.parametrize("experiment, claim, larger, smaller", CONCLUSIONS, ids=[c[1] for c in CONCLUSIONS])
def test_the_conclusion_holds_for_every_seed_beyond_the_spread(seeds, experiment, claim, larger, smaller):
    runs = seeds[experiment]
    assert len(runs) >= 2, "measure at least two seeds"
    larger_values = [value(rows, larger) for rows in runs]
    smaller_values = [value(rows, smaller) for rows in runs]
    assert all(a > b for a, b in zip(larger_values, smaller_values)), f"{claim}: not for every seed"
    difference = sum(larger_values) / len(runs) - sum(smaller_values) / len(runs)
    spread = max(max(larger_values) - min(larger_values), max(smaller_values) - min(smaller_values))
    assert difference > spread, f"{claim}: the difference {difference:.3f} is within the spread {spread:.3f}"


def test_every_measured_experiment_is_pinned(seeds):
    assert set(seeds) == set(EXPERIMENTS)


def test_the_intro_model_at_the_bold_rate_stays_at_guessing_with_another_seed(seeds):
    """Episode 06 says that with another seed the intro model did not learn at all at SGD 0.4."""
    accuracies = [rows["intro, SGD 0.4"]["validation accuracy, epoch 5"] for rows in seeds["batchnorm"]]
    assert min(accuracies) < 0.11, accuracies

