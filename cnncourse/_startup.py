"""Import Keras (and its backend) without TensorFlow's C++ start-up chatter.

TensorFlow's native libraries write a few lines straight to file descriptor 2 while they
load: ``WARNING: All log messages before absl::InitializeLog() is called are written to
STDERR``, the "oneDNN custom operations are on" notice, the CPU-instructions notice. They
come before Python could set any log level (``TF_CPP_MIN_LOG_LEVEL`` silences only some of
them) and Jupyter shows them in red under a lesson's first cell, where they read as an
error. So the first import of Keras runs with descriptor 2 sent to a temporary file;
afterwards every line that is *not* one of those known start-up notices is written back to
stderr. Real warnings, during the import or at any time later, still reach the student.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile

__all__ = [
    "BACKEND_ENVIRONMENT",
    "STARTUP_CHATTER",
    "import_backend",
    "prepare_environment",
    "without_chatter",
]

#: Settings a backend reads once, when its libraries load; :func:`prepare_environment` sets
#: each unless the user has. ``OMP_WAIT_POLICY=PASSIVE``: PyTorch's OpenMP threads otherwise
#: spin while they wait for work, and on a busy machine (CI beside other jobs, a grader
#: running two notebooks at once) the spinning takes the cores from the work itself. One
#: epoch of lesson 5's digits CNN on the PyTorch backend took 17.8 s of CPU with spinning
#: threads and 1.6 s with passive ones (2 cores, load average 11); TensorFlow and JAX do not
#: use OpenMP's threads.
BACKEND_ENVIRONMENT = {"OMP_WAIT_POLICY": "PASSIVE", "TF_CPP_MIN_LOG_LEVEL": "2"}

#: Lines TensorFlow (and XLA, CUDA) libraries print while loading, on every machine.
STARTUP_CHATTER = re.compile(
    r"All log messages before absl::InitializeLog\(\) is called"
    r"|oneDNN custom operations are on"
    r"|cpu_feature_guard\.cc"
    r"|This TensorFlow binary is optimized to use available CPU instructions"
    r"|To enable the following instructions: .* in other operations, rebuild TensorFlow"
    r"|Unable to register cu(DNN|FFT|BLAS) factory"
    r"|computation placer already registered"
    r"|TF-TRT Warning: Could not find TensorRT"
    r"|Could not find cuda drivers on your machine, GPU will not be used"
    r"|failed call to cuInit"
)


def without_chatter(text: str) -> str:
    """``text`` without its lines of TensorFlow start-up chatter.

    Parameters
    ----------
    text : str
        What the backend's libraries wrote to stderr.

    Returns
    -------
    str
        The other lines, each ending in a newline ("" when none is left).

    Examples
    --------
    >>> noise = "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR"
    >>> without_chatter(noise + "\\nreal trouble\\n")
    'real trouble\\n'
    >>> without_chatter(noise)
    ''
    """  # noqa: E501 - a doctest line
    if not isinstance(text, str):
        raise ValueError(f"text must be a str; got {type(text).__name__}")
    kept = [line for line in text.splitlines() if line.strip() and not STARTUP_CHATTER.search(line)]
    return "".join(f"{line}\n" for line in kept)


@contextlib.contextmanager
def _descriptor_2_to(file) -> object:
    try:
        sys.stderr.flush()
    except (AttributeError, ValueError):
        pass
    saved = os.dup(2)
    try:
        os.dup2(file.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def prepare_environment() -> None:
    """Set :data:`BACKEND_ENVIRONMENT` in ``os.environ`` where the user has not.

    Effective for a backend loaded after the call, in this process or in a child (the
    command line calls it first, so the kernels of ``cnncourse start`` and ``cnncourse
    build`` inherit it).

    Examples
    --------
    >>> import os
    >>> prepare_environment()
    >>> "OMP_WAIT_POLICY" in os.environ
    True
    """
    for key, value in BACKEND_ENVIRONMENT.items():
        os.environ.setdefault(key, value)


def import_backend() -> None:
    """Import ``keras`` once, keeping the backend's start-up chatter off stderr.

    Does nothing when Keras is already imported. Anything else the import writes to
    stderr (a real warning, an error) is written back once the import is over.

    Examples
    --------
    >>> import_backend()
    >>> import sys; "keras" in sys.modules
    True
    """
    if "keras" in sys.modules:
        return
    prepare_environment()
    with tempfile.TemporaryFile() as log:
        try:
            with _descriptor_2_to(log):
                import keras  # noqa: F401 - the import is the point
        finally:
            log.seek(0)
            rest = without_chatter(log.read().decode("utf-8", errors="replace"))
            if rest:
                sys.stderr.write(rest)
                sys.stderr.flush()
