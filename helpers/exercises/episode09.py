"""Self-checks for episode 09, "Share a model and next steps".

The checks compare the learner's reloaded model, cropped photo and transfer
model with what the challenges ask for, without building any model themselves.
"""

import numpy as np

from helpers.data import CLASS_NAMES, cat_photo_path
from helpers.exercises import Exercise, Mistake
from helpers.exercises.episode08 import trainable_count
from helpers.quiet import import_keras_quietly

keras = import_keras_quietly()  # TensorFlow first, without its start-up messages: importing this module prints nothing

# EfficientNetB0 ends in 1,280 feature maps; the new Dense layer links each to every class, plus one bias per class.
EFFICIENTNET_B0_TRAINED = 1280 * len(CLASS_NAMES) + len(CLASS_NAMES)


def check_weights_only(exercise, fresh, model, fresh_probabilities, original_probabilities):
    fresh_shapes = [tuple(weight.shape) for weight in fresh.weights]
    model_shapes = [tuple(weight.shape) for weight in model.weights]
    if fresh_shapes != model_shapes:
        raise Mistake(f"fresh ({fresh.name}) is not built like model ({model.name}), so load_weights cannot fill "
                      "it: build fresh with create_model_dropout(), the function that made model.")
    pairs = zip(fresh.get_weights(), model.get_weights())
    if not all(np.array_equal(mine, theirs) for mine, theirs in pairs):
        raise Mistake("fresh does not have model's weights: after saving them with model.save_weights(weights_path), "
                      "load them into fresh with fresh.load_weights(weights_path).")
    if fresh_probabilities.shape != original_probabilities.shape:
        raise Mistake(f"fresh_probabilities has shape {fresh_probabilities.shape}, original_probabilities "
                      f"{original_probabilities.shape}: predict on the same first 100 test images, test_images[:100].")
    if not np.allclose(fresh_probabilities, original_probabilities):
        raise Mistake("fresh has model's weights, but its predictions differ from original_probabilities: "
                      "predict on the same images, test_images[:100].")
    return "fresh has the saved weights and makes the same predictions as model on the first 100 test images."


def check_crop(exercise, square_batch, square_probabilities):
    size = exercise.answer(0)
    cropped = keras.utils.load_img(cat_photo_path(), target_size=size, keep_aspect_ratio=True)
    expected = np.asarray(cropped, dtype="uint8")[np.newaxis]
    if square_batch.ndim == 3:
        raise Mistake(f"square_batch has shape {square_batch.shape}, one image without a batch axis; predict "
                      "takes a batch of images: add the axis with [np.newaxis].")
    if square_batch.shape != expected.shape:
        raise Mistake(f"square_batch has shape {square_batch.shape}, expected {expected.shape}: the model takes "
                      f"images of {size[0]}×{size[1]} pixels, so load the photo with target_size={size}.")
    if not np.array_equal(square_batch, expected):
        squashed = np.asarray(keras.utils.load_img(cat_photo_path(), target_size=size), dtype="uint8")
        if np.array_equal(square_batch[0], squashed):
            raise Mistake("square_batch is the squashed photo, as in cat_batch: pass keep_aspect_ratio=True, so "
                          "that load_img cuts a square out of the middle before it shrinks the photo.")
        raise Mistake("square_batch is not the photo from cat_photo_path(), cropped to a square and shrunk to "
                      f"{size[0]}×{size[1]} pixels.")
    if np.shape(square_probabilities) != (len(CLASS_NAMES),):
        raise Mistake(f"square_probabilities has shape {np.shape(square_probabilities)}; it should hold one "
                      "probability per class: the first row, [0], of what predict returns.")
    return f"square_batch holds the cat cropped to a square and shrunk to {size[0]}×{size[1]}: shape {expected.shape}."


def check_another_base(exercise, base_b0, transfer_b0, trainable):
    if base_b0.name != "efficientnetb0":
        raise Mistake(f"base_b0 is {base_b0.name}; the challenge asks for keras.applications.EfficientNetB0.")
    if base_b0.trainable:
        raise Mistake(f"base_b0 is still trainable, so all its {base_b0.count_params():,} parameters would be "
                      "trained: freeze it with base_b0.trainable = False.")
    counted = trainable_count(transfer_b0)
    if trainable == transfer_b0.count_params():
        raise Mistake(f"trainable is {trainable:,}, every parameter of transfer_b0, frozen or not: count only "
                      "the ones in transfer_b0.trainable_weights.")
    if trainable != counted:
        raise Mistake(f"trainable is {trainable:,}, but transfer_b0.trainable_weights hold {counted:,} numbers: "
                      "add up the sizes of transfer_b0.trainable_weights.")
    if counted != EFFICIENTNET_B0_TRAINED:
        raise Mistake(f"transfer_b0 trains {counted:,} parameters instead of {EFFICIENTNET_B0_TRAINED:,}: put "
                      "one Dense(len(CLASS_NAMES)) layer after GlobalAveragePooling2D, as in the template.")
    return (f"EfficientNetB0 is frozen, and only the new Dense layer is trained: 1,280 × 10 + 10 = "
            f"{EFFICIENTNET_B0_TRAINED:,} parameters.")


weights_only = Exercise("09", "weights_only",
                        reads=("fresh", "model", "fresh_probabilities", "original_probabilities"),
                        check_answer=check_weights_only)
crop = Exercise("09", "crop", reads=("square_batch", "square_probabilities"), check_answer=check_crop)
another_base = Exercise("09", "another_base", reads=("base_b0", "transfer_b0", "trainable"),
                        check_answer=check_another_base)
real_run = Exercise("09", "real_run")
