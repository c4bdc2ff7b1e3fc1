"""Self-checks for episode 10, "How fast can it go?".

The checks try the learner's function on small made-up histories and compare
the smoothed target with the formula; they train nothing.
"""

import numpy as np
import pandas as pd

from helpers.data import CLASS_NAMES
from helpers.exercises import Exercise, Mistake

# Made-up histories: test accuracy per epoch and the training seconds at the end of each.
RISING = pd.DataFrame({"val_categorical_accuracy": [0.55, 0.72, 0.80, 0.86],
                       "training_seconds": [90.0, 180.0, 270.0, 360.0]})
DIPPING = pd.DataFrame({"val_categorical_accuracy": [0.60, 0.81, 0.79, 0.84],
                        "training_seconds": [60.0, 120.0, 180.0, 240.0]})


def check_time_to_reach(exercise, seconds_to_reach):
    if not callable(seconds_to_reach):
        raise Mistake("seconds_to_reach is not a function: define it with def seconds_to_reach(history, accuracy):.")
    cases = [(RISING, 0.70, 180.0, "take the first epoch that reached the accuracy, position 0 of the rows kept"),
             (RISING, 0.80, 270.0, "an epoch that ends exactly at 0.80 counts: compare with >="),
             (DIPPING, 0.80, 120.0, "the accuracy may fall again after reaching it; the first time is what counts"),
             (RISING, 0.90, None, "when no epoch reaches the accuracy, return None")]
    for history, accuracy, expected, advice in cases:
        answer = seconds_to_reach(history, accuracy)
        if answer is None or expected is None:
            right = answer is expected
        else:
            right = isinstance(answer, (int, float)) and abs(answer - expected) < 1e-9
        if not right:
            accuracies = ", ".join(f"{value:.2f}" for value in history["val_categorical_accuracy"])
            seconds = ", ".join(f"{value:.0f}" for value in history["training_seconds"])
            raise Mistake(f"for accuracies {accuracies} after {seconds} s, "
                          f"seconds_to_reach(history, {accuracy:.2f}) gave {answer!r} instead of {expected!r}: "
                          f"{advice}.")
    return "seconds_to_reach finds the first epoch at or above the accuracy, and None when there is none."


def check_smoothed_target(exercise, ship_target):
    target = np.asarray(ship_target, dtype="float64")
    if target.shape != (len(CLASS_NAMES),):
        raise Mistake(f"ship_target has shape {target.shape}; it should hold one number per class, shape "
                      f"({len(CLASS_NAMES)},): take row [0] of what to_categorical returns.")
    ship = CLASS_NAMES.index("ship")
    if target.argmax() != ship:
        raise Mistake(f"the largest value of ship_target belongs to {CLASS_NAMES[target.argmax()]}, not ship: "
                      "pass CLASS_NAMES.index(\"ship\") to to_categorical.")
    smoothing = exercise.answer(1)
    expected = np.full(len(CLASS_NAMES), smoothing / len(CLASS_NAMES))
    expected[ship] += 1 - smoothing
    if not np.allclose(target, expected):
        raise Mistake(f"ship_target holds {target[ship]:.3f} for ship and {target[ship - 1]:.3f} for the others; "
                      f"with a smoothing of {smoothing} it should be {expected[ship]:.2f} and {expected[0]:.2f}: "
                      f"multiply the one-hot label by 1 - {smoothing} and add {smoothing} / {len(CLASS_NAMES)}.")
    return (f"ship_target is {expected[ship]:.2f} for ship and {expected[0]:.2f} for every other class, "
            "and it still adds up to 1.")


time_to_reach = Exercise("10", "time_to_reach", reads=("seconds_to_reach",), check_answer=check_time_to_reach)
smoothed_target = Exercise("10", "smoothed_target", reads=("ship_target",), check_answer=check_smoothed_target)
slower_laptop = Exercise("10", "slower_laptop")
