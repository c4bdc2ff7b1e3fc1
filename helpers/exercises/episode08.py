"""Self-checks for episode 08, "Transfer learning: reuse a trained network".

The checks look at the base and the transfer model the learner's cells leave
behind: whether the base is frozen, how many weights the new head trains, and,
for fine-tuning, whether the base is trainable but its batch normalisation
layers are not, and the learning rate. They train nothing.
"""

import numpy as np

from helpers.exercises import Exercise, Mistake
from helpers.quiet import import_keras_quietly

keras = import_keras_quietly()  # TensorFlow first, without its start-up messages: importing this module prints nothing

HEAD_RATE = 3e-3  # the rate that trains the new head
FINE_TUNING_RATE = 3e-4  # a tenth of it


def trainable_count(model):
    return sum(int(np.prod(weight.shape)) for weight in model.trainable_weights)


def check_freeze(exercise, base, transfer_model, NEW_CLASSES):
    if base.trainable is not False:
        raise Mistake("base.trainable is still True, so training would change every weight of the base: "
                      "set base.trainable = False before you train the new head.")
    if base not in transfer_model.layers:
        raise Mistake("transfer_model does not contain base: build it with with_new_head(base, ...).")
    outputs = transfer_model.output.shape[-1]
    if outputs != len(NEW_CLASSES):
        raise Mistake(f"the new head has {outputs} outputs, but there are {len(NEW_CLASSES)} new classes "
                      f"({', '.join(NEW_CLASSES)}): one output per class, num_classes=len(NEW_CLASSES).")
    features = base.output.shape[-1]
    expected = features * outputs + outputs
    trainable = trainable_count(transfer_model)
    if trainable != expected:
        raise Mistake(f"transfer_model would train {trainable:,} weights instead of the new head's {expected:,}: "
                      "freeze the base before building the model.")
    return (f"the base is frozen, and training changes only the new head's {features} × {outputs} + {outputs} "
            f"= {expected} weights.")


def learning_rate_of(model):
    return float(np.asarray(model.optimizer.learning_rate))


def check_fine_tune(exercise, base, transfer_model, results):
    if "fine-tuned" not in results:
        raise Mistake('results has no row "fine-tuned" yet: run the cell with the blanks filled in.')
    if not base.trainable:
        raise Mistake("the base is still frozen, so that run trained only the head further: "
                      "set base.trainable = True before training.")
    unfrozen = [layer.name for layer in base.layers
                if isinstance(layer, keras.layers.BatchNormalization) and layer.trainable]
    if unfrozen:
        raise Mistake(f"the batch normalisation layers {', '.join(unfrozen)} are trainable: keep the loop that "
                      "freezes them after base.trainable = True, so that they keep their pretrained averages.")
    if transfer_model.optimizer is None:
        raise Mistake("transfer_model has not been compiled: train it with train_on_few, which compiles it.")
    rate = learning_rate_of(transfer_model)
    if rate >= HEAD_RATE * 0.999:
        raise Mistake(f"the learning rate {rate:g} is at least as large as the head's 0.003; it can undo "
                      "in a few steps what the base learned. Use a tenth of the head's rate, 3e-4.")
    if not np.isclose(rate, FINE_TUNING_RATE, rtol=1e-3):
        raise Mistake(f"transfer_model was compiled with the learning rate {rate:g}; the challenge asks for a "
                      "tenth of the head's 0.003, that is 3e-4.")
    epochs = results["fine-tuned"]["epochs"]
    if epochs != 20:
        raise Mistake(f"the fine-tuning ran {epochs} epochs; the challenge asks for 20, so that the model trains "
                      "for 40 epochs in all, as the network from scratch did.")
    return ("the whole network was trained for 20 more epochs at the learning rate 3e-4, "
            "a tenth of the rate that trained the head.")


mixed_halves = Exercise("08", "mixed_halves")
freeze = Exercise("08", "freeze", reads=("base", "transfer_model", "NEW_CLASSES"), check_answer=check_freeze)
fine_tune = Exercise("08", "fine_tune", reads=("base", "transfer_model", "results"), check_answer=check_fine_tune)
plan_transfer = Exercise("08", "plan_transfer")
