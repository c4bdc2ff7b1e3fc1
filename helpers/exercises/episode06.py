"""Self-checks for episode 06, "Prevent overfitting".

The check reads the layers that lead to the model's output. It builds and
trains nothing.
"""

from helpers.data import CLASS_NAMES
from helpers.exercises import Exercise, Mistake
from helpers.exercises.layers import FLATTEN, RESCALING, compare_layers, conv, dense, dropout, pool
from helpers.quiet import import_keras_quietly

keras = import_keras_quietly()  # TensorFlow first, without its start-up messages: importing this module prints nothing


def check_dropout_model(exercise, model_dropout):
    if not isinstance(model_dropout, keras.Model):
        raise Mistake(f"model_dropout is a {type(model_dropout).__name__}, not a Keras model: "
                      "create_model_dropout() must end with return keras.Model(inputs=inputs, outputs=outputs, ...).")
    expected = [
        RESCALING,
        conv(16), pool((2, 2)),
        conv(32), pool((2, 2)),
        conv(exercise.answer(0)),
        dropout(exercise.answer(2)),
        FLATTEN,
        dense(len(CLASS_NAMES), exercise.answer(4)),
    ]
    compare_layers(model_dropout.outputs[0], expected, name="model_dropout")
    parameters = model_dropout.count_params()
    if parameters != 33_834:
        raise Mistake(f"model_dropout has {parameters:,} parameters instead of 33,834: give keras.Input the "
                      "shape of one image, (32, 32, 3).")
    return f"model_dropout has {parameters:,} parameters, fewer than half of the intro model's 79,530."


read_regularisation = Exercise("06", "read_regularisation")
dropout_model = Exercise("06", "dropout_model", reads=("model_dropout",), check_answer=check_dropout_model)
