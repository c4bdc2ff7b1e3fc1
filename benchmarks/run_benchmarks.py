"""Time the lesson's ways of training a CNN against each other and against the machine's limit.

    python -m benchmarks.run_benchmarks                      # every section, full data: over an hour
    python -m benchmarks.run_benchmarks --quick              # every section on 2,000 images: a check
    python -m benchmarks.run_benchmarks --only flops ablation

The sections (the names --only takes):

- ``seed-vs-lesson``: the intro model on images divided by 255.0 (float64)
  and split by hand, as the seed lesson did, against uint8 images and a
  Rescaling layer, as the lesson does: epoch time, peak memory, accuracy.
- ``flops``: the intro model's FLOP per training image and per second, as a
  fraction of what a large matrix product reaches; and whether
  ``steps_per_execution`` or a larger validation batch makes epochs faster.
- ``time-to-accuracy``: ``python -m helpers.train --model fast`` against
  ``--model three-blocks``.
- ``ablation``: the fast recipe with one of its ideas switched off per run.

Every flow runs in a fresh Python process, one at a time, so that none
inherits another's memory or warmed-up state. This script measures each
process's peak memory (``os.wait4``) and reads what it wrote: the JSON of
``benchmarks/flows.py``, or the training command's metrics.json and
history.csv. It prints every table, and writes results.json and results.md
into --output: benchmarks/ by default, benchmarks/quick/ with --quick, so a
quick run never replaces the full results. A section in which a flow failed
is printed but not saved: the folder keeps that section's earlier results.
"""

import csv
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from benchmarks.section_markdown import section_text
from helpers.cli import OneLineErrorParser, folder_name
from helpers.durations import rounded_duration
from helpers.error_lines import failed_process_line, os_reason
from helpers.files import write_together
from helpers.settings import SettingError, quick_mode

PROG = "python -m benchmarks.run_benchmarks"
ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "benchmarks"
SECTIONS = ("seed-vs-lesson", "flops", "time-to-accuracy", "ablation")
INTRO_EPOCHS = 2  # the epochs of every intro-model flow: the first builds TensorFlow's graphs, the second is timed
MATRIX_SIZE = {False: 4096, True: 512}  # the matrix product that measures the peak; True: quick mode
THRESHOLDS = ("0.70", "0.80", "0.85")  # the keys of time_to_accuracy in the training command's metrics.json
CLEAR_CHANGE = 1.10  # a speed-up (or slow-down) smaller than 10 % is within this machine's noise


# --- running the flows ------------------------------------------------------------

class Runner:
    """Runs each flow in a fresh process, one at a time, and keeps what each one measured.

    A run asked for twice with the same options (the fast recipe is both a
    row of time-to-accuracy and of the ablation) runs once. ``missing``
    counts the results asked for that are not there because a flow failed.
    """

    def __init__(self, quick, folder):
        self.quick = quick
        self.folder = folder  # a temporary folder for the processes' files
        self.environment = {**os.environ, "LESSON_QUICK": "1" if quick else "0"}
        self.done = {}  # options -> (name, result or None)
        self.failed = []  # the names of the flows that failed
        self.missing = 0

    def flow(self, name, *options):
        """Run ``python -m benchmarks.flows OPTIONS``; the JSON it writes, or None if it failed."""
        return self.run(name, ("flows", *options),
                        lambda work: [sys.executable, "-m", "benchmarks.flows", *options,
                                      "--result", str(work / "result.json")],
                        lambda work: json.loads((work / "result.json").read_text()))

    def train(self, name, *options):
        """Run ``python -m helpers.train OPTIONS`` (with --quick --epochs 1 in quick mode); its results, or None."""
        quick = ["--quick", "--epochs", "1"] if self.quick else []
        return self.run(name, ("train", *options),
                        lambda work: [sys.executable, "-m", "helpers.train", *options, *quick,
                                      "--output", str(work / "output")],
                        lambda work: read_training_run(work / "output"))

    def run(self, name, options, command, read):
        """Run ``command(work)`` in a fresh folder ``work``; ``read(work)`` with the peak memory added, or None."""
        if options in self.done:
            earlier, result = self.done[options]
            print(f"{name}: the same run as {earlier}", flush=True)
            self.missing += result is None
            return result
        work = self.folder / f"run-{len(self.done) + 1}"
        work.mkdir()
        print(f"{name} ...", end=" ", flush=True)
        started = time.perf_counter()
        with open(work / "log.txt", "w") as log:
            process = subprocess.Popen(command(work), cwd=ROOT, env=self.environment, stdout=log,
                                       stderr=subprocess.STDOUT)
            try:
                _, status, usage = os.wait4(process.pid, 0)  # waits, and tells this process's peak memory
            except BaseException:  # Ctrl-C: stop the flow too
                process.kill()
                process.wait()
                raise
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        peak_mib = usage.ru_maxrss / (2**20 if sys.platform == "darwin" else 2**10)  # bytes on macOS, KiB on Linux
        result, error = None, failed_process_line((work / "log.txt").read_text(errors="replace"), process.returncode)
        if process.returncode == 0:
            try:
                result = {**read(work), "peak_memory_mib": peak_mib, "process_seconds": seconds}
            except (OSError, ValueError) as problem:  # missing or damaged result files
                error = f"its results could not be read ({problem})"
        if result is None:
            print("failed", flush=True)
            print(f"{PROG}: error: {name} failed: {error}", file=sys.stderr, flush=True)
            self.failed.append(name)
            self.missing += 1
        else:
            print(f"{seconds:.0f} s, peak memory {peak_mib:,.0f} MiB", flush=True)
        self.done[options] = (name, result)
        return result


def read_training_run(folder):
    """The training command's metrics.json, with history.csv's rows as ``history`` (numbers, one dict per epoch)."""
    metrics = json.loads((folder / "metrics.json").read_text())
    with open(folder / "history.csv", newline="") as file:
        metrics["history"] = [{key: float(value) for key, value in row.items()} for row in csv.DictReader(file)]
    return metrics


# --- the four sections --------------------------------------------------------------
# Each returns {"title", "results" (the numbers), "tables" (as text), "notes"}.

def seed_against_lesson(runner):
    """The intro model, data prepared as the seed lesson did, against the lesson's way."""
    epochs = ("--epochs", str(INTRO_EPOCHS))
    seed = runner.flow("seed-vs-lesson: seed flow", "seed", *epochs)
    lesson = runner.flow("seed-vs-lesson: lesson flow", "lesson", *epochs)
    time_ratio = ratio(value(seed, "epoch_seconds_median"), value(lesson, "epoch_seconds_median"))
    memory_ratio = ratio(value(seed, "peak_memory_mib"), value(lesson, "peak_memory_mib"))
    rows = [[label, number(value(flow, "training_images"), "{:,.0f}"), seconds(value(flow, "epoch_seconds_median")),
             number(value(flow, "peak_memory_mib"), "{:,.0f} MiB"), percent(value(flow, "val_accuracy"))]
            for label, flow in [("seed: images / 255.0 (float64), train_test_split, no Rescaling layer", seed),
                                ("lesson: uint8 images, prepare_dataset, Rescaling layer", lesson)]]
    rows.append(["seed / lesson", "", times(time_ratio), times(memory_ratio), ""])
    return {
        "title": "The seed lesson's data preparation against the lesson's",
        "results": {"seed": seed, "lesson": lesson, "epoch_time_ratio": time_ratio, "peak_memory_ratio": memory_ratio},
        "tables": [{"columns": ["flow", "training images", "epoch time", "peak memory", "validation accuracy"],
                    "rows": rows}],
        "notes": [f"The intro model, Adam, batches of 32, {INTRO_EPOCHS} epochs, each flow in its own process. "
                  "Epoch time: the median of the epochs after the first (which also builds TensorFlow's graphs), "
                  "validation included. Peak memory: the most the process held at once."],
    }


def intro_against_peak(runner):
    """The intro model's speed as a fraction of the machine's, and two settings that might raise it."""
    size = MATRIX_SIZE[runner.quick]
    epochs = ("--epochs", str(INTRO_EPOCHS))
    peak = runner.flow("flops: a float32 matrix product", "peak", "--matrix-size", str(size))
    variants = [
        ("default", "default: steps_per_execution=1, validation batches of 32", runner.flow(
            "flops: intro model, default settings", "lesson", *epochs)),
        ("steps_per_execution=32", "steps_per_execution=32", runner.flow(
            "flops: intro model, steps_per_execution=32", "lesson", *epochs, "--steps-per-execution", "32")),
        ("validation_batch_size=1024", "validation_batch_size=1024", runner.flow(
            "flops: intro model, validation_batch_size=1024", "lesson", *epochs, "--validation-batch-size", "1024")),
    ]
    default = variants[0][2]
    flops_per_image = value(default, "flops_per_image")
    images_per_second = ratio(value(default, "training_images"), value(default, "training_step_seconds_median"))
    achieved = flops_per_image * images_per_second if flops_per_image and images_per_second else None
    fraction = ratio(achieved, value(peak, "flops_per_second"))
    speed = [["FLOP to train on one image (forward and backward)", number(flops_per_image, "{:,.0f}")],
             ["training speed (training steps only)", number(images_per_second, "{:,.0f} images/s")],
             ["achieved", number(achieved and achieved / 1e9, "{:.1f} GFLOP/s")],
             [f"practical peak: float32 matrix product {size}x{size}, best of {value(peak, 'repetitions')}",
              number(value(peak, "flops_per_second") and value(peak, "flops_per_second") / 1e9, "{:.1f} GFLOP/s")],
             ["fraction of the peak", percent(fraction)]]
    settings_rows, speed_ups = [], {}
    for key, label, flow in variants:
        speed_up = ratio(value(default, "epoch_seconds_median"), value(flow, "epoch_seconds_median"))
        speed_ups[key] = speed_up
        validation = (value(flow, "epoch_seconds_median") - value(flow, "training_step_seconds_median")
                      if flow else None)
        settings_rows.append([label, seconds(value(flow, "epoch_seconds_median")),
                              seconds(value(flow, "training_step_seconds_median")), seconds(validation),
                              times(speed_up), verdict(speed_up) if flow is not default else ""])
    return {
        "title": "The intro model against the machine's limit",
        "results": {"flops_per_training_image": flops_per_image, "training_images_per_second": images_per_second,
                    "achieved_flops_per_second": achieved, "peak": peak, "fraction_of_peak": fraction,
                    "runs": {key: flow for key, _, flow in variants}, "epoch_speed_up": speed_ups},
        "tables": [{"columns": ["quantity", "value"], "rows": speed},
                   {"columns": ["setting", "epoch time", "training steps", "validation", "speed-up", "verdict"],
                    "rows": settings_rows}],
        "notes": ["FLOP counted from the layer shapes: 2 per multiply-add of every Conv2D and Dense layer, "
                  "times 3 for the backward pass. Achieved = FLOP per image x training images per second "
                  f"(median of the epochs after the first, of {INTRO_EPOCHS}). Speed-up = the default's epoch "
                  "time / this setting's; changes under 10 % are within this machine's noise."],
    }


def fast_against_three_blocks(runner):
    """The fast recipe against the lesson's three-block CNN, both trained by the training command."""
    runs = [("fast", runner.train("time-to-accuracy: --model fast", "--model", "fast")),
            ("three-blocks", runner.train("time-to-accuracy: --model three-blocks", "--model", "three-blocks"))]
    fast, three = runs[0][1], runs[1][1]
    rows = [[model, number(value(run, "epochs"), "{}"), number(value(run, "training_images"), "{:,.0f}"),
             seconds(value(run, "training_seconds")),
             *[reached(run, threshold) for threshold in THRESHOLDS],
             percent(value(run, "test_accuracy")), percent(value(run, "test_accuracy_flip_averaged"))]
            for model, run in runs]
    speed_up = {"training_seconds": ratio(value(three, "training_seconds"), value(fast, "training_seconds"))}
    for threshold in THRESHOLDS:
        speed_up[threshold] = ratio(value(value(three, "time_to_accuracy"), threshold),
                                    value(value(fast, "time_to_accuracy"), threshold))
    rows.append(["three-blocks / fast", "", "", times(speed_up["training_seconds"]),
                 *[times(speed_up[threshold]) for threshold in THRESHOLDS],
                 points(value(three, "test_accuracy"), value(fast, "test_accuracy")),
                 points(value(three, "test_accuracy_flip_averaged"), value(fast, "test_accuracy_flip_averaged"))])
    return {
        "title": "Time to accuracy: the fast recipe against the three-block CNN",
        "results": {"fast": fast, "three-blocks": three, "speed_up": speed_up},
        "tables": [{"columns": ["--model", "epochs", "training images", "training time",
                                *[f"to {round(100 * float(threshold))} %" for threshold in THRESHOLDS],
                                "test accuracy", "with flip averaging"], "rows": rows}],
        "notes": ["`python -m helpers.train --model MODEL` with its default settings (in quick mode, one epoch). "
                  "Time to an accuracy: seconds of training until the validation accuracy first reached it "
                  "(never: not within the run). The last row is the speed-up of fast (how many times less time "
                  "it took) and its lead in test accuracy, in percentage points."]
                 + [curve(model, run) for model, run in runs if run],
    }


def ablation(runner):
    """The fast recipe, then one of its ideas switched off per run, everything else equal."""
    full = runner.train("ablation: full recipe", "--model", "fast")
    rows = [
        ("full", "full recipe", full),
        ("no-whitening", "without patch whitening (first layer trained from random weights)", runner.train(
            "ablation: without patch whitening", "--model", "fast", "--no-whitening")),
        ("no-label-smoothing", "without label smoothing", runner.train(
            "ablation: without label smoothing", "--model", "fast", "--label-smoothing", "0")),
        ("constant-learning-rate", "without warm-up and decay (constant learning rate)", runner.train(
            "ablation: constant learning rate", "--model", "fast", "--schedule", "constant")),
        ("no-augmentation", "without augmentation (no flips or shifts in training)", runner.train(
            "ablation: without augmentation", "--model", "fast", "--no-augment")),
    ]
    table = []
    for _, label, run in rows:
        plain, flipped = value(run, "test_accuracy"), value(run, "test_accuracy_flip_averaged")
        change = points(value(full, "test_accuracy"), plain)
        change_flipped = points(value(full, "test_accuracy_flip_averaged"), flipped)
        table.append([label, number(value(run, "training_images"), "{:,.0f}"), seconds(value(run, "training_seconds")),
                      percent(plain), percent(flipped), change, change_flipped, points(plain, flipped)])
    return {
        "title": "Ablation: what each idea of the fast recipe adds",
        "results": {key: run for key, _, run in rows},
        "tables": [{"columns": ["recipe", "training images", "training time", "test accuracy",
                                "with flip averaging", "change", "change with flip averaging",
                                "flip averaging adds"], "rows": table}],
        "notes": ["Every row trains for as many epochs, on as many images, with the same seed, as "
                  "`python -m helpers.train --model fast`, each in its own process, and is evaluated on the "
                  "test set. Change: test accuracy minus the full recipe's, in percentage points."],
    }


SECTION_FUNCTIONS = {"seed-vs-lesson": seed_against_lesson, "flops": intro_against_peak,
                     "time-to-accuracy": fast_against_three_blocks, "ablation": ablation}


# --- numbers as text ------------------------------------------------------------------

def value(result, key):
    """``result[key]``, or None when the flow failed (result is None) or did not report it."""
    return None if result is None else result.get(key)


def ratio(numerator, denominator):
    return numerator / denominator if numerator is not None and denominator else None


def number(x, template):
    return "failed" if x is None else template.format(x)


def seconds(x):
    if x is None:
        return "failed"
    return f"{x:.2f} s" if x < 10 else f"{x:,.0f} s"


def percent(x):
    return "failed" if x is None else f"{100 * x:.1f} %"


def times(x):
    return "—" if x is None else f"{x:.2f}x"


def points(before, after):
    """The change from ``before`` to ``after`` (two accuracies) in percentage points."""
    if before is None or after is None:
        return "—"
    return f"{round(100 * (after - before), 1) + 0.0:+.1f} pt"  # + 0.0 turns -0.0 into 0.0


def verdict(speed_up):
    if speed_up is None:
        return "—"
    if speed_up >= CLEAR_CHANGE:
        return "helps"
    return "slower" if speed_up <= 1 / CLEAR_CHANGE else "no clear change"


def reached(run, threshold):
    if run is None:
        return "failed"
    when = run["time_to_accuracy"].get(threshold)
    return "never" if when is None else seconds(when)


def curve(model, run):
    """The validation accuracy after each epoch, with the seconds of training so far when history.csv has them."""
    points_ = []
    for row in run["history"]:
        elapsed = [row[key] for key in row if "second" in key]
        points_.append(f"{100 * row['val_categorical_accuracy']:.1f} %"
                       + (f" ({elapsed[0]:.0f} s)" if elapsed else ""))
    return f"{model}, validation accuracy after each epoch: {', '.join(points_)}."


# --- results files ------------------------------------------------------------------------

def machine():
    """What the numbers were measured on: processor, cores, memory, system and library versions."""
    cpu = platform.processor() or platform.machine()
    if Path("/proc/cpuinfo").is_file():
        names = [line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                 if line.startswith("model name")]
        cpu = names[0] if names else cpu
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    versions = {"python": platform.python_version()}
    for package in ("tensorflow", "keras", "numpy"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = None
    return {"cpu": cpu, "cores": cores, "memory_gib": round(memory, 1), "os": platform.platform(), **versions}


def markdown(results):
    """results.md: the machine, the date, how to reproduce, then one part per section with its tables."""
    m = results["machine"]
    lines = ["# Benchmarks", "",
             f"Measured on {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB of memory, {m['os']}; "
             f"Python {m['python']}, TensorFlow {m['tensorflow']}, Keras {m['keras']}, NumPy {m['numpy']}. "
             f"Run started {results['date']}: `{results['command']}`.", ""]
    if results["quick"]:
        lines += ["**Quick mode:** the small subset of CIFAR-10 (2,000 training images), one epoch per "
                  "training run and a small matrix product. These numbers check that the script works; "
                  "they measure nothing.", ""]
    lines += ["To reproduce, from the repository root: `python -m benchmarks.run_benchmarks` (over an hour on "
              "a 2-core CPU; `--only SECTION` runs one section, `--quick` checks the script in minutes). "
              "Every flow runs in its own process; the times are wall-clock, on a machine that may have been "
              "doing other work too, so compare the ratios more than the seconds.", ""]
    for name, section in results["sections"].items():
        lines += [f"## {section['title']}", "",
                  f"Section `{name}`, measured {section['date']} in {rounded_duration(section['seconds'])}.", ""]
        lines += section_text(section)
    return "\n".join(lines)


def save(folder, measured, quick, date, command):
    """Write results.json and results.md into ``folder``, keeping its earlier sections that were not measured again.

    Both files are written whole, or neither (``helpers.files.write_together``).
    Only sections whose every flow succeeded are saved. Returns the names of the
    sections saved, or an empty list (and writes nothing) when there are none.
    """
    complete = {name: section for name, section in measured.items() if section["complete"]}
    if not complete:
        return []
    try:
        earlier = json.loads((folder / "results.json").read_text())
    except (OSError, ValueError):
        earlier = {}
    sections = earlier.get("sections", {}) if earlier.get("quick") == quick else {}
    sections.update(complete)
    results = {"date": date, "quick": quick, "command": command, "machine": machine(),
               "sections": {name: sections[name] for name in SECTIONS if name in sections}}
    write_together(folder, {"results.json": lambda path: path.write_text(json.dumps(results, indent=2) + "\n"),
                            "results.md": lambda path: path.write_text(markdown(results))})
    return list(complete)


# --- the command ----------------------------------------------------------------------------

def build_parser():
    parser = OneLineErrorParser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="every section on 2,000 training images, one epoch per training run, a small "
                        "matrix product: a check in minutes (as LESSON_QUICK=1 does)")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, metavar="SECTION",
                        help=f"run only these sections: {', '.join(SECTIONS)}")
    parser.add_argument("--output", type=folder_name, default=None,
                        help="folder for results.json and results.md (default benchmarks/; "
                        "benchmarks/quick/ with --quick)")
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        quick = args.quick or quick_mode()
    except SettingError as error:
        parser.error(str(error))
    if not hasattr(os, "wait4"):
        parser.error("the benchmarks need Linux or macOS: they measure each flow's peak memory with os.wait4")
    output = args.output or (BENCHMARKS / "quick" if quick else BENCHMARKS)
    command = " ".join([PROG, *(["--quick"] if quick else []),
                        *(["--only", *args.only] if args.only else [])])
    date = datetime.datetime.now().astimezone().isoformat(timespec="minutes")
    measured = {}
    try:
        with tempfile.TemporaryDirectory(prefix="benchmarks-") as folder:
            runner = Runner(quick, Path(folder))
            for name in SECTIONS:
                if name in (args.only or SECTIONS):
                    missing, started = runner.missing, time.perf_counter()
                    measured[name] = {**SECTION_FUNCTIONS[name](runner), "date": date,
                                      "seconds": round(time.perf_counter() - started)}
                    measured[name]["complete"] = runner.missing == missing
    except KeyboardInterrupt:
        parser.exit(130, f"{parser.prog}: interrupted; nothing was saved in {output}/.\n")
    for name, section in measured.items():
        print(f"\n## {section['title']} ({name}, {rounded_duration(section['seconds'])})\n")
        print("\n".join(section_text(section)).rstrip())
    try:
        saved = save(output, measured, quick, date, command)
    except OSError as error:
        parser.exit(1, f"{parser.prog}: error: could not save the results in {output}/ "
                       f"({os_reason(error)}).\n")
    print()
    if saved:
        print(f"Saved {', '.join(saved)} in {output}/results.json and {output}/results.md.")
    if runner.failed:
        print(f"{parser.prog}: {len(runner.failed)} flow(s) failed: {'; '.join(runner.failed)}. The sections they "
              f"belong to were not saved.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
