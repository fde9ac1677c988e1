"""Generated kernels (:mod:`sim.rules.kernel_source`) as files, compiled once per machine.

numba caches a compiled function next to its source file, so each world shape's kernel is
written to a file named by its source's hash and imported from there: the first process
to meet a shape compiles it (5-8 s for three states, 20-35 s for six), later processes
and runs load the compiled code from the cache. The folder is ``$TRILATERAL_KERNEL_DIR``
if set, else ``trilateral-sim/kernels`` in the user's cache folder (``$XDG_CACHE_HOME``
or ``~/.cache``), else one in the system's temporary folder; a file is written to a
temporary name and renamed, so processes meeting the same shape at once never read half
of one.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import os
import sys
import tempfile
import threading
from pathlib import Path
from types import ModuleType

from sim.rules import kernel_args
from sim.rules.kernel_source import KernelShape, kernel_source

_LOADED: dict[KernelShape, ModuleType] = {}
_LOCK = threading.Lock()


def kernels(shape: KernelShape) -> ModuleType:
    """The module of ``shape``'s kernel (``utility``: compiled on its first call, or
    loaded from numba's cache)."""
    kernel = _LOADED.get(shape)
    if kernel is None:
        with _LOCK:
            kernel = _LOADED.get(shape)
            if kernel is None:
                kernel = _LOADED[shape] = _load(kernel_source(shape))
    return kernel


def kernel_folder() -> Path:
    """Where generated kernels and numba's cache of them live (created if missing, for
    this user only): the first candidate this user owns and may write and not every user
    may (numba's cache files are pickles: a folder anybody can write to is refused)."""
    chosen = os.environ.get("TRILATERAL_KERNEL_DIR")
    if chosen:
        candidates = [Path(chosen)]
    else:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        candidates = [Path(base) / "trilateral-sim" / "kernels"]
    candidates.append(Path(tempfile.gettempdir()) / f"trilateral-sim-kernels-{os.getuid()}")
    for folder in candidates:
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            info = folder.stat()
        except OSError:
            continue
        if os.access(folder, os.W_OK) and info.st_uid == os.getuid() and not info.st_mode & 0o002:
            return folder
    raise OSError(f"no writable folder for compiled kernels among {candidates}")


def _load(source: str) -> ModuleType:
    """Write ``source`` to its file (unless there) and import it. The file is named by
    the hash of the source and of :mod:`sim.rules.kernel_args`, whose ``at`` numba
    compiles into the kernel (its cache would not see that file change)."""
    digest = hashlib.sha256(source.encode())
    digest.update(inspect.getsource(kernel_args).encode())
    name = "table_utility_" + digest.hexdigest()[:20]
    path = kernel_folder() / f"{name}.py"
    if not path.exists() or path.read_text() != source:
        part = path.with_name(f"{name}.{os.getpid()}.{threading.get_ident()}.part")
        part.write_text(source)
        os.replace(part, path)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # numba's cache finds the module by name when loading
    spec.loader.exec_module(module)
    return module
