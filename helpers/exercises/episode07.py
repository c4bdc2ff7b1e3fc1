"""Self-checks for episode 07, "Evaluate and tune a CNN".

The checks look at what the learner's cells leave behind: the accuracy of each
class, the validation losses of the dropout experiment (measured again on the
last model) and the deeper model.
"""

import numpy as np

from helpers.data import CLASS_NAMES
from helpers.exercises import Exercise, Mistake
from helpers.exercises.episode03 import layers_up_to
from helpers.exercises.layers import compare_layers, conv


def check_per_class(exercise, per_class_accuracy, matrix):
    values = np.asarray(per_class_accuracy, dtype=float)
    diagonal = np.diag(matrix)
    if np.allclose(values, diagonal / matrix.sum(axis=1)):
        return ("per_class_accuracy divides the diagonal of matrix by its row totals: for each true class, "
                "the share of its test images that the model got right.")
    if np.allclose(values, diagonal / matrix.sum(axis=0)):
        raise Mistake("you divided by the column totals (axis=0): that is the share of the images predicted as "
                      "each class that were right (its precision), not the share of each true class that was "
                      "found. Each row is one true class: add up the rows with axis=1.")
    if np.allclose(values, diagonal / matrix.sum()):
        raise Mistake("you divided by the total of the whole matrix, the number of all test images. Divide by "
                      "the total of each row instead: matrix.sum(axis=1).")
    # Show the first class where the answer differs.
    expected = diagonal / matrix.sum(axis=1)
    first = np.flatnonzero(~np.isclose(values, expected))[0]
    raise Mistake(f"for {CLASS_NAMES[first]} you have {values[first]:.3f} instead of {expected[first]:.3f}. "
                  "Both the diagonal and the row totals come from matrix: np.diag(matrix) / matrix.sum(axis=1).")


def check_dropout_rates(exercise, dropout_val_loss, dropout_val_accuracy, model, val_images, val_labels):
    rates = exercise.answer(0)
    if sorted(dropout_val_loss) != sorted(rates):
        raise Mistake(f"dropout_val_loss has the rates {list(dropout_val_loss)}; the challenge asks for {rates}.")
    losses = list(dropout_val_loss.values())
    if np.allclose(losses, losses[0], rtol=1e-3):
        raise Mistake("every rate gave the same validation loss, so every model was the same: pass the loop's "
                      "rate to create_model_dropout_rate(rate).")
    # model is what the last run of the loop left behind, so it belongs to the last rate.
    last = list(dropout_val_loss)[-1]
    loss, accuracy = model.evaluate(val_images, val_labels, verbose=0)
    if not np.isclose(dropout_val_loss[last], loss, rtol=1e-4):
        raise Mistake(f"for rate {last}, dropout_val_loss holds {dropout_val_loss[last]:.3f}, but the model's "
                      f"loss on the validation images is {loss:.3f}: measure each model on the validation set, "
                      "model.evaluate(val_images, val_labels, verbose=0).")
    if not np.isclose(dropout_val_accuracy[last], accuracy, rtol=1e-4):
        raise Mistake("dropout_val_accuracy does not hold the validation accuracy that evaluate returns second.")
    return f"dropout_val_loss holds the validation loss of the final model for each of the rates {rates}."


def check_deeper(exercise, model_deeper):
    # The intro CNN (episode 03) with one more Conv2D after its second pooling layer.
    intro = layers_up_to("output_layer")
    deeper = intro[:5] + [conv(32)] + intro[5:]
    compare_layers(model_deeper.outputs[0], deeper, name="model_deeper")
    parameters = model_deeper.count_params()
    if parameters != 47_818:
        raise Mistake(f"model_deeper has the right layers but {parameters:,} parameters instead of 47,818: "
                      "does train_images hold images of 32×32×3?")
    return ("model_deeper has the extra Conv2D(32, (3, 3)) after the second pooling, and 47,818 parameters, "
            "fewer than the intro CNN's 79,530: Flatten now gets 4 × 4 × 32 = 512 values instead of 1,152.")


good_test_set = Exercise("07", "good_test_set")
per_class = Exercise("07", "per_class", reads=("per_class_accuracy", "matrix"), check_answer=check_per_class)
read_confusion = Exercise("07", "read_confusion")
dropout_rates = Exercise("07", "dropout_rates",
                         reads=("dropout_val_loss", "dropout_val_accuracy", "model", "val_images", "val_labels"),
                         check_answer=check_dropout_rates)
deeper = Exercise("07", "deeper", reads=("model_deeper",), check_answer=check_deeper)
plan_next = Exercise("07", "plan_next")
