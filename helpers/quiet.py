"""Load TensorFlow without the C++ start-up messages it writes to stderr.

Taught in episode 01. TensorFlow's C++ runtime prints notices about oneDNN,
CPU instructions and missing CUDA drivers straight to the process's error
stream, before any Python logging setting can apply, and
``TF_CPP_MIN_LOG_LEVEL`` does not stop them. They are harmless, but in a
classroom they look like errors. This module silences the error stream only
while TensorFlow starts up and looks for devices; if anything goes wrong in
that window, what TensorFlow printed is shown again with the exception.
"""

import contextlib
import os
import sys
import tempfile


@contextlib.contextmanager
def tensorflow_notices_hidden(expected=(KeyboardInterrupt,)):
    """Hide what TensorFlow's C++ runtime writes to the error stream meanwhile.

    If the block fails, what was hidden is shown again with the exception,
    except for the ``expected`` exceptions (stopped on purpose, or explained
    in a line of their own), for which it does not matter.
    """
    # Keep the runtime's later INFO and WARNING lines out of the notebook; errors still show.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with tempfile.TemporaryFile() as captured:
        sys.stderr.flush()
        saved_stderr = os.dup(2)
        os.dup2(captured.fileno(), 2)
        try:
            yield
        except expected:
            raise
        except BaseException:
            os.dup2(saved_stderr, 2)
            captured.seek(0)
            sys.stderr.write(captured.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved_stderr, 2)
            os.close(saved_stderr)


def import_tensorflow_quietly():
    """Import TensorFlow, find its devices, and return the ``tensorflow`` module.

    Call it before importing keras. Later calls are cheap and print nothing.
    """
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    with tensorflow_notices_hidden():
        import tensorflow as tf

        # Looking for devices now makes TensorFlow probe for CUDA inside this
        # quiet window instead of during the learner's first model.fit().
        tf.config.list_logical_devices()
    tf.get_logger().setLevel("ERROR")
    return tf


def import_keras_quietly():
    """Import TensorFlow quietly (``import_tensorflow_quietly``), then Keras; return the ``keras`` module.

    For a module of the helpers that uses Keras from its top level: after its
    imports, ``keras = import_keras_quietly()`` gives it Keras without any of
    TensorFlow's start-up messages.
    """
    import_tensorflow_quietly()
    import keras

    return keras
