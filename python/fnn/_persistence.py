"""Model files: save an estimator and load it back without executing anything.

``model.save(path)`` writes, and :func:`fnn.load` reads, a NumPy ``.npz``
archive (a zip of ``.npy`` members, uncompressed, as ``np.savez`` writes)
with ``allow_pickle=False``.  Loading parses the zip's directory, each
member's ``.npy`` header (numpy's parser, which evaluates nothing) and a JSON
header, and looks estimator classes up in an explicit registry of fnn's
estimators, so a hostile file can make loading fail but cannot make it run
code.

Format, version 1
-----------------
Member ``header``
    A uint8 array holding a UTF-8 JSON object:

    ``format``          the string ``"fnn-model"``
    ``format_version``  1 (an int; readers refuse versions newer than theirs)
    ``fnn_version``     the fnn that wrote the file (information only)
    ``estimator``       a registered class name, e.g. ``"MLPClassifier"``
    ``params``          the constructor parameters (``get_params()``) but the
                        ones that act on the machine running the model (paths,
                        thread counts, memory sizes: ``Persister.local_params``),
                        a JSON object whose values are encoded as below
    ``fitted``          false for an estimator saved before ``fit``
    ``dtype``           ``"float32"`` or ``"float64"`` (the parameters' dtype),
                        null when not fitted
    ``state``           the estimator's fitted scalars and lists: a JSON
                        object (keys depend on the estimator) whose values are
                        encoded as below
    ``arrays``          ``{name: {"dtype": "<f4", "shape": [n]}}``: every other
                        member of the archive, with its exact dtype and shape

Other members
    One ``.npy`` member per entry of ``arrays``, C-ordered.  Dtypes are
    numeric, bool or fixed-width unicode (class labels); never object.

JSON values: null, booleans, ints, strings, finite floats and lists stand for
themselves; every JSON object is a tag with exactly one key:
``{"$tuple": [...]}``, ``{"$dict": {...}}`` (string keys), ``{"$items":
[[key, value], ...]}`` (other keys), ``{"$float": "inf" | "-inf" | "nan"}``
and ``{"$random_state": {...}}`` (a numpy RandomState's MT19937 state), so
tuples, dicts keyed by labels, non-finite floats and seeded generators come
back as they were.  Floats are written with Python's shortest round-trip repr: exact.

MLP estimators (``MLPClassifier``, ``MLPRegressor``) store the arrays
``params`` (the flat parameter vector), ``best_params``, ``optimizer_state_0``
and ``optimizer_state_1`` (empty when the rule keeps no state), for the
classifier ``classes``, and ``feature_names_in`` (unicode) when the model was
fitted on named columns; their ``state`` holds ``layer_units``,
``attributes`` (``n_iter_``, ``t_``, ``loss_curve_``, ...), ``labels``
(``y_type`` and whether the classes were an object array of str) and
``optimizer`` (its class name and scalar fields such as ``learning_rate``
and ``n_updates``).  docs/model-format.md describes the same layout.

Every field is checked on load, and memory follows what the file holds, not
what it claims: members must be stored (fnn never compresses, so a member's
size in the file is its size in memory), the JSON header is at most
``_MAX_HEADER`` bytes, ``_MAX_DEPTH`` levels deep, with strings of at most
``_MAX_STRING`` characters and class labels of at most ``_MAX_LABEL``; the
archive holds exactly the manifest's members, each with the manifest's dtype
and shape (checked from the ``.npy`` header before the data are read
straight into their array), shapes agree with the network's layout, the
parameters are finite, the classes sorted.  Anything else is a ValueError
that names the file and says what is wrong.  ``save`` refuses what ``load``
would refuse.

Files are written atomically: a temporary file in the same folder is
flushed, fsynced and renamed over the target; a temporary file left by a
writer that was killed mid-write is deleted by the next write to the same
path on the same machine.  A write never replaces what is not a model: the
target must be absent, an fnn model file or empty, and a regular file
(:func:`check_writable_model_path` checks it, and the folder, before a
training run that will write there).

Other estimators join with :func:`register`.
"""
import json
import math
import numbers
import os
import re
import socket
import stat
import tempfile
import types
import zipfile
from dataclasses import dataclass
from typing import Callable

import numpy as np

# The bounded readers of zip members and .npy headers, shared with fnn.data.
from .data import _DAMAGE, _open_zip, _read_npy_member, _reason

FORMAT_NAME = "fnn-model"
#: The version this fnn writes; it reads every version up to this one.
FORMAT_VERSION = 1

#: Upgrades of older files: version -> function(header, arrays) returning the
#: header and arrays of version + 1.  Empty while only version 1 exists.
_UPGRADES = {}

#: Dtype kinds an array member may have: bool, ints, floats, unicode.
_ARRAY_KINDS = "biufU"

_HEADER = "header"

# Bounds on what a model file may hold, far above what a model needs; load
# refuses, and save never writes, anything beyond them.
#: Bytes of the JSON header: a loss curve of 400,000 epochs fits.
_MAX_HEADER = 8 << 20
#: Characters of a string in the header (parameters, labels as dict keys).
_MAX_STRING = 4096
#: Characters of a class label (predict returns arrays of them, one per
#: sample) or of a feature name.
_MAX_LABEL = 256
#: Nesting of the header's JSON (fnn's own files nest 7 levels).
_MAX_DEPTH = 32
#: Members of the archive (fnn's estimators write at most 10).
_MAX_MEMBERS = 64
#: Integers in the header fit in 64 bits.
_MAX_INT = 2 ** 63 - 1


class ModelFileError(ValueError):
    """The file is not a valid fnn model file (damaged, foreign or tampered)."""


# ----------------------------------------------------------------------
# Registry
# ----------------------------------------------------------------------
@dataclass(frozen=True)
class Persister:
    """How one estimator class is saved and restored.

    get_state(est) -> None when est is not fitted, otherwise
        ``(dtype, state, arrays)``: the parameters' dtype, a dict of
        JSON-encodable values and a dict of NumPy arrays.
    set_state(est, dtype, state, arrays) restores a freshly constructed est;
        it must check every value it uses and raise ValueError (the loader
        adds the file name).
    local_params: constructor parameters that act on the machine running the
        model (a path it writes, threads, memory): never written, ignored
        when a (tampered or older) file holds them, so the loading caller's
        defaults apply.
    """

    cls: type
    get_state: Callable
    set_state: Callable
    local_params: tuple = ()


_REGISTRY = {}


def register(cls, get_state, set_state, name=None, local_params=()):
    """Make estimator class ``cls`` savable under ``name`` (its class name).

    Loading resolves class names only through this registry, so only
    registered classes can ever be built from a file.  ``local_params``
    names the parameters that stay out of files (see :class:`Persister`).
    """
    name = cls.__name__ if name is None else name
    _REGISTRY[name] = Persister(cls, get_state, set_state, tuple(local_params))
    return cls


def _persister_of(estimator):
    persister = _REGISTRY.get(type(estimator).__name__)
    if persister is None or persister.cls is not type(estimator):
        raise TypeError(
            f"cannot save {type(estimator).__name__}: model files hold fnn's "
            f"estimators only ({', '.join(sorted(_REGISTRY))}).")
    return persister


def is_fitted(estimator):
    """Whether a registered estimator is fitted: what a saved file's
    ``fitted`` field says of it."""
    return _persister_of(estimator).get_state(estimator) is not None


# ----------------------------------------------------------------------
# JSON encoding of parameter values
# ----------------------------------------------------------------------
def _encode(value, where):
    """value as JSON-able data, tagging what JSON cannot say itself."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        if math.isfinite(value):
            return value
        return {"$float": "nan" if value != value else ("inf" if value > 0 else "-inf")}
    if isinstance(value, tuple):
        return {"$tuple": [_encode(v, f"{where}[{i}]") for i, v in enumerate(value)]}
    if isinstance(value, list):
        return [_encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {"$dict": {k: _encode(v, f"{where}[{k!r}]")
                              for k, v in value.items()}}
        # Other keys (class labels of class_weight, say) as [key, value] pairs.
        return {"$items": [[_encode(k, f"{where} key"), _encode(v, f"{where}[{k!r}]")]
                           for k, v in value.items()]}
    if isinstance(value, np.random.RandomState):
        name, key, pos, has_gauss, cached = value.get_state()
        if name != "MT19937":
            raise TypeError(f"{where} is a RandomState with a {name} generator; "
                            "only MT19937 can be saved.")
        return {"$random_state": {"key": key.tolist(), "pos": int(pos),
                                  "has_gauss": int(has_gauss),
                                  "cached_gaussian": float(cached)}}
    raise TypeError(
        f"{where}={value!r} cannot be stored in a model file; model files hold "
        "None, bools, numbers, strings, lists, tuples and dicts of those. "
        "Set it to such a value (e.g. random_state=0) before saving.")


def _check_json(value):
    """Raise ValueError unless JSON data value keeps the header's bounds:
    nesting, string length and integer size.  Walks without recursion, so
    that nothing deep can exhaust the stack."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if len(item) > _MAX_STRING:
                raise ValueError(f"a string of {len(item):,} characters (at most "
                                 f"{_MAX_STRING:,})")
        elif type(item) is int:
            if abs(item) > _MAX_INT:
                raise ValueError(f"an integer beyond 64 bits ({_short(item)})")
        elif isinstance(item, (list, dict)):
            if depth > _MAX_DEPTH:
                raise ValueError(f"JSON nested deeper than {_MAX_DEPTH} levels")
            if isinstance(item, dict):
                stack.extend((k, depth) for k in item)
                item = item.values()
            stack.extend((v, depth + 1) for v in item)


def _decode(value, where):
    if value is None or isinstance(value, (bool, str, int, float)):
        return value
    if isinstance(value, list):
        return [_decode(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if not isinstance(value, dict) or len(value) != 1:
        raise ModelFileError(f"{where}: a JSON object must be a one-key tag; got "
                             f"{_short(value)}.")
    (tag, inner), = value.items()
    if tag == "$tuple" and isinstance(inner, list):
        return tuple(_decode(v, f"{where}[{i}]") for i, v in enumerate(inner))
    if tag == "$dict" and isinstance(inner, dict):
        return {k: _decode(v, f"{where}[{k!r}]") for k, v in inner.items()}
    if tag == "$items" and isinstance(inner, list) and all(
            isinstance(pair, list) and len(pair) == 2 for pair in inner):
        items = [(_decode(k, f"{where} key"), _decode(v, f"{where} value"))
                 for k, v in inner]
        try:  # a tuple key may hold a list: unhashable
            if all(isinstance(k, (str, int, float, bool, tuple)) for k, _ in items):
                return dict(items)
        except TypeError:
            pass
        raise ModelFileError(f"{where}: dict keys must be scalars or tuples of them.")
    if tag == "$float" and inner in ("inf", "-inf", "nan"):
        return float(inner)
    if tag == "$random_state" and isinstance(inner, dict):
        return _decode_random_state(inner, where)
    raise ModelFileError(f"{where}: unknown or malformed tag {_short(value)}.")


def _decode_random_state(fields, where):
    key = fields.get("key")
    try:
        ok = (set(fields) == {"key", "pos", "has_gauss", "cached_gaussian"}
              and isinstance(key, list) and len(key) == 624
              and all(type(k) is int and 0 <= k < 2 ** 32 for k in key)
              and type(fields["pos"]) is int and 0 <= fields["pos"] <= 624
              and fields["has_gauss"] in (0, 1)
              and isinstance(fields["cached_gaussian"], (int, float)))
    except TypeError:
        ok = False
    if not ok:
        raise ModelFileError(f"{where}: malformed RandomState state.")
    rng = np.random.RandomState()
    rng.set_state(("MT19937", np.array(key, dtype=np.uint32), fields["pos"],
                   fields["has_gauss"], float(fields["cached_gaussian"])))
    return rng


def _short(value, limit=80):
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


# ----------------------------------------------------------------------
# Saving
# ----------------------------------------------------------------------
def save(estimator, path):
    """Write ``estimator`` to ``path`` in fnn's model format, atomically.

    Parameters
    ----------
    estimator : fnn estimator
        Fitted or not; a registered fnn class (not a subclass).
    path : str or path-like
        The file to write (any name; ``.fnn`` by convention).  It is replaced
        only once the new file is complete on disk, and only if it is an fnn
        model file or empty; a symbolic link is followed.

    Raises
    ------
    TypeError
        If the estimator's class is not registered, or a parameter holds a
        value the format cannot store (e.g. a callable).
    ValueError
        If the estimator holds what load() would refuse (an invalid
        parameter, labels longer than 256 characters, ...), or path cannot
        take a model: its folder is missing or accepts no new file, it is not
        a regular file, or it is a file other than an fnn model.
    """
    from . import __version__

    persister = _persister_of(estimator)
    name = type(estimator).__name__
    validate = getattr(estimator, "_validate_params", None)
    if validate is not None:
        # A file that load() would refuse is not written.
        try:
            validate()
        except (ValueError, TypeError) as exc:
            raise type(exc)(f"cannot save {name}: {exc}") from None
    params = {k: v for k, v in estimator.get_params(deep=False).items()
              if k not in persister.local_params}
    params = _encode(params, f"{name} parameter")["$dict"]
    saved = persister.get_state(estimator)
    arrays = {}
    header = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION,
              "fnn_version": __version__, "estimator": name, "params": params,
              "fitted": saved is not None, "dtype": None, "state": {}}
    if saved is not None:
        dtype, state, arrays = saved
        header["dtype"] = np.dtype(dtype).name
        header["state"] = _encode(state, f"{name} state")["$dict"]
        arrays = {key: _storable(key, arr) for key, arr in arrays.items()}
    header["arrays"] = {key: {"dtype": arr.dtype.str, "shape": list(arr.shape)}
                        for key, arr in arrays.items()}
    text = json.dumps(header, allow_nan=False, separators=(",", ":")).encode("utf-8")
    try:
        _check_json(header)
        if len(text) > _MAX_HEADER:
            raise ValueError(f"its description takes {len(text):,} bytes; model files "
                             f"hold at most {_MAX_HEADER:,}")
        for key, arr in arrays.items():
            _check_member(key, arr.dtype, arr.shape, False)
    except ValueError as exc:
        raise ValueError(f"cannot save {name}: {exc}.") from None
    members = {_HEADER: np.frombuffer(text, dtype=np.uint8), **arrays}
    _write_atomically(path, lambda f: np.savez(f, allow_pickle=False, **members),
                      replaceable=_check_replaceable)


def _storable(key, arr):
    arr = np.ascontiguousarray(arr)
    if arr.dtype.kind not in _ARRAY_KINDS:
        raise TypeError(f"array {key!r} has dtype {arr.dtype}, which model files "
                        "cannot store without pickle.")
    return arr


def _check_member(key, dtype, shape, fortran):
    """Raise ValueError for an array member fnn would not write."""
    if dtype.kind not in _ARRAY_KINDS or dtype.hasobject:
        raise ValueError(f"array {key!r} has dtype {dtype}; model files hold only "
                         "numeric, bool and unicode arrays")
    if fortran and len(shape) > 1:
        raise ValueError(f"array {key!r} is stored in Fortran order; fnn writes C "
                         "order")
    if dtype.kind == "U" and dtype.itemsize > 4 * _MAX_LABEL:
        raise ValueError(f"array {key!r} holds strings of up to "
                         f"{dtype.itemsize // 4:,} characters; labels and feature "
                         f"names in model files have at most {_MAX_LABEL}")


def _umask():
    """The process's umask, read without changing it where Linux allows
    (os.umask sets it, which another thread could observe)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _host():
    """This machine's name, reduced to characters safe in a file name."""
    return re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname()) or "host"


def _temporary_prefix(path):
    """Start of the names of path's temporary files written on this host;
    the writer's pid and a random part follow."""
    return f".{os.path.basename(path)}.{_host()}."


def _create_temporary(target):
    """A new temporary file next to target: (fd, its path)."""
    return tempfile.mkstemp(dir=os.path.dirname(target), suffix=".tmp",
                            prefix=f"{_temporary_prefix(target)}{os.getpid()}.")


def _remove_orphaned_temporaries(path):
    """Delete temporary files of ``path`` whose writer died mid-write.

    A process killed between creating its temporary file and renaming it
    (SIGKILL, power loss) leaves the file behind, the size of a model; a
    training run that checkpoints and is killed again and again would fill
    the folder.  The temporary's name holds its writer's host and pid, so
    the files of a writer on this host that no longer runs can go; files of
    live processes (another fit saving to the same path) and of other hosts
    (a shared folder) are left alone.
    """
    if os.name != "posix":  # os.kill(pid, 0) probes only on POSIX
        return
    folder = os.path.dirname(os.path.abspath(path))
    pattern = re.compile(re.escape(_temporary_prefix(path)) + r"(\d+)\.[^.]+\.tmp")
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        match = pattern.fullmatch(name)
        if match is None or _process_exists(int(match.group(1))):
            continue
        try:
            os.unlink(os.path.join(folder, name))
        except OSError:
            pass


def _process_exists(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):  # another user's process; not a pid
        return True  # either way, not ours to delete
    return True


_FILE_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISCHR, "a character device"),
               (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a FIFO"),
               (stat.S_ISSOCK, "a socket"))


def _output_target(path):
    """The file a write to path replaces (symbolic links followed), or a
    ValueError naming path when it is not a regular file or has no folder."""
    path = os.fspath(path)
    if not path:
        raise ValueError("the output path is empty.")
    target = os.path.realpath(path)
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise ValueError(f"cannot write {path}: {exc.strerror}.") from None
    if mode is not None and not stat.S_ISREG(mode):
        kind = next((kind for test, kind in _FILE_KINDS if test(mode)), "special")
        raise ValueError(f"cannot write {path}: it is {kind}, not a regular file.")
    if not os.path.isdir(os.path.dirname(target)):
        raise ValueError(f"cannot write {path}: no folder "
                         f"{os.path.dirname(os.path.abspath(path))}.")
    return target


def _no_new_file(path, target, exc):
    return ValueError(f"cannot write {path}: its folder {os.path.dirname(target)} "
                      f"accepts no new file ({exc.strerror or exc}).")


def check_output_path(path):
    """Raise ValueError, naming ``path``, unless a file can be written there.

    The folder must exist and accept a new file (tried by creating and
    deleting a temporary one), and ``path``, if it exists, must be a regular
    file, not a folder, device, FIFO or socket.  Returns the file a write
    will replace (symbolic links followed).
    """
    target = _output_target(path)
    try:
        fd, tmp = _create_temporary(target)
    except OSError as exc:
        raise _no_new_file(path, target, exc) from None
    os.close(fd)
    os.unlink(tmp)
    return target


def check_writable_model_path(path):
    """Raise ValueError, naming ``path``, unless a model can be saved there.

    As :func:`check_output_path`, and an existing file at ``path`` must be
    an fnn model file (of any version) or empty: saving never replaces
    anything else.  Estimators with a checkpoint path call it before
    training, so that a bad path fails at once and not at the first
    checkpoint.
    """
    _check_replaceable(check_output_path(path), path)


def _check_replaceable(target, path):
    """Raise ValueError unless the file at target (if any) may be replaced by
    a model: it is an fnn model file or empty."""
    try:
        with open(target, "rb") as f:
            if os.fstat(f.fileno()).st_size == 0:
                return
            try:
                with _open_archive(f) as archive:
                    _read_header_json(archive)
                return
            except (ValueError, *_DAMAGE):
                pass
    except FileNotFoundError:
        return
    except OSError:
        pass
    raise ValueError(f"cannot write {path}: it exists and is not an fnn model file; a "
                     "model replaces only a model (delete the file or choose another "
                     "path).")


def write_atomically(path, write):
    """Create or replace the file at ``path`` with what ``write(f)`` writes
    to a binary file object, atomically (see :func:`_write_atomically`)."""
    _write_atomically(path, write)


def _write_atomically(path, write, replaceable=None):
    """Write path's new contents with write(f) into a temporary file in the
    same folder, flush and fsync it, and rename it over path.

    Symbolic links are followed (the file they point to is replaced).
    ``replaceable(target, path)``, when given, may refuse to replace the
    existing file.  Errors name path, never the temporary file.
    """
    target = _output_target(path)
    if replaceable is not None:
        replaceable(target, path)
    # Before creating ours, so that a writer killed mid-write leaves at most
    # its own temporary behind, whatever happened to the writers before it.
    _remove_orphaned_temporaries(target)
    try:
        fd, tmp = _create_temporary(target)
    except OSError as exc:
        raise _no_new_file(path, target, exc) from None
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        # mkstemp creates the file 0600; give it the mode a plain open() would.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(os.path.dirname(target), os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


# ----------------------------------------------------------------------
# Loading
# ----------------------------------------------------------------------
def load(path):
    """Load an estimator saved with ``save`` (or ``model.save``).

    Nothing in the file is executed: arrays are read without pickle and the
    estimator class is looked up in fnn's registry by name.  Memory follows
    the file's size (members are uncompressed), never what it claims.
    Parameters that act on the machine (``checkpoint_path``, ``n_jobs``,
    ``cache_size``, ...) are never read from a file: they take their
    defaults, set them after loading.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    estimator
        A new estimator equal to the saved one: same parameters, and when it
        was fitted the same weights, classes, optimiser state and training
        history, so predictions are identical and training continues as the
        original would.

    Raises
    ------
    FileNotFoundError, PermissionError, IsADirectoryError
        If the file cannot be opened.
    ValueError
        If the file is not a valid fnn model file: truncated, corrupted, of a
        foreign format, compressed, beyond the format's bounds, tampered
        with, of an unknown estimator class, or written by a newer fnn
        (format version too new).  The message starts with the path.
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        try:
            return _load(f)
        except ModelFileError as exc:
            raise ModelFileError(f"{path}: {exc}") from None
        except MemoryError:  # a valid model larger than the memory left
            raise
        except Exception as exc:
            # The checks should leave nothing else; if one missed a case, the
            # promise of a ValueError naming the file still holds.
            raise ModelFileError(f"{path}: not a valid fnn model file "
                                 f"({type(exc).__name__}: {_reason(exc)}).") from None


def _load(f):
    with _open_archive(f) as archive:
        header = _check_header(_read_header_json(archive))
        arrays = _read_arrays(archive, header["arrays"])
    version = header["format_version"]
    while version < FORMAT_VERSION:
        header, arrays = _UPGRADES[version](header, arrays)
        version += 1
    return _build(header, arrays)


def _open_archive(f):
    """The zip archive in the open file f, its directory checked before any
    member is read: stored (uncompressed) .npy members only, few of them."""
    if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
        raise ModelFileError("not an fnn model file (not a regular file).")
    magic = f.read(6)
    f.seek(0)
    if not magic:
        raise ModelFileError("not an fnn model file (the file is empty).")
    if magic.startswith(b"\x93NUMPY"):
        raise ModelFileError("not an fnn model file (a single .npy array, not an "
                             ".npz archive).")
    if not magic.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        # np.load would try pickle here; say plainly that it never happens.
        raise ModelFileError("not an fnn model file (not an .npz archive; model "
                             "files are never unpickled).")
    try:
        # fnn writes stored members: in the file, a member takes the bytes it
        # takes in memory.  A compressed one could claim anything.
        archive = _open_zip(f, (zipfile.ZIP_STORED,))
    except ValueError as exc:
        raise ModelFileError(f"not an fnn model file ({exc}).") from None
    names = archive.namelist()
    bad = next((name for name in names if not name.endswith(".npy")), None)
    if len(names) > _MAX_MEMBERS or bad is not None:
        archive.close()
        raise ModelFileError(
            "not an fnn model file (" + (f"{len(names)} members" if bad is None else
                                         f"member {_short(bad)} is not an array") + ").")
    return archive


def _read_member(archive, key, accept):
    """Array member key, its .npy header passed to accept before its data are
    read (see fnn.data._read_npy_member)."""
    try:
        return _read_npy_member(archive, archive.getinfo(key + ".npy"), accept)
    except ValueError as exc:
        raise ModelFileError(f"member {key!r}: {exc}.") from None


def _read_header_json(archive):
    """The JSON header as decoded data, bounded and of format fnn-model."""
    if _HEADER + ".npy" not in archive.NameToInfo:
        raise ModelFileError("not an fnn model file (an .npz archive without a "
                             "'header' member).")

    def accept(dtype, shape, fortran):
        if dtype != np.uint8 or len(shape) != 1:
            raise ValueError(f"the header must be a 1-D uint8 array; got {dtype} of "
                             f"shape {shape}")
        if shape[0] > _MAX_HEADER:
            raise ValueError(f"the header has {shape[0]:,} bytes; model files have at "
                             f"most {_MAX_HEADER:,}")

    raw = _read_member(archive, _HEADER, accept)

    def refuse_constant(name):
        raise ValueError(f"bare {name} is not JSON")

    try:
        header = json.loads(str(memoryview(raw), "utf-8"), parse_constant=refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise ModelFileError(f"the header is not valid JSON ({_reason(exc)}).") from None
    try:
        _check_json(header)
    except ValueError as exc:
        raise ModelFileError(f"the header holds {exc}.") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT_NAME:
        raise ModelFileError("not an fnn model file (the header does not say "
                             f"format {FORMAT_NAME!r}).")
    return header


def _check_header(header):
    version = header.get("format_version")
    if type(version) is not int or version < 1:
        raise ModelFileError(f"bad format_version {_short(version)}.")
    if version > FORMAT_VERSION:
        from . import __version__
        raise ModelFileError(
            f"the file has model format version {version}, written by a newer fnn "
            f"({_short(header.get('fnn_version'))}); fnn {__version__} reads format "
            f"versions up to {FORMAT_VERSION}. Upgrade fnn to load it.")
    expected = {"format", "format_version", "fnn_version", "estimator", "params",
                "fitted", "dtype", "state", "arrays"}
    if set(header) != expected:
        raise ModelFileError(f"the header has fields {sorted(header)}; expected "
                             f"{sorted(expected)}.")
    checks = (("estimator", str), ("params", dict), ("fitted", bool), ("state", dict),
              ("arrays", dict))
    for field, kind in checks:
        if not isinstance(header[field], kind):
            raise ModelFileError(f"header field {field!r} must be a "
                                 f"{kind.__name__}; got {_short(header[field])}.")
    if header["dtype"] not in ((None,) if not header["fitted"]
                               else ("float32", "float64")):
        raise ModelFileError(f"header field 'dtype' is {_short(header['dtype'])}; "
                             "a fitted model needs 'float32' or 'float64', an "
                             "unfitted one null.")
    return header


def _read_arrays(archive, manifest):
    members = {name[:-len(".npy")] for name in archive.namelist()} - {_HEADER}
    if members != set(manifest):
        raise ModelFileError(
            f"the archive holds arrays {sorted(members)} but its header lists "
            f"{sorted(manifest)}.")
    arrays = {}
    for key, spec in manifest.items():
        try:
            dtype = np.dtype(spec["dtype"])
            shape = tuple(spec["shape"])
            valid = (set(spec) == {"dtype", "shape"} and dtype.kind in _ARRAY_KINDS
                     and all(type(n) is int and n >= 0 for n in shape))
        except (TypeError, KeyError, ValueError):
            valid = False
        if not valid:
            raise ModelFileError(f"header entry for array {key!r} is malformed: "
                                 f"{_short(spec)}.")

        def accept(stored_dtype, stored_shape, fortran, key=key, dtype=dtype,
                   shape=shape):
            if (stored_dtype, stored_shape) != (dtype, shape):
                raise ValueError(f"it is {stored_dtype} of shape {stored_shape} but "
                                 f"the header says {dtype} of shape {shape}")
            _check_member(key, dtype, shape, fortran)

        arrays[key] = _read_member(archive, key, accept)
    return arrays


def _build(header, arrays):
    name = header["estimator"]
    persister = _REGISTRY.get(name)
    if persister is None:
        raise ModelFileError(f"unknown estimator class {_short(name)}; this fnn "
                             f"loads {', '.join(sorted(_REGISTRY))}.")
    # Parameters acting on the machine are the caller's, never the file's.
    params = {k: v for k, v in header["params"].items()
              if k not in persister.local_params}
    params = _decode({"$dict": params}, "params")
    try:
        estimator = persister.cls(**params)
    except TypeError as exc:
        raise ModelFileError(f"parameters do not fit {name}: {exc}") from None
    validate = getattr(estimator, "_validate_params", None)
    if validate is not None:
        try:
            validate()
        except (ValueError, TypeError, NotImplementedError) as exc:
            raise ModelFileError(f"invalid {name} parameters: {exc}") from None
    if header["fitted"]:
        state = _decode({"$dict": header["state"]}, "state")
        try:
            persister.set_state(estimator, np.dtype(header["dtype"]), state, arrays)
        except ModelFileError:
            raise
        except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
            raise ModelFileError(f"inconsistent {name} state: {exc}") from None
    elif arrays or header["state"]:
        raise ModelFileError("an unfitted model must hold no state or arrays.")
    return estimator


# ----------------------------------------------------------------------
# Checks shared by the estimators' set_state functions
# ----------------------------------------------------------------------
def check_fields(state, required, optional=(), where="state"):
    """Raise ValueError unless dict state has all required keys and no key
    outside required + optional."""
    if not isinstance(state, dict):
        raise ValueError(f"{where} must be a dict; got {_short(state)}.")
    missing = [k for k in required if k not in state]
    unknown = [k for k in state if k not in required and k not in optional]
    if missing or unknown:
        raise ValueError(f"{where}: missing {missing}, unknown {unknown}.")


def check_value(name, value, kind, low=None, optional=False):
    """Check one decoded value: kind is 'int', 'number', 'bool', 'str' or
    'numbers' (a list of numbers); returns the value."""
    if optional and value is None:
        return value
    if kind == "numbers":
        if not isinstance(value, list):
            raise ValueError(f"{name} must be a list of numbers; got {_short(value)}.")
        for item in value:
            check_value(name, item, "number")
        return value
    ok = {"int": lambda v: type(v) is int,
          "number": lambda v: type(v) in (int, float),
          "bool": lambda v: type(v) is bool,
          "str": lambda v: type(v) is str}[kind](value)
    if not ok or (low is not None and not value >= low):
        bound = "" if low is None else f" >= {low}"
        what = {"int": "an int", "number": "a number", "bool": "a bool",
                "str": "a string"}[kind]
        raise ValueError(f"{name} must be {'None or ' if optional else ''}{what}"
                         f"{bound}; got {_short(value)}.")
    return value


def check_array(name, arr, dtype, shape):
    """arr must have exactly dtype and shape (None in shape: any length)."""
    if arr.dtype != dtype or arr.ndim != len(shape) or any(
            want is not None and have != want for have, want in zip(arr.shape, shape)):
        raise ValueError(f"array {name!r} is {arr.dtype} of shape {arr.shape}; "
                         f"expected {np.dtype(dtype)} of shape {shape}.")
    return arr


def check_finite(name, arr):
    if not np.isfinite(arr).all():
        raise ValueError(f"array {name!r} holds non-finite values.")
    return arr


def encode_labels(classes):
    """Class labels as a typed array plus whether they were an object array.

    Object arrays (e.g. from a pandas column of strings) are stored as
    unicode, int64 or float64 when all labels share that type, and turned
    back into object arrays on load.
    """
    classes = np.asarray(classes)
    if classes.dtype.kind in _ARRAY_KINDS:
        return classes, False
    if classes.dtype.kind == "O":
        for kind, dtype in ((str, np.str_), (numbers.Integral, np.int64),
                            (numbers.Real, np.float64)):
            if all(isinstance(c, kind) and not isinstance(c, (bool, np.bool_))
                   for c in classes):
                return classes.astype(dtype), True
    raise TypeError(f"class labels {classes[:5]!r} of dtype {classes.dtype} cannot "
                    "be stored; use strings or numbers.")


def decode_labels(classes, was_object):
    return classes.astype(object) if was_object else classes


# ----------------------------------------------------------------------
# MLPClassifier and MLPRegressor
# ----------------------------------------------------------------------
_MLP_ATTRIBUTES = {
    # name: (kind, lower bound, may be None)
    "n_features_in_": ("int", 1, False),
    "n_outputs_": ("int", 1, False),
    "n_iter_": ("int", 0, False),
    "t_": ("int", 0, False),
    "_no_improvement_count": ("int", 0, False),
    "loss_": ("number", None, False),
    "loss_curve_": ("numbers", None, False),
    "best_loss_": ("number", None, True),
    "validation_scores_": ("numbers", None, True),
    "validation_loss_curve_": ("numbers", None, True),
    "best_validation_score_": ("number", None, True),
    "_y_was_1d": ("bool", None, False),
}

_OPTIMIZER_SOLVERS = {"SGDOptimizer": "sgd", "AdamOptimizer": "adam"}


def _mlp_get_state(est):
    if "_params" not in est.__dict__:
        return None
    params = est._params
    attributes = {name: getattr(est, name) for name in _MLP_ATTRIBUTES
                  if name in est.__dict__}
    state = {"layer_units": list(est._layout.layer_units), "attributes": attributes}
    arrays = {"params": params, "best_params": est._best_params}
    if est._is_classifier:
        classes, was_object = encode_labels(est._label_binarizer.classes_)
        arrays["classes"] = classes
        state["labels"] = {"y_type": est._label_binarizer.y_type_,
                           "object": was_object}
    names = est.__dict__.get("feature_names_in_")
    if names is not None:
        # An object array of str in memory (scikit-learn's type), unicode on disk.
        arrays["feature_names_in"] = np.asarray(names, dtype=np.str_)
    optimizer = est.__dict__.get("_optimizer")
    if optimizer is not None:
        fields = {k: v for k, v in vars(optimizer).items() if k != "state"}
        state["optimizer"] = {"class": type(optimizer).__name__, "fields": fields}
        arrays["optimizer_state_0"], arrays["optimizer_state_1"] = optimizer.state
    return params.dtype, state, arrays


def _mlp_set_state(est, dtype, state, arrays):
    from ._labels import LabelBinarizer
    from ._layout import Layout

    classifier = est._is_classifier
    check_fields(state, ["layer_units", "attributes"],
                 ["optimizer"] + (["labels"] if classifier else []))
    units = state["layer_units"]
    if not isinstance(units, list) or len(units) < 2:
        raise ValueError(f"layer_units must list at least 2 layers; got {_short(units)}.")
    for u in units:
        check_value("layer_units", u, "int", low=1)
    attributes = state["attributes"]
    names = [n for n in _MLP_ATTRIBUTES if not classifier or n != "_y_was_1d"]
    check_fields(attributes, ["n_features_in_", "n_outputs_"],
                 names, where="attributes")
    for name, value in attributes.items():
        kind, low, optional = _MLP_ATTRIBUTES[name]
        check_value(name, value, kind, low, optional)
    if classifier and "_y_was_1d" in attributes:
        raise ValueError("attributes: '_y_was_1d' belongs to regressors.")
    if units[0] != attributes["n_features_in_"] or units[-1] != attributes["n_outputs_"]:
        raise ValueError(f"layer_units {units} disagree with n_features_in_="
                         f"{attributes['n_features_in_']} and n_outputs_="
                         f"{attributes['n_outputs_']}.")
    layout = Layout(units)
    expected = {"params", "best_params"}
    if classifier:
        expected.add("classes")
    if "optimizer" in state:
        expected |= {"optimizer_state_0", "optimizer_state_1"}
    if set(arrays) - {"feature_names_in"} != expected:
        raise ValueError(f"arrays {sorted(arrays)}; expected {sorted(expected)} "
                         "(and feature_names_in, optionally).")
    params = check_finite("params", check_array("params", arrays["params"], dtype,
                                                (layout.n_params,)))
    best = check_finite("best_params", check_array(
        "best_params", arrays["best_params"], dtype, (layout.n_params,)))

    if classifier:
        labels = state.get("labels")
        check_fields(labels, ["y_type", "object"], where="labels")
        binarizer = LabelBinarizer()
        binarizer.y_type_ = labels["y_type"]
        # A network trained on one class is binary with that class alone.
        binarizer.classes_ = _check_classes(arrays["classes"], labels["y_type"],
                                            check_value("object", labels["object"],
                                                        "bool"), one_class=True)
        if binarizer.n_outputs != units[-1]:
            raise ValueError(f"{len(binarizer.classes_)} {labels['y_type']} classes "
                             f"need {binarizer.n_outputs} outputs; the network has "
                             f"{units[-1]}.")
        est._label_binarizer = binarizer
        est.classes_ = binarizer.classes_
    if "feature_names_in" in arrays:
        names = arrays["feature_names_in"]
        if names.dtype.kind != "U":
            raise ValueError(f"array 'feature_names_in' is {names.dtype}; feature "
                             "names are unicode strings.")
        est.feature_names_in_ = check_array(
            "feature_names_in", names, names.dtype, (units[0],)).astype(object)
    est._layout = layout
    est._params = params
    est._best_params = best
    for name, value in attributes.items():
        setattr(est, name, value)
    if "optimizer" in state:
        est._optimizer = _restore_optimizer(est, state["optimizer"], layout.n_params,
                                            dtype, arrays)


def _check_classes(classes, y_type, was_object, one_class=False):
    """classes_ as the estimator had them, after checking them against
    y_type; `one_class`: a binary target may hold a single class (an
    MLPClassifier fitted on one class, as scikit-learn's)."""
    if classes.ndim != 1:
        raise ValueError(f"classes must be 1-D; got shape {classes.shape}.")
    if y_type == "multilabel-indicator":
        if not np.array_equal(classes, np.arange(len(classes))) or was_object:
            raise ValueError("multilabel classes must be 0, 1, ..., n_labels - 1.")
    elif y_type in ("binary", "multiclass"):
        if y_type == "binary" and len(classes) not in ((1, 2) if one_class else (2,)):
            raise ValueError(f"binary targets cannot have {len(classes)} classes.")
        if y_type == "multiclass" and len(classes) < 3:
            raise ValueError(f"multiclass targets need 3 classes or more; got "
                             f"{len(classes)}.")
        if classes.dtype.kind == "f" and not np.isfinite(classes).all():
            raise ValueError("classes must be finite.")
        # Labels are mapped by binary search: they must be sorted and unique.
        if not (classes[1:] > classes[:-1]).all():
            raise ValueError("classes must be sorted and unique.")
    else:
        raise ValueError(f"unknown target type {_short(y_type)}.")
    return decode_labels(classes, was_object)


def _restore_optimizer(est, saved, n_params, dtype, arrays):
    """Rebuild the optimiser from est's parameters, then put back its saved
    fields and state; the state must be what its update rule reads."""
    from ._optimizers import _ADAM, _MOMENTUM, _NESTEROV, _SGD, make_optimizer

    check_fields(saved, ["class", "fields"], where="optimizer")
    solver = _OPTIMIZER_SOLVERS.get(saved["class"])
    if solver is None:
        raise ValueError(f"unknown optimizer class {_short(saved['class'])}.")
    # The solver of the file, even if `solver` was changed after fitting:
    # partial_fit keeps using the optimiser the model trained with.
    config = types.SimpleNamespace(**{**est.get_params(), "solver": solver})
    optimizer = make_optimizer(config, n_params, dtype)
    fields = saved["fields"]
    if not isinstance(fields, dict):
        raise ValueError("optimizer fields must be a dict.")
    current = vars(optimizer)
    for name, value in fields.items():
        if name not in current or name == "state":
            raise ValueError(f"unknown optimizer field {_short(name)}.")
        if name in ("kind", "n_updates"):
            check_value(f"optimizer field {name}", value, "int", low=0)
        elif isinstance(current[name], str):
            check_value(f"optimizer field {name}", value, "str")
        else:
            check_value(f"optimizer field {name}", value, "number")
            if not math.isfinite(value):
                raise ValueError(f"optimizer field {name} must be finite.")
        setattr(optimizer, name, value)
    rules = {"SGDOptimizer": (_SGD, _MOMENTUM, _NESTEROV), "AdamOptimizer": (_ADAM,)}
    kind = optimizer.kind
    if kind not in rules[saved["class"]]:
        raise ValueError(f"{saved['class']} cannot use update rule {kind}.")
    # The compiled step trusts its buffers: give it exactly what its rule reads.
    sizes = {_SGD: (0, 0), _MOMENTUM: (n_params, 0), _NESTEROV: (n_params, 0),
             _ADAM: (n_params, n_params)}[kind]
    optimizer.state = tuple(
        check_finite(f"optimizer_state_{i}", check_array(
            f"optimizer_state_{i}", arrays[f"optimizer_state_{i}"], dtype, (size,)))
        for i, size in enumerate(sizes))
    return optimizer


def _check_attributes(state, table):
    """Check state["attributes"] against {name: (kind, low, optional)}; all
    names are required."""
    attributes = state["attributes"]
    check_fields(attributes, list(table), where="attributes")
    for name, (kind, low, optional) in table.items():
        check_value(name, attributes[name], kind, low, optional)
    return attributes


def _get_labels(est, state, arrays):
    arrays["classes"], state["labels_object"] = encode_labels(est.classes_)


def _set_labels(state, arrays):
    """classes_ of a one-vs-rest or one-vs-one classifier."""
    return _check_classes(arrays["classes"], "multiclass" if len(arrays["classes"]) > 2
                          else "binary",
                          check_value("labels_object", state["labels_object"], "bool"))


# Perceptron ------------------------------------------------------------
_PERCEPTRON_ATTRIBUTES = {
    "n_features_in_": ("int", 1, False),
    "n_iter_": ("int", 0, False),
    "t_": ("int", 0, False),
    "mistakes_curve_": ("numbers", None, False),
}


def _perceptron_get_state(est):
    if "coef_" not in est.__dict__:
        return None
    state = {"attributes": {k: getattr(est, k) for k in _PERCEPTRON_ATTRIBUTES}}
    arrays = {"coef": est.coef_, "intercept": est.intercept_}
    _get_labels(est, state, arrays)
    return est.coef_.dtype, state, arrays


def _perceptron_set_state(est, dtype, state, arrays):
    from ._labels import LabelBinarizer

    check_fields(state, ["attributes", "labels_object"])
    attributes = _check_attributes(state, _PERCEPTRON_ATTRIBUTES)
    if any(type(m) is not int or m < 0 for m in attributes["mistakes_curve_"]):
        raise ValueError("mistakes_curve_ must hold counts.")
    if set(arrays) != {"coef", "intercept", "classes"}:
        raise ValueError(f"arrays {sorted(arrays)}; expected coef, intercept, classes.")
    classes = _set_labels(state, arrays)
    n_units = 1 if len(classes) == 2 else len(classes)
    coef = check_finite("coef", check_array(
        "coef", arrays["coef"], dtype, (n_units, attributes["n_features_in_"])))
    intercept = check_finite("intercept", check_array(
        "intercept", arrays["intercept"], dtype, (n_units,)))
    binarizer = LabelBinarizer()
    # As Perceptron._set_classes: one-vs-rest indexing even for two classes.
    binarizer.classes_, binarizer.y_type_ = classes, "multiclass"
    est._label_binarizer = binarizer
    est.classes_ = classes
    est.coef_, est.intercept_ = coef, intercept
    for name, value in attributes.items():
        setattr(est, name, value)


# SVC -------------------------------------------------------------------
_SVC_ATTRIBUTES = {
    "n_features_in_": ("int", 1, False),
    "fit_status_": ("int", 0, False),
    "_gamma": ("number", 0, False),
}


def _svc_get_state(est):
    if "support_" not in est.__dict__:
        return None
    state = {"attributes": {k: getattr(est, k) for k in _SVC_ATTRIBUTES},
             "shape_fit": list(est.shape_fit_)}
    # The public dual_coef_ and intercept_ are the private ones with the
    # binary case's sign flip; they are rebuilt on load.
    arrays = {"support": est.support_, "n_support": est.n_support_,
              "support_vectors": est.support_vectors_, "dual_coef": est._dual_coef_,
              "intercept": est._intercept_, "n_iter": est.n_iter_,
              "dual_objective": est._dual_objective,
              "class_weight": est.class_weight_}
    _get_labels(est, state, arrays)
    return est._fit_dtype, state, arrays


def _svc_set_state(est, dtype, state, arrays):
    check_fields(state, ["attributes", "shape_fit", "labels_object"])
    attributes = _check_attributes(state, _SVC_ATTRIBUTES)
    if not math.isfinite(attributes["_gamma"]) or attributes["fit_status_"] > 1:
        raise ValueError("_gamma must be finite and fit_status_ 0 or 1.")
    shape_fit = state["shape_fit"]
    if not isinstance(shape_fit, list) or len(shape_fit) != 2:
        raise ValueError(f"shape_fit must be [n_samples, n_columns]; got "
                         f"{_short(shape_fit)}.")
    for n in shape_fit:
        check_value("shape_fit", n, "int", low=1)
    expected = {"support", "n_support", "support_vectors", "dual_coef", "intercept",
                "n_iter", "dual_objective", "class_weight", "classes"}
    if set(arrays) != expected:
        raise ValueError(f"arrays {sorted(arrays)}; expected {sorted(expected)}.")
    classes = _set_labels(state, arrays)
    n_classes, n_features = len(classes), attributes["n_features_in_"]
    n_pairs = n_classes * (n_classes - 1) // 2
    precomputed = est.kernel == "precomputed"
    if precomputed and shape_fit != [shape_fit[0], shape_fit[0]]:
        raise ValueError("a precomputed kernel is fitted on a square Gram matrix.")
    if shape_fit[1] != n_features:
        raise ValueError(f"shape_fit {shape_fit} disagrees with n_features_in_="
                         f"{n_features}.")
    n_support = check_array("n_support", arrays["n_support"], np.int32, (n_classes,))
    if (n_support < 0).any():
        raise ValueError("n_support must be >= 0.")
    n_sv = int(n_support.sum())
    support = check_array("support", arrays["support"], np.int32, (n_sv,))
    if n_sv and (support.min() < 0 or support.max() >= shape_fit[0]):
        raise ValueError("support indices lie outside the training set.")
    # The decision kernel trusts these shapes.
    vectors = check_finite("support_vectors", check_array(
        "support_vectors", arrays["support_vectors"], dtype,
        (0, 0) if precomputed else (n_sv, n_features)))
    dual = check_finite("dual_coef", check_array(
        "dual_coef", arrays["dual_coef"], np.float64, (n_classes - 1, n_sv)))
    intercept = check_finite("intercept", check_array(
        "intercept", arrays["intercept"], np.float64, (n_pairs,)))
    est.classes_ = classes
    est.support_, est.n_support_, est.support_vectors_ = support, n_support, vectors
    est._dual_coef_, est._intercept_ = dual, intercept
    if n_classes == 2:  # as SVC._store_solution shows the binary case
        est.dual_coef_, est.intercept_ = -dual, -intercept
    else:
        est.dual_coef_, est.intercept_ = dual, intercept.copy()
    est.n_iter_ = check_array("n_iter", arrays["n_iter"], np.int32, (n_pairs,))
    est._dual_objective = check_array("dual_objective", arrays["dual_objective"],
                                      np.float64, (n_pairs,))
    est.class_weight_ = check_finite("class_weight", check_array(
        "class_weight", arrays["class_weight"], np.float64, (n_classes,)))
    est.shape_fit_ = tuple(shape_fit)
    est._fit_dtype = dtype
    for name, value in attributes.items():
        setattr(est, name, value)


def _register_estimators():
    from ._multilayer_perceptron import MLPClassifier, MLPRegressor
    from ._perceptron import Perceptron
    from ._svc import SVC

    # Where checkpoints go and how many threads train: the loading caller's
    # choice; the same for the SVM kernel cache's memory.
    for cls in (MLPClassifier, MLPRegressor):
        register(cls, _mlp_get_state, _mlp_set_state,
                 local_params=("checkpoint_path", "checkpoint_every", "n_jobs"))
    register(Perceptron, _perceptron_get_state, _perceptron_set_state)
    register(SVC, _svc_get_state, _svc_set_state, local_params=("cache_size",))


_register_estimators()
