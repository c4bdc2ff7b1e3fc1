"""Self-checks for episode 02, "Introduction to image data".

``write_prepare_dataset`` calls the learner's function on a few made-up images
and compares what it returns with ``helpers.data.prepare_dataset``;
``class_balance`` recounts the classes of both sets.
"""

import numpy as np

from helpers.data import CLASS_NAMES
from helpers.data import prepare_dataset as helpers_prepare_dataset
from helpers.error_lines import error_first_line
from helpers.exercises import Exercise, Mistake

MADE_UP_IMAGES = 50  # five of every class


def tiny_dataset():
    """Made-up images and labels shaped like load_cifar10's: image i is filled with the number i."""
    images = np.repeat(np.arange(MADE_UP_IMAGES, dtype="uint8"), 32 * 32 * 3).reshape(MADE_UP_IMAGES, 32, 32, 3)
    labels = (np.arange(MADE_UP_IMAGES) % len(CLASS_NAMES)).astype("uint8").reshape(MADE_UP_IMAGES, 1)
    return images, labels


def call_quietly(function, *arguments):
    """Call the learner's function with numpy's global generator set apart, then put the generator back.

    A split without random_state draws from that generator. Seeded with a
    number of its own here, it cannot happen to match random_state=42's split
    (as it would right after keras.utils.set_random_seed(42)).
    """
    state = np.random.get_state()
    np.random.seed(2009)
    try:
        return function(*arguments)
    finally:
        np.random.set_state(state)


def check_write_prepare_dataset(exercise, prepare_dataset):
    test_size, random_state = exercise.answer(3), exercise.answer(4)
    images, labels = tiny_dataset()
    if not callable(prepare_dataset):
        raise Mistake(f"prepare_dataset is a {type(prepare_dataset).__name__}, not a function: run the cell "
                      "that starts with def prepare_dataset(train_images, train_labels):.")
    try:
        returned = call_quietly(prepare_dataset, images, labels)
    except Exception as error:
        raise Mistake(f"prepare_dataset stopped with {error_first_line(error):.120} (on {MADE_UP_IMAGES} made-up "
                      f"images with the labels 0 to 9). Compare your cell with the hint.") from None
    if not isinstance(returned, (tuple, list)) or len(returned) != 4:
        count = len(returned) if isinstance(returned, (tuple, list)) else 0 if returned is None else 1
        raise Mistake(f"prepare_dataset returns {count} value{'s' if count != 1 else ''}; it should return four: "
                      "train_images, val_images, train_labels, val_labels. Give train_test_split both the images "
                      "and the one-hot labels.")
    train_images, val_images, train_labels, val_labels = (np.asarray(part) for part in returned)

    # The labels: one-hot, one column per class.
    if train_labels.shape[1:] == images.shape[1:]:
        raise Mistake("the third and fourth values are images, not labels: train_test_split got the images "
                      "twice. Its second array should be the one-hot train_labels.")
    if train_labels.ndim == 1 or train_labels.shape[1:] == (1,):
        raise Mistake("the labels are still class numbers: one-hot encode them with keras.utils.to_categorical "
                      "and pass the encoded labels to train_test_split.")
    if train_labels.shape[1:] != (len(CLASS_NAMES),):
        raise Mistake(f"the labels have {train_labels.shape[1]} columns; one-hot labels need one per class, "
                      f"{len(CLASS_NAMES)}: num_classes=len(CLASS_NAMES).")

    # The images: untouched uint8 pixels.
    if train_images.dtype != np.uint8:
        raise Mistake(f"the images come back as {train_images.dtype}: leave them uint8 and do not divide them "
                      "by 255. The model's first layer, Rescaling(1 / 255), scales them batch by batch.")

    # The share kept back, and which images.
    kept_back = len(val_images)
    if kept_back != round(MADE_UP_IMAGES * test_size):
        raise Mistake(f"prepare_dataset kept back {kept_back} of {MADE_UP_IMAGES} made-up images, "
                      f"{100 * kept_back / MADE_UP_IMAGES:g} %; the challenge asks for {100 * test_size:g} %. "
                      f"test_size is a share between 0 and 1: test_size={test_size}.")
    expected = helpers_prepare_dataset(images, labels)
    if not np.array_equal(val_images, expected[1]):
        raise Mistake(f"prepare_dataset keeps back other images than the helpers' version: give train_test_split "
                      f"random_state={random_state}, so that every run keeps back the same {100 * test_size:g} %.")
    if not all(np.array_equal(part, wanted) for part, wanted in zip(returned, expected)):
        raise Mistake("prepare_dataset returns other arrays than the helpers' version: return them in the order "
                      "train_test_split gives them, train_images, val_images, train_labels, val_labels.")
    return (f"prepare_dataset returns uint8 images and one-hot labels, and keeps back the same {100 * test_size:g} % "
            "as the helpers' prepare_dataset.")


def check_class_balance(exercise, class_counts, train_labels, val_labels):
    expected = {
        "training": np.bincount(train_labels.argmax(axis=1), minlength=len(CLASS_NAMES)),
        "validation": np.bincount(val_labels.argmax(axis=1), minlength=len(CLASS_NAMES)),
    }
    if not hasattr(class_counts, "columns"):
        raise Mistake(f"class_counts is a {type(class_counts).__name__}; make it a table with pd.DataFrame.")
    if list(class_counts.columns) != list(expected):
        raise Mistake(f"class_counts has the columns {list(class_counts.columns)}; the challenge asks for "
                      f"{list(expected)}.")
    if list(class_counts.index) != CLASS_NAMES:
        first, last = class_counts.index[0], class_counts.index[-1]
        raise Mistake(f"the rows of class_counts are labelled {first!r} to {last!r}; give it one row per class "
                      'name: index=pd.Index(CLASS_NAMES, name="class").')
    if class_counts.index.name != "class":
        named = "has no name" if class_counts.index.name is None else f"is named {class_counts.index.name!r}"
        raise Mistake(f"the index holds the class names but {named}: build it with "
                      'pd.Index(CLASS_NAMES, name="class"), so that the bar plot finds a column "class" after '
                      "reset_index().")
    if not np.array_equal(class_counts["training"].to_numpy(), expected["training"]):
        raise Mistake("the training column does not count the classes of train_labels: argmax(axis=1) gives the "
                      "class number of each one-hot row, and np.bincount counts them.")
    validation = class_counts["validation"].to_numpy()
    if np.array_equal(validation, expected["training"]):
        raise Mistake("the validation column holds the same counts as the training column: count the "
                      "validation labels, val_labels.argmax(axis=1).")
    if not np.array_equal(validation, expected["validation"]):
        raise Mistake("the validation column does not count the classes of val_labels: use "
                      "val_labels.argmax(axis=1), as for the training column.")
    return 'class_counts has one row per class, in an index named "class", and counts both sets.'


write_prepare_dataset = Exercise("02", "write_prepare_dataset", reads=("prepare_dataset",),
                                 check_answer=check_write_prepare_dataset)
class_balance = Exercise("02", "class_balance", reads=("class_counts", "train_labels", "val_labels"),
                         check_answer=check_class_balance)
