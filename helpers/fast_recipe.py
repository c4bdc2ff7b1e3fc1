"""The arithmetic of the fast recipe, in NumPy alone.

``helpers.models`` builds and trains the fast network from these pieces
(``python -m helpers.train --model fast``); episode 10 shows each of them
without starting TensorFlow, so that its kernel stays small while the
training command runs beside it.
"""

import numpy as np

# Images the patch-whitening filters are computed from: a few thousand are plenty.
WHITENING_IMAGES = 2000
# The fast recipe's optimiser and loss settings (see helpers.models.compile_model_fast).
FAST_PEAK_LEARNING_RATE = 0.2
FAST_WARMUP_FRACTION = 0.2
FAST_MOMENTUM = 0.9
FAST_WEIGHT_DECAY = 5e-3
FAST_LABEL_SMOOTHING = 0.2


def image_patches(images, patch_size=2):
    """Every ``patch_size`` x ``patch_size`` patch of every image, one row per patch.

    A row holds the patch's pixels in the order of a Conv2D kernel (row,
    column, colour), so a filter reshaped to one column multiplies it as the
    convolution would. float32 images of shape (N, height, width, channels).
    """
    height, width, channels = images.shape[1:]
    shifted = [images[:, row:height - patch_size + 1 + row, column:width - patch_size + 1 + column, :]
               for row in range(patch_size) for column in range(patch_size)]
    return np.concatenate(shifted, axis=-1).reshape(-1, patch_size * patch_size * channels)


def patch_whitening_filters(images, patch_size=2):
    """Convolution filters that whiten the image patches; for 2x2 patches of RGB images, shape (2, 2, 3, 24).

    Each filter is one eigenvector of the covariance of all patch_size x
    patch_size patches of ``images``, divided by the square root of its
    eigenvalue, so that along every direction the filtered patches vary by
    about 1: neighbouring pixels that rise and fall together no longer
    dominate. A small fraction of the average pixel variance is added to each
    eigenvalue, so that directions of almost no variation (compression noise)
    are not blown up. The eigenvectors come from the most common direction to
    the rarest, and every filter comes twice, with both signs, because the
    activation after it keeps only one side of zero. float32, laid out as a
    Conv2D kernel: (patch_size, patch_size, channels, filters).
    """
    images = np.asarray(images, dtype="float32")
    patches = image_patches(images, patch_size)
    patches -= patches.mean(axis=0)
    covariance = (patches.T @ patches / len(patches)).astype("float64")
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)  # ascending; each column is a direction
    eigenvalues, eigenvectors = eigenvalues[::-1], eigenvectors[:, ::-1]  # the most common direction first
    epsilon = 5e-4 * eigenvalues.sum() / len(eigenvalues)
    filters = eigenvectors / np.sqrt(eigenvalues + epsilon)
    filters = np.concatenate([filters, -filters], axis=1)
    channels = images.shape[-1]
    return filters.reshape(patch_size, patch_size, channels, -1).astype("float32")


def triangular_rate(step, total_steps, peak=FAST_PEAK_LEARNING_RATE, warmup_fraction=FAST_WARMUP_FRACTION):
    """The learning rate at training step ``step`` of ``total_steps``: a straight rise to ``peak``, then a fall to 0.

    The rise takes the first ``warmup_fraction`` of the steps (a warm-up,
    while the weights are still random); the fall takes the rest, so that
    the last steps make only small, careful changes.
    """
    done = step / total_steps  # the share of training done
    rising = done / warmup_fraction
    falling = (1 - done) / (1 - warmup_fraction)
    return peak * max(0.0, min(rising, falling, 1.0))


def smoothed_targets(class_numbers, num_classes, smoothing=FAST_LABEL_SMOOTHING):
    """One-hot targets with label smoothing: 1 - smoothing + smoothing / num_classes for the class.

    Every other class gets smoothing / num_classes. This is the target Keras's
    ``CategoricalCrossentropy(label_smoothing=...)`` trains towards.
    """
    one_hot = np.eye(num_classes, dtype="float32")[np.ravel(class_numbers)]
    return one_hot * (1 - smoothing) + smoothing / num_classes
