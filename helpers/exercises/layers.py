"""Compare the layers a learner stacked with the layers a challenge asks for.

The checks of episodes 03, 05 and 07 use these. A Keras tensor remembers the
layer that made it, and that layer the tensor it was called on, so the path
from ``keras.Input`` to any tensor can be read back without building anything.
"""

from helpers.exercises import Mistake

# What each kind of layer is described by, in the order a learner types it.
SETTINGS = {
    "Conv2D": ("filters", "kernel_size", "activation", "padding"),
    "MaxPooling2D": ("pool_size",),
    "Dense": ("units", "activation"),
    "Dropout": ("rate",),
}


def made_by(tensor):
    """The layer that made a Keras tensor, or None for the tensor of ``keras.Input``."""
    history = getattr(tensor, "_keras_history", None)
    if history is None:
        raise Mistake(f"expected the output of a Keras layer, got {type(tensor).__name__} {tensor!r:.60}")
    layer = history.operation
    return None if type(layer).__name__ == "InputLayer" else layer


def layers_to(tensor):
    """The layers from ``keras.Input`` to ``tensor``, first to last (each layer's first input)."""
    found = []
    layer = made_by(tensor)
    while layer is not None:
        found.append(layer)
        tensor = layer._inbound_nodes[0].input_tensors[0]
        layer = made_by(tensor)
    return found[::-1]


def setting(layer, name):
    value = getattr(layer, name)
    return value.__name__ if callable(value) else value


def describe(layer):
    """A layer as a learner would type it, for example ``Conv2D(16, (3, 3), activation="relu")``."""
    kind = type(layer).__name__
    values = [setting(layer, name) for name in SETTINGS.get(kind, ())]
    if kind == "Conv2D":
        filters, kernel, activation, padding = values
        text = f'{filters}, {kernel}, activation="{activation}"'
        return f'Conv2D({text}{"" if padding == "valid" else f", padding={padding!r}"})'
    if kind == "Dense":
        return f'Dense({values[0]}, activation="{values[1]}")'
    return f"{kind}({', '.join(repr(value) for value in values)})"


def describe_spec(spec):
    kind, settings = spec
    if kind == "Conv2D":
        padding = settings.get("padding", "valid")
        return (f'Conv2D({settings["filters"]}, {settings["kernel_size"]}, activation="{settings["activation"]}"'
                f'{"" if padding == "valid" else f", padding={padding!r}"})')
    if kind == "Dense":
        return f'Dense({settings["units"]}, activation="{settings["activation"]}")'
    return f"{kind}({', '.join(repr(value) for value in settings.values())})"


def conv(filters, activation="relu", kernel_size=(3, 3), padding="valid"):
    return ("Conv2D", {"filters": filters, "kernel_size": kernel_size, "activation": activation,
                       "padding": padding})


def pool(size=(2, 2)):
    return ("MaxPooling2D", {"pool_size": size})


def dense(units, activation):
    return ("Dense", {"units": units, "activation": activation})


RESCALING = ("Rescaling", {})
FLATTEN = ("Flatten", {})


def dropout(rate):
    return ("Dropout", {"rate": rate})


def wrong_setting(layer, spec):
    """What differs between a layer and the spec of the same kind, in words, or None."""
    kind, settings = spec
    for name, expected in settings.items():
        actual = setting(layer, name)
        if actual == expected:
            continue
        if name == "activation" and kind == "Dense" and expected == "softmax":
            return (f'the output layer uses {actual}; a classifier over {settings["units"]} classes needs '
                    'softmax, which turns its outputs into probabilities that add up to 1')
        if name == "activation":
            return f'the {kind} layer uses activation "{actual}"; the challenge asks for "{expected}"'
        if name == "units" and expected == 10:
            return f"the output layer has {actual} units; it needs one per class, 10 (len(CLASS_NAMES))"
        return f"the {kind} layer has {name}={actual!r}; the challenge asks for {expected!r}"
    return None


def compare_layers(tensor, expected, name="x"):
    """Raise ``Mistake`` unless the layers from ``keras.Input`` to ``tensor`` match ``expected``.

    ``expected`` is a list of specs made with ``conv``, ``pool``, ``dense``,
    ``dropout``, ``RESCALING`` and ``FLATTEN``. The message names the first
    difference and the shape ``tensor`` has.
    """
    actual = layers_to(tensor)
    shape = tuple(tensor.shape)
    for position, spec in enumerate(expected):
        if position == len(actual):
            last = describe(actual[-1]) if actual else "keras.Input"
            missing = ", ".join(describe_spec(spec) for spec in expected[position:])
            raise Mistake(f"{name} has shape {shape} and is still the output of {last}: {missing} "
                          f"{'is' if len(expected) - position == 1 else 'are'} missing. Run the challenge's "
                          "cell once its blanks are filled.")
        layer = actual[position]
        if type(layer).__name__ != spec[0]:
            raise Mistake(f"{name} has shape {shape}. Layer {position + 1} after the input is "
                          f"{describe(layer)}, where the challenge has {describe_spec(spec)}.")
        difference = wrong_setting(layer, spec)
        if difference:
            raise Mistake(f"{name} has shape {shape}: {difference}.")
    if len(actual) > len(expected):
        extra = ", ".join(describe(layer) for layer in actual[len(expected):])
        raise Mistake(f"{name} has shape {shape}: it went through {extra} more than the challenge asks. "
                      "Did a cell run twice? Run the cells again from the one that makes the input.")
    return shape
