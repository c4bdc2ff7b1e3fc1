"""Self-checks for episode 03, "Build a convolutional neural network".

The layer-by-layer challenges all look at ``x``, the tensor the learner has
built so far, and compare every layer between ``keras.Input`` and ``x`` with
the intro model's. The numbers come from the recorded answers to the blanks.
"""

from helpers.data import CLASS_NAMES
from helpers.exercises import Exercise, Mistake
from helpers.exercises.layers import FLATTEN, RESCALING, compare_layers, conv, dense, made_by, pool


def layers_up_to(step):
    """The intro model's layers after the input, up to and including ``step``'s."""
    steps = {  # each step's layers, read from its recorded answers only when needed
        "first_conv": lambda: [RESCALING, conv(first_conv.answer(0), first_conv.answer(2), first_conv.answer(1))],
        "pooling": lambda: [pool(pooling.answer(0)), conv(32), pool(pooling.answer(1))],
        "flatten": lambda: [FLATTEN],
        "hidden_dense": lambda: [dense(hidden_dense.answer(0), hidden_dense.answer(1))],
        "output_layer": lambda: [dense(len(CLASS_NAMES), output_layer.answer(1))],
    }
    layers = []
    for name, added in steps.items():
        layers += added()
        if name == step:
            return layers
    raise ValueError(f"no step {step!r}")


def check_padding(exercise, valid, same):
    expected = {"valid": (None, 30, 30, 8), "same": (None, 32, 32, 8)}
    shapes = {"valid": tuple(valid.shape), "same": tuple(same.shape)}
    if shapes == {"valid": expected["same"], "same": expected["valid"]}:
        raise Mistake('the two are swapped: valid has shape (None, 32, 32, 8), which is what padding="same" '
                      "gives, and same has the shape of padding=\"valid\".")
    for name, tensor in (("valid", valid), ("same", same)):
        if shapes[name] != expected[name]:
            used = made_by(tensor).padding
            raise Mistake(f"{name} has shape {shapes[name]}, expected {expected[name]}: its Conv2D uses "
                          f"padding={used!r}. Give it padding={name!r}.")
    return "valid gives (None, 30, 30, 8) and same gives (None, 32, 32, 8)."


def check_input_layer(exercise, inputs, train_images):
    expected = (None, *train_images.shape[1:])
    shape = tuple(inputs.shape)
    if shape == expected:
        return f"inputs has shape {shape}: a batch of any size of images of 32×32×3."
    if len(shape) == len(expected) + 1:
        raise Mistake(f"inputs has shape {shape}: the first number of train_images.shape counts the images, "
                      "and keras.Input wants the shape of one image. Leave the first number out with [1:].")
    raise Mistake(f"inputs has shape {shape}, but one image has shape {train_images.shape[1:]}: "
                  "take every number of train_images.shape except the first, train_images.shape[1:].")


def check_first_conv(exercise, x):
    shape = compare_layers(x, layers_up_to("first_conv"))
    return f"x has shape {shape}: {shape[-1]} feature maps of {shape[1]}×{shape[2]}."


def check_pooling(exercise, x):
    shape = compare_layers(x, layers_up_to("pooling"))
    return f"x has shape {shape}: {shape[-1]} feature maps of {shape[1]}×{shape[2]}."


def check_flatten(exercise, x):
    shape = compare_layers(x, layers_up_to("flatten"))
    return f"x has shape {shape}: 6 × 6 × 32 = {shape[1]:,} numbers per image."


def check_hidden_dense(exercise, x):
    shape = compare_layers(x, layers_up_to("hidden_dense"))
    return f"x has shape {shape}: one number per unit."


def check_output_layer(exercise, outputs, model_by_hand):
    shape = compare_layers(outputs, layers_up_to("output_layer"), name="outputs")
    parameters = model_by_hand.count_params()
    if parameters != 79_530:
        raise Mistake(f"model_by_hand has {parameters:,} parameters instead of the intro model's 79,530: build it "
                      "with keras.Model(inputs=inputs, outputs=outputs) from this episode's inputs and outputs.")
    return f"outputs has shape {shape}, and model_by_hand has {parameters:,} parameters, like the intro model."


padding = Exercise("03", "padding", reads=("valid", "same"), check_answer=check_padding)
count_parameters = Exercise("03", "count_parameters")
input_layer = Exercise("03", "input_layer", reads=("inputs", "train_images"), check_answer=check_input_layer)
first_conv = Exercise("03", "first_conv", reads=("x",), check_answer=check_first_conv)
pooling = Exercise("03", "pooling", reads=("x",), check_answer=check_pooling)
flatten = Exercise("03", "flatten", reads=("x",), check_answer=check_flatten)
hidden_dense = Exercise("03", "hidden_dense", reads=("x",), check_answer=check_hidden_dense)
output_layer = Exercise("03", "output_layer", reads=("outputs", "model_by_hand"), check_answer=check_output_layer)
read_comparison = Exercise("03", "read_comparison")
