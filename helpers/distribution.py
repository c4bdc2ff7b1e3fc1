"""Training on several devices or machines: ``python -m helpers.train --distribute``.

TensorFlow's own strategies (``tf.distribute``) do the work: ``mirrored``
(MirroredStrategy) on the GPUs of one machine, or on a CPU split into
logical devices to try it on a laptop; ``multi-worker``
(MultiWorkerMirroredStrategy) on several machines that each run the same
command, with a TF_CONFIG environment variable that lists them all and says
which one this is. Only one of them, the chief, writes the results.
docs/scaling-up.md shows the commands.
"""

import contextlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

# What TF_CONFIG looks like on the first of two workers, for the error messages.
TF_CONFIG_EXAMPLE = '{"cluster": {"worker": ["host1:12345", "host2:12345"]}, "task": {"type": "worker", "index": 0}}'


class DistributionError(Exception):
    """The devices or workers asked for cannot be set up in this process."""


def multi_worker_task():
    """This worker's place in the cluster that TF_CONFIG describes, as a dict.

    Its keys: "type" ("chief" or "worker"), "index" (in the list of that
    type), "address" (host:port), "chief" (whether this is the chief: the
    task of type "chief", or worker 0 when there is none), and "workers"
    (how many there are, the chief included). Raises ValueError, saying
    what to set, when TF_CONFIG is missing or wrong.
    """
    text = os.environ.get("TF_CONFIG", "")
    if not text.strip():
        raise ValueError("--distribute multi-worker needs the environment variable TF_CONFIG, which lists "
                         "the workers and says which one this is; on the first of two machines, for "
                         f"example: TF_CONFIG='{TF_CONFIG_EXAMPLE}'")
    try:
        config = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"TF_CONFIG is not valid JSON ({error}); it should look like "
                         f"'{TF_CONFIG_EXAMPLE}'") from None
    try:
        cluster, task_type, index = config["cluster"], config["task"]["type"], config["task"]["index"]
        known = task_type in ("chief", "worker") and type(index) is int  # bool is no index either
        if not known or not 0 <= index < len(cluster[task_type]):
            raise ValueError
    except (TypeError, KeyError, ValueError):
        raise ValueError("TF_CONFIG must list the workers under \"cluster\" and give this one's \"type\" "
                         "(worker or chief) and \"index\" in that list under \"task\", like "
                         f"'{TF_CONFIG_EXAMPLE}'") from None
    return {"type": task_type, "index": index, "address": cluster[task_type][index],
            "chief": task_type == "chief" or (index == 0 and "chief" not in cluster),
            "workers": len(cluster.get("chief", [])) + len(cluster.get("worker", []))}


def is_chief(settings):
    """Whether this process writes the results: always, unless it is one of several workers that is not the chief."""
    return settings["distribute"] != "multi-worker" or multi_worker_task()["chief"]


def start_tensorflow(distribute="none", cpu_devices=None):
    """Start TensorFlow without its start-up notices; return the tf.distribute strategy to train with.

    "none" gives TensorFlow's default strategy (one device), "mirrored" a
    MirroredStrategy over this machine's GPUs, or over ``cpu_devices``
    logical CPU devices, "multi-worker" a MultiWorkerMirroredStrategy set up
    from TF_CONFIG. Splitting the CPU and joining other workers must both
    happen before TensorFlow sets up its devices, which
    ``import_tensorflow_quietly`` does at once; so for those two, this
    imports TensorFlow itself, hiding its notices in the same way.
    """
    from helpers.quiet import import_tensorflow_quietly, tensorflow_notices_hidden

    if distribute == "none":
        return import_tensorflow_quietly().distribute.get_strategy()
    if distribute == "mirrored" and cpu_devices is None:
        return import_tensorflow_quietly().distribute.MirroredStrategy()
    if "tensorflow" in sys.modules:
        raise DistributionError(f"{'--cpu-devices' if cpu_devices else '--distribute multi-worker'} must be "
                                "set before TensorFlow starts; run the command in a new Python process")
    with tensorflow_notices_hidden(expected=(KeyboardInterrupt, DistributionError)):
        import tensorflow as tf

        if distribute == "multi-worker":
            try:
                strategy = tf.distribute.MultiWorkerMirroredStrategy()
            except tf.errors.OpError as error:
                raise DistributionError(f"this worker could not start at {multi_worker_task()['address']} "
                                        f"({error.message}); TF_CONFIG must give it a port that is free") from None
        else:
            cpu = tf.config.list_physical_devices("CPU")[0]
            tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * cpu_devices)
            strategy = tf.distribute.MirroredStrategy([device.name for device in tf.config.list_logical_devices("CPU")])
        tf.config.list_logical_devices()  # probe for CUDA now, while the notices are hidden
    tf.get_logger().setLevel("ERROR")
    if cpu_devices:
        print(f"Splitting the CPU into {cpu_devices} logical devices: this only simulates several devices, "
              "for trying distributed training; it does not make training faster.")
    return strategy


def work_around_keras_multi_worker_bugs(model):
    """Let ``model``'s fit, evaluate and predict run under MultiWorkerMirroredStrategy in Keras 3.

    Keras 3 (3.15 at least; keras-team/keras issue 20585) fails there twice:
    before training it averages a batch of images across the workers, to
    build the model, and after each step it averages every metric across
    the workers along an axis that a single number does not have. So the
    model skips the first (it is built already) and follows the strategy
    of the ``strategy.scope()`` it runs in, and the metrics are averaged
    as single numbers. Call fit, evaluate and predict inside that scope.
    """
    from keras.src.backend.tensorflow import trainer

    model._distribute_strategy = None  # Keras then builds nothing up front, and uses the enclosing scope's
    if not getattr(trainer.reduce_per_replica, "averages_single_numbers", False):
        trainer.reduce_per_replica = averaging_single_numbers(trainer.reduce_per_replica)


def averaging_single_numbers(reduce_per_replica):
    """Keras's ``reduce_per_replica``, except that across several workers it averages without an axis."""
    from keras.src.backend.tensorflow import trainer

    def reduce(values, strategy, reduction="auto"):
        if reduction in ("auto", "mean") and trainer._collective_all_reduce_multi_worker(strategy):
            return trainer.tree.map_structure(lambda value: strategy.reduce("MEAN", value, axis=None), values)
        return reduce_per_replica(values, strategy, reduction)

    reduce.averages_single_numbers = True
    return reduce


@contextlib.contextmanager
def results_folder(output, chief):
    """The folder to save the results into: ``output`` for the chief; for another worker, a temporary one.

    Every worker must save, since reading the model's variables takes all of
    them; only the chief's copy stays.
    """
    if chief:
        yield output
        return
    folder = Path(tempfile.mkdtemp(prefix="helpers-train-worker-"))
    try:
        yield folder / "results"
    finally:
        shutil.rmtree(folder, ignore_errors=True)
