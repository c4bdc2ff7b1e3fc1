"""Self-checks for episode 04, "How networks learn".

``step_size`` retraces the learner's gradient descent with ``descend``; the two
training challenges look at what the loops collected: the batch size of every
row of ``results``, and the learning rate of every run in ``more_histories``.
"""

import numbers

import numpy as np

from helpers.exercises import Exercise, Mistake
from helpers.gradient_descent import descend, gradient


def is_whole_number(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_step_size(exercise, positions, learning_rate, iterations):
    if not isinstance(learning_rate, numbers.Real):
        raise Mistake(f"learning_rate is {learning_rate!r}; give it a number, such as 0.01.")
    if learning_rate == 0:
        raise Mistake("learning_rate is 0: every step moves x by 0 × the gradient, so x never leaves 1. "
                      "Give it a positive number, such as 0.01.")
    if learning_rate < 0:
        raise Mistake(f"learning_rate is {learning_rate:g}: a negative rate steps uphill, with the gradient, and "
                      "x runs away from 3. Give it a positive number, such as 0.01.")
    if not is_whole_number(iterations) or iterations < 1:
        raise Mistake(f"iterations is {iterations!r}; range() needs a whole number of steps, such as 25.")
    positions = np.asarray(positions, dtype=float)
    if len(positions) != iterations + 1:
        raise Mistake(f"positions holds {len(positions)} values, but {iterations} steps from x = 1.0 make "
                      f"{iterations + 1}: run the whole cell again.")
    if np.allclose(positions, descend(1.0, learning_rate, iterations), equal_nan=True):
        return f"After {iterations} steps at learning rate {learning_rate:g}, x is {positions[-1]:.3g}."
    # Which rate did the loop use? The first step went from positions[0] to positions[1].
    used = (positions[0] - positions[1]) / gradient(positions[0])
    if used > 0 and np.allclose(positions, descend(positions[0], used, iterations), equal_nan=True):
        raise Mistake(f"positions follow a learning rate of {used:.3g}, but learning_rate is {learning_rate:g}: "
                      "use the variable learning_rate in the update, x = x - learning_rate * gradient(x), so "
                      "that the plot names the rate you really used.")
    raise Mistake("positions do not follow gradient descent from x = 1.0 with learning_rate: the update is "
                  "x = x - learning_rate * gradient(x). Run the whole cell again.")


def check_batch_sizes(exercise, results):
    expected = exercise.answer(0)
    if isinstance(results, list):
        rows = f"{len(results)} row{'s' if len(results) != 1 else ''}"
        raise Mistake(f"results is still a list of {rows}: the cell stopped before results = pd.DataFrame(results). "
                      "Look at the error under the cell.")
    if "batch size" not in getattr(results, "columns", ()):
        raise Mistake('results has no column "batch size": collect the rows that train_with_batch_size returns '
                      "and make them a table with pd.DataFrame(results).")
    sizes = [int(size) for size in results["batch size"]]
    if len(sizes) > 1 and len(set(sizes)) == 1:
        raise Mistake(f"every row of results has batch size {sizes[0]}: pass the loop variable, "
                      "train_with_batch_size(batch_size).")
    if sizes != expected:
        raise Mistake(f"results has batch sizes {sizes}; the challenge asks for {expected}.")
    return f"results has one row for each of the batch sizes {expected}."


def learning_rate_of(history):
    """The learning rate of the optimizer that trained the model of a History."""
    model = getattr(history, "model", None)
    if model is None:
        raise Mistake(f"more_histories holds a {type(history).__name__}; keep what model.fit returns, "
                      "more_histories[rate] = model.fit(...).")
    return float(np.asarray(model.optimizer.learning_rate))


def check_learning_rates(exercise, more_histories):
    expected = exercise.answer(0)
    if not isinstance(more_histories, dict):
        raise Mistake(f"more_histories is a {type(more_histories).__name__}; start with more_histories = {{}} "
                      "and fill it in the loop.")
    rates = list(more_histories)
    if sorted(rates) != sorted(expected):
        raise Mistake(f"more_histories has the learning rates {rates}; the challenge asks for {expected}.")
    for rate, history in more_histories.items():
        used = learning_rate_of(history)
        if not np.isclose(used, rate, rtol=1e-6, atol=0):
            raise Mistake(f"more_histories[{rate!r}] was trained with learning rate {used:.3g}: give the "
                          "optimizer the loop variable, keras.optimizers.SGD(learning_rate=rate).")
    return f"more_histories holds one training run for each of the learning rates {expected}."


step_size = Exercise("04", "step_size", reads=("positions", "learning_rate", "iterations"),
                     check_answer=check_step_size)
batch_sizes = Exercise("04", "batch_sizes", reads=("results",), check_answer=check_batch_sizes)
learning_rates = Exercise("04", "learning_rates", reads=("more_histories",), check_answer=check_learning_rates)
