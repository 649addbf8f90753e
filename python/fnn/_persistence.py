"""fnn's model file format: save an estimator, load it back without
executing anything.

Layer: the file format library.  It knows the archive, the JSON header and
how arrays are checked, never an estimator: each estimator module writes
and reads its own state (``_get_state`` / ``_set_state``) and joins the
registry with :func:`register` when it is imported.  Writing goes through
fnn._atomic_write.

``model.save(path)`` writes, and :func:`fnn.load` reads, a NumPy ``.npz``
archive (a zip of ``.npy`` members, uncompressed, as ``np.savez`` writes)
with ``allow_pickle=False``.  Loading parses the zip's directory, each
member's ``.npy`` header (numpy's parser, which evaluates nothing) and a JSON
header, and looks estimator classes up in the registry, so a hostile file
can make loading fail but cannot make it run code.

Format, version 2
-----------------
Member ``header``
    A uint8 array holding a UTF-8 JSON object:

    ``format``          the string ``"fnn-model"``
    ``format_version``  2 (an int; readers refuse versions newer than theirs)
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
    ``input``           null, or what the raw columns of the data are and
                        how they become the estimator's input (see
                        :class:`ModelInput`; written by ``fnn train``)

Other members
    One ``.npy`` member per entry of ``arrays``, C-ordered.  Dtypes are
    numeric, bool or fixed-width unicode (class labels); never object.  A
    sparse matrix is three members, ``<name>_data``, ``<name>_indices`` and
    ``<name>_indptr`` (CSR, int32 indices; :func:`store_matrix`).

Version 1 is version 2 without ``input``; it loads as ``input: null``.

JSON values: null, booleans, ints, strings, finite floats and lists stand for
themselves; every JSON object in ``params`` and ``state`` is a tag with
exactly one key: ``{"$tuple": [...]}``, ``{"$dict": {...}}`` (string keys),
``{"$items": [[key, value], ...]}`` (other keys), ``{"$float": "inf" |
"-inf" | "nan"}`` and ``{"$random_state": {...}}`` (a numpy RandomState's
MT19937 state), so tuples, dicts keyed by labels, non-finite floats and
seeded generators come back as they were.  Floats are written with Python's
shortest round-trip repr: exact.  docs/model-format.md describes each
estimator's state.

Every field is checked on load, and memory follows what the file holds, not
what it claims: members must be stored (fnn never compresses, so a member's
size in the file is its size in memory), the JSON header is at most
``_MAX_HEADER`` bytes, ``_MAX_DEPTH`` levels deep, with strings of at most
``_MAX_STRING`` characters and class labels of at most ``_MAX_LABEL``; the
archive holds exactly the manifest's members, each with the manifest's dtype
and shape (checked from the ``.npy`` header before the data are read
straight into their array); then the estimator checks its state with the
helpers at the end of this module.  Anything else is a ModelFileError (a
ValueError) that names the file and says what is wrong.  ``save`` refuses
what ``load`` would refuse.

A write never replaces what is not a model: the target must be absent, an
fnn model file or empty, and a regular file (:func:`check_writable_model_path`
checks it, and the folder, before a training run that will write there).
"""
import io
import json
import math
import numbers
import os
import stat
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import scipy.sparse as sp
from numpy.typing import DTypeLike, NDArray

from ._atomic_write import check_output_path, write_atomically
from ._version import __version__
# The bounded readers of zip members and .npy headers, shared with fnn.data.
from ._bounded_read import DAMAGE, open_zip, read_npy_member, reason

FORMAT_NAME = "fnn-model"
#: The version this fnn writes; it reads every version up to this one.
FORMAT_VERSION = 2


def _upgrade_1(header: dict[str, Any],
               arrays: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Version 1 had no input description."""
    return {**header, "format_version": 2, "input": None}, arrays


#: Upgrades of older files: version -> function(header, arrays) returning the
#: header and arrays of version + 1.
_UPGRADES: dict[int, Callable[[dict[str, Any], dict[str, Any]],
                              tuple[dict[str, Any], dict[str, Any]]]] = {1: _upgrade_1}

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
#: Members of the archive (fnn's estimators write at most 17).
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
    """How one estimator class is saved and restored: by its own methods.

    ``est._get_state()`` (called only on a fitted estimator) returns
        ``(dtype, state, arrays)``: the parameters' dtype, a dict of
        JSON-encodable values and a dict of NumPy arrays.
    ``est._set_state(dtype, state, arrays)`` restores a freshly constructed
        estimator; it must check every value it uses and raise ValueError
        (the loader adds the file name).
    local_params: constructor parameters that act on the machine running the
        model (a path it writes, threads, memory): never written, ignored
        when a (tampered or older) file holds them, so the loading caller's
        defaults apply.
    """

    cls: type
    local_params: tuple[str, ...] = ()


_REGISTRY: "dict[str, Persister]" = {}


def register(cls: type, local_params: Iterable[str] = ()) -> type:
    """Make estimator class ``cls`` savable under its class name.

    Loading resolves class names only through this registry, so only
    registered classes can ever be built from a file.  ``cls`` defines
    ``_get_state`` and ``_set_state`` (see :class:`Persister`) and the
    fitted check of fnn._base; ``local_params`` names the parameters that
    stay out of files.  Returns ``cls``.
    """
    _REGISTRY[cls.__name__] = Persister(cls, tuple(local_params))
    return cls


def _persister_of(estimator: object) -> Persister:
    persister = _REGISTRY.get(type(estimator).__name__)
    if persister is None or persister.cls is not type(estimator):
        raise TypeError(
            f"cannot save {type(estimator).__name__}: model files hold fnn's "
            f"estimators only ({', '.join(sorted(_REGISTRY))}).")
    return persister


# ----------------------------------------------------------------------
# The input description
# ----------------------------------------------------------------------
#: How raw columns become the estimator's input: (X - offset) / scale.
SCALINGS = ("standard", "minmax", "none")


@dataclass(frozen=True)
class ModelInput:
    """What the columns of the data are, and how they become the input of
    the estimator stored beside this description.

    Parameters
    ----------
    feature_names : tuple of str or None
        The data's feature columns, in the estimator's order.
    target : str or None
        The data's target column (left out of the features).
    scale : {'standard', 'minmax', 'none'}
        How the features were scaled; ``offset`` and ``factor`` hold the
        statistics (float64, one per feature; None for 'none'): the
        estimator reads ``(X - offset) / factor``.
    """

    feature_names: "tuple[str, ...] | None"
    target: "str | None"
    scale: str
    offset: "NDArray[np.float64] | None" = None
    factor: "NDArray[np.float64] | None" = None

    def transform(self, X: Any) -> NDArray[np.float64]:
        """Raw features X (dense, n_features columns) as the estimator's
        input, float64."""
        X = np.asarray(X, dtype=np.float64)
        if self.scale == "none":
            return X
        with np.errstate(over="ignore", invalid="ignore"):
            scaled = (X - self.offset) / self.factor
        if not np.isfinite(scaled).all() and np.isfinite(X).all():
            raise ValueError("scaling these features by the model's statistics "
                             "(input_offset, input_factor) overflows float64.")
        return scaled

    def _header(self) -> dict[str, Any]:
        return {"feature_names": None if self.feature_names is None
                else list(self.feature_names),
                "target": self.target, "scale": self.scale}

    def _arrays(self) -> dict[str, Any]:
        if self.scale == "none":
            return {}
        return {"input_offset": self.offset, "input_factor": self.factor}


def _check_input(fields: dict[str, Any], arrays: dict[str, Any],
                 n_features: int) -> "ModelInput":
    """The ModelInput of a header's ``input`` field and its arrays (popped
    from arrays), checked against the estimator's n_features."""
    check_fields(fields, ["feature_names", "target", "scale"], where="input")
    names, target, scale = fields["feature_names"], fields["target"], fields["scale"]
    if scale not in SCALINGS:
        raise ValueError(f"input: scale must be one of {SCALINGS}; got {short_repr(scale)}.")
    if names is not None:
        if (not isinstance(names, list) or len(names) != n_features
                or not all(isinstance(n, str) and 0 < len(n) <= _MAX_LABEL for n in names)
                or len(set(names)) != len(names)):
            raise ValueError(f"input: feature_names must list {n_features} distinct, "
                             f"non-empty strings of at most {_MAX_LABEL} characters.")
        names = tuple(names)
    if target is not None and (not isinstance(target, str) or not 0 < len(target) <= _MAX_LABEL
                               or (names is not None and target in names)):
        raise ValueError(f"input: target must be null or a non-empty string of at most "
                         f"{_MAX_LABEL} characters that is not a feature's name; got "
                         f"{short_repr(target)}.")
    offset = factor = None
    if scale != "none":
        offset, factor = (check_finite(name, check_member_array(
            name, take_member(arrays, name), np.float64, (n_features,)))
            for name in ("input_offset", "input_factor"))
        # As `fnn train` writes them: a factor is a spread above the
        # smallest normal float64 (a smaller one is stored as 1).
        if not (factor >= np.finfo(np.float64).tiny).all():
            raise ValueError("input_factor must be at least the smallest normal float64.")
    return ModelInput(names, target, scale, offset, factor)


# ----------------------------------------------------------------------
# JSON encoding of parameter values
# ----------------------------------------------------------------------
def _encode(value: Any, where: str) -> Any:
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
    if isinstance(value, np.ndarray) and value.ndim == 1 and value.dtype.kind in "biuf":
        # A parameter given as a short NumPy vector (dropout rates per layer,
        # hidden_layer_sizes): stored as the list of its numbers, which every
        # parameter that takes such a vector also takes.
        return [_encode(v, f"{where}[{i}]") for i, v in enumerate(value.tolist())]
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {"$dict": {k: _encode(v, f"{where}[{k!r}]")
                              for k, v in value.items()}}
        # Other keys (class labels of class_weight, say) as [key, value] pairs.
        return {"$items": [[_encode(k, f"{where} key"), _encode(v, f"{where}[{k!r}]")]
                           for k, v in value.items()]}
    if isinstance(value, np.random.RandomState):
        name, key, pos, has_gauss, cached = cast("tuple[Any, ...]", value.get_state())
        if name != "MT19937":
            raise TypeError(f"{where} is a RandomState with a {name} generator; "
                            "only MT19937 can be saved.")
        return {"$random_state": {"key": key.tolist(), "pos": int(pos),
                                  "has_gauss": int(has_gauss),
                                  "cached_gaussian": float(cached)}}
    raise TypeError(
        f"{where}={value!r} cannot be stored in a model file; model files hold "
        "None, bools, numbers, strings, lists, tuples and dicts of those, and "
        "1-D numeric NumPy vectors (stored as lists). "
        "Set it to such a value (e.g. random_state=0) before saving.")


def _check_json(value: Any) -> None:
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
                raise ValueError(f"an integer beyond 64 bits ({short_repr(item)})")
        elif isinstance(item, (list, dict)):
            if depth > _MAX_DEPTH:
                raise ValueError(f"JSON nested deeper than {_MAX_DEPTH} levels")
            if isinstance(item, dict):
                stack.extend((k, depth) for k in item)
                item = item.values()
            stack.extend((v, depth + 1) for v in item)


def _decode(value: Any, where: str) -> Any:
    if value is None or isinstance(value, (bool, str, int, float)):
        return value
    if isinstance(value, list):
        return [_decode(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if not isinstance(value, dict) or len(value) != 1:
        raise ModelFileError(f"{where}: a JSON object must be a one-key tag; got "
                             f"{short_repr(value)}.")
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
    raise ModelFileError(f"{where}: unknown or malformed tag {short_repr(value)}.")


def _decode_random_state(fields: Any, where: str) -> np.random.RandomState:
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


def short_repr(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."




# ----------------------------------------------------------------------
# Saving
# ----------------------------------------------------------------------
def save(estimator: Any, path: "str | os.PathLike[str]",
         input: "ModelInput | None" = None) -> None:
    """Write ``estimator`` to ``path`` in fnn's model format, atomically.

    Parameters
    ----------
    estimator : fnn estimator
        Fitted or not; a registered fnn class (not a subclass).
    path : str or path-like
        The file to write (any name; ``.fnn`` by convention).  It is replaced
        only once the new file is complete on disk, and only if it is an fnn
        model file or empty; a symbolic link is followed.
    input : ModelInput or None
        The description of the raw input to store beside a fitted
        estimator (see :func:`load_with_input`).

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
    persister = _persister_of(estimator)
    name = type(estimator).__name__
    # A file that load() would refuse is not written.
    try:
        estimator._validate_params()
    except (ValueError, TypeError) as exc:
        raise type(exc)(f"cannot save {name}: {exc}") from None
    params = {k: v for k, v in estimator.get_params(deep=False).items()
              if k not in persister.local_params}
    params = _encode(params, f"{name} parameter")["$dict"]
    fitted = estimator.__sklearn_is_fitted__()
    arrays = {}
    header = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION,
              "fnn_version": __version__, "estimator": name, "params": params,
              "fitted": fitted, "dtype": None, "state": {}, "input": None}
    if fitted:
        dtype, state, arrays = estimator._get_state()
        header["dtype"] = np.dtype(dtype).name
        header["state"] = _encode(state, f"{name} state")["$dict"]
        if input is not None:
            header["input"] = input._header()
            arrays = {**arrays, **input._arrays()}
        arrays = {key: _storable(key, arr) for key, arr in arrays.items()}
    elif input is not None:
        raise ValueError(f"cannot save {name}: an unfitted model takes no input "
                         "description.")
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
        if input is not None:
            _check_input(header["input"], dict(arrays), estimator.n_features_in_)
    except ValueError as exc:
        raise ValueError(f"cannot save {name}: {str(exc).rstrip('.')}.") from None
    members = {_HEADER: np.frombuffer(text, dtype=np.uint8), **arrays}
    write_atomically(path, lambda f: np.savez(f, allow_pickle=False, **members),
                     replaceable=_check_replaceable)


def _storable(key: str, arr: Any) -> Any:
    arr = np.ascontiguousarray(arr)
    if arr.dtype.kind not in _ARRAY_KINDS:
        raise TypeError(f"array {key!r} has dtype {arr.dtype}, which model files "
                        "cannot store without pickle.")
    return arr


def _check_member(key: str, dtype: np.dtype[Any], shape: tuple[int, ...],
                  fortran: bool) -> None:
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




def check_writable_model_path(path: "str | os.PathLike[str]") -> None:
    """Raise ValueError, naming ``path``, unless a model can be saved there.

    As fnn._atomic_write.check_output_path, and an existing file at ``path``
    must be an fnn model file (of any version) or empty: saving never
    replaces anything else.  Estimators with a checkpoint path call it
    before training, so that a bad path fails at once and not at the first
    checkpoint.
    """
    _check_replaceable(check_output_path(path), path)


def _check_replaceable(target: str, path: Any) -> None:
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
            except (ValueError, *DAMAGE):
                pass
    except FileNotFoundError:
        return
    except OSError:
        pass
    raise ValueError(f"cannot write {path}: it exists and is not an fnn model file; a "
                     "model replaces only a model (delete the file or choose another "
                     "path).")




# ----------------------------------------------------------------------
# Loading
# ----------------------------------------------------------------------
def load(path: "str | os.PathLike[str]") -> Any:
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
        original would.  (A file written by ``fnn train`` also describes
        how its raw columns were scaled for this estimator; see
        docs/cli.md.)

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
    return load_with_input(path)[0]


def load_with_input(path: "str | os.PathLike[str]") -> "tuple[Any, ModelInput | None]":
    """As :func:`load`, returning ``(estimator, input)``: ``input`` is the
    file's :class:`ModelInput`, or None when it has none."""
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
                                 f"({type(exc).__name__}: {reason(exc)}).") from None


def _load(f: io.BufferedReader) -> "tuple[Any, ModelInput | None]":
    with _open_archive(f) as archive:
        header = _check_header(_read_header_json(archive))
        arrays = _read_arrays(archive, header["arrays"])
    version = header["format_version"]
    while version < FORMAT_VERSION:
        header, arrays = _UPGRADES[version](header, arrays)
        version += 1
    return _build(header, arrays)


def _open_archive(f: io.BufferedReader) -> zipfile.ZipFile:
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
        archive = open_zip(f, (zipfile.ZIP_STORED,))
    except ValueError as exc:
        raise ModelFileError(f"not an fnn model file ({exc}).") from None
    names = archive.namelist()
    bad = next((name for name in names if not name.endswith(".npy")), None)
    if len(names) > _MAX_MEMBERS or bad is not None:
        archive.close()
        raise ModelFileError(
            "not an fnn model file (" + (f"{len(names)} members" if bad is None else
                                         f"member {short_repr(bad)} is not an array") + ").")
    return archive


def _read_member(archive: zipfile.ZipFile, key: str,
                 accept: Callable[[np.dtype[Any], tuple[int, ...], bool], None]) -> Any:
    """Array member key, its .npy header passed to accept before its data are
    read (see fnn._bounded_read.read_npy_member)."""
    try:
        return read_npy_member(archive, archive.getinfo(key + ".npy"), accept)
    except ValueError as exc:
        raise ModelFileError(f"member {key!r}: {exc}.") from None


def _read_header_json(archive: zipfile.ZipFile) -> dict[str, Any]:
    """The JSON header as decoded data, bounded and of format fnn-model."""
    if _HEADER + ".npy" not in archive.NameToInfo:
        raise ModelFileError("not an fnn model file (an .npz archive without a "
                             "'header' member).")

    def accept(dtype: np.dtype[Any], shape: tuple[int, ...], fortran: bool) -> None:
        if dtype != np.uint8 or len(shape) != 1:
            raise ValueError(f"the header must be a 1-D uint8 array; got {dtype} of "
                             f"shape {shape}")
        if shape[0] > _MAX_HEADER:
            raise ValueError(f"the header has {shape[0]:,} bytes; model files have at "
                             f"most {_MAX_HEADER:,}")

    raw = _read_member(archive, _HEADER, accept)

    def refuse_constant(name: str) -> None:
        raise ValueError(f"bare {name} is not JSON")

    try:
        header = json.loads(str(memoryview(raw), "utf-8"), parse_constant=refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise ModelFileError(f"the header is not valid JSON ({reason(exc)}).") from None
    try:
        _check_json(header)
    except ValueError as exc:
        raise ModelFileError(f"the header holds {exc}.") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT_NAME:
        raise ModelFileError("not an fnn model file (the header does not say "
                             f"format {FORMAT_NAME!r}).")
    return header


#: The header's fields in each format version.
_FIELDS = {1: {"format", "format_version", "fnn_version", "estimator", "params",
               "fitted", "dtype", "state", "arrays"}}
_FIELDS[2] = _FIELDS[1] | {"input"}


def _check_header(header: Any) -> dict[str, Any]:
    version = header.get("format_version")
    if type(version) is not int or version < 1:
        raise ModelFileError(f"bad format_version {short_repr(version)}.")
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"the file has model format version {version}, written by a newer fnn "
            f"({short_repr(header.get('fnn_version'))}); fnn {__version__} reads format "
            f"versions up to {FORMAT_VERSION}. Upgrade fnn to load it.")
    expected = _FIELDS[version]
    if set(header) != expected:
        raise ModelFileError(f"the header has fields {sorted(header)}; expected "
                             f"{sorted(expected)}.")
    checks = (("estimator", str), ("params", dict), ("fitted", bool), ("state", dict),
              ("arrays", dict))
    for field, kind in checks:
        if not isinstance(header[field], kind):
            raise ModelFileError(f"header field {field!r} must be a "
                                 f"{kind.__name__}; got {short_repr(header[field])}.")
    if header["dtype"] not in ((None,) if not header["fitted"]
                               else ("float32", "float64")):
        raise ModelFileError(f"header field 'dtype' is {short_repr(header['dtype'])}; "
                             "a fitted model needs 'float32' or 'float64', an "
                             "unfitted one null.")
    return header


def _read_arrays(archive: zipfile.ZipFile, manifest: Any) -> dict[str, Any]:
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
                                 f"{short_repr(spec)}.")

        def accept(stored_dtype: np.dtype[Any], stored_shape: tuple[int, ...],
                   fortran: bool, key: str = key, dtype: Any = dtype,
                   shape: Any = shape) -> None:
            if (stored_dtype, stored_shape) != (dtype, shape):
                raise ValueError(f"it is {stored_dtype} of shape {stored_shape} but "
                                 f"the header says {dtype} of shape {shape}")
            _check_member(key, dtype, shape, fortran)

        arrays[key] = _read_member(archive, key, accept)
    return arrays


def _build(header: dict[str, Any],
           arrays: dict[str, Any]) -> "tuple[Any, ModelInput | None]":
    """The estimator and its ModelInput (or None) of a checked header of the
    current version and its arrays."""
    name = header["estimator"]
    persister = _REGISTRY.get(name)
    if persister is None:
        raise ModelFileError(f"unknown estimator class {short_repr(name)}; this fnn "
                             f"loads {', '.join(sorted(_REGISTRY))}.")
    # Parameters acting on the machine are the caller's, never the file's.
    params = {k: v for k, v in header["params"].items()
              if k not in persister.local_params}
    params = _decode({"$dict": params}, "params")
    try:
        estimator = persister.cls(**params)
    except TypeError as exc:
        raise ModelFileError(f"parameters do not fit {name}: {exc}") from None
    try:
        estimator._validate_params()
    except (ValueError, TypeError, NotImplementedError) as exc:
        raise ModelFileError(f"invalid {name} parameters: {exc}") from None
    if not header["fitted"]:
        if arrays or header["state"] or header["input"] is not None:
            raise ModelFileError("an unfitted model must hold no state, arrays or "
                                 "input.")
        return estimator, None
    state = _decode({"$dict": header["state"]}, "state")
    # The input's arrays are the format's; the rest are the estimator's.
    input_arrays: dict[str, Any] = {
        key: arrays[key] for key in ("input_offset", "input_factor") if key in arrays}
    arrays = {key: arr for key, arr in arrays.items() if key not in input_arrays}
    try:
        estimator._set_state(np.dtype(header["dtype"]), state, arrays)
        model_input = None
        if header["input"] is not None:
            model_input = _check_input(header["input"], input_arrays,
                                       estimator.n_features_in_)
        if input_arrays:
            raise ValueError(f"arrays {sorted(input_arrays)} belong to no input "
                             "description.")
    except ModelFileError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        raise ModelFileError(f"inconsistent {name} state: {exc}") from None
    return estimator, model_input


# ----------------------------------------------------------------------
# Checks and encodings for the estimators' _set_state and _get_state
# ----------------------------------------------------------------------
def check_fields(state: Any, required: Iterable[str], optional: Iterable[str] = (),
                 where: str = "state") -> None:
    """Raise ValueError unless dict state has all required keys and no key
    outside required + optional."""
    if not isinstance(state, dict):
        raise ValueError(f"{where} must be a dict; got {short_repr(state)}.")
    missing = [k for k in required if k not in state]
    unknown = [k for k in state if k not in required and k not in optional]
    if missing or unknown:
        raise ValueError(f"{where}: missing {missing}, unknown {unknown}.")


def check_value(name: str, value: Any, kind: str, low: float | None = None,
                optional: bool = False) -> Any:
    """Check one decoded value: kind is 'int', 'number', 'bool', 'str' or
    'numbers' (a list of numbers); returns the value."""
    if optional and value is None:
        return value
    if kind == "numbers":
        if not isinstance(value, list):
            raise ValueError(f"{name} must be a list of numbers; got {short_repr(value)}.")
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
                         f"{bound}; got {short_repr(value)}.")
    return value


def check_member_array(name: str, arr: Any, dtype: DTypeLike,
                       shape: tuple[int | None, ...]) -> NDArray[Any]:
    """A member array read from a file must have exactly dtype and shape
    (None in shape: any length); returns it.  (Not a conversion, unlike
    fnn._validation.check_array: stored arrays are taken as they are.)"""
    if arr.dtype != dtype or arr.ndim != len(shape) or any(
            want is not None and have != want for have, want in zip(arr.shape, shape)):
        raise ValueError(f"array {name!r} is {arr.dtype} of shape {arr.shape}; "
                         f"expected {np.dtype(dtype)} of shape {shape}.")
    return arr


def take_member(arrays: dict[str, Any], name: str) -> Any:
    """arrays.pop(name), or a ValueError saying the file lacks it."""
    try:
        return arrays.pop(name)
    except KeyError:
        raise ValueError(f"array {name!r} is missing.") from None


def check_finite(name: str, arr: NDArray[Any]) -> NDArray[Any]:
    if not np.isfinite(arr).all():
        raise ValueError(f"array {name!r} holds non-finite values.")
    return arr


def encode_labels(classes: NDArray[Any]) -> tuple[NDArray[Any], bool]:
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


def decode_labels(classes: NDArray[Any], was_object: bool) -> NDArray[Any]:
    """The classes_ encode_labels stored."""
    return classes.astype(object) if was_object else classes




def check_classes(classes: Any, y_type: str, was_object: bool,
                  one_class: bool = False) -> NDArray[Any]:
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
        raise ValueError(f"unknown target type {short_repr(y_type)}.")
    return decode_labels(classes, was_object)




def check_attributes(state: dict[str, Any], table: Any) -> dict[str, Any]:
    """Check state["attributes"] against {name: (kind, low, optional)}; all
    names are required."""
    attributes = state["attributes"]
    check_fields(attributes, list(table), where="attributes")
    for name, (kind, low, optional) in table.items():
        check_value(name, attributes[name], kind, low, optional)
    return attributes


def store_classes(classes: NDArray[Any], state: dict[str, Any],
                  arrays: dict[str, Any]) -> None:
    """Put the classes_ of a one-vs-rest or one-vs-one classifier into a
    state and its arrays (``classes``, ``labels_object``)."""
    arrays["classes"], state["labels_object"] = encode_labels(classes)


def restore_classes(state: dict[str, Any], arrays: dict[str, Any]) -> NDArray[Any]:
    """The classes_ store_classes stored, checked."""
    classes = take_member(arrays, "classes")
    return check_classes(classes, "multiclass" if len(classes) > 2 else "binary",
                         check_value("labels_object", state["labels_object"], "bool"))


def store_feature_names(estimator: Any, arrays: dict[str, Any]) -> None:
    """Put the estimator's feature_names_in_, if it has any, into arrays
    (``feature_names_in``: unicode on disk, an object array of str in
    memory, as scikit-learn's)."""
    names = estimator.__dict__.get("feature_names_in_")
    if names is not None:
        arrays["feature_names_in"] = np.asarray(names, dtype=np.str_)


def restore_feature_names(arrays: dict[str, Any], n_features: int) -> NDArray[Any] | None:
    """The feature_names_in_ store_feature_names stored (taken from arrays),
    or None when the file has none."""
    if "feature_names_in" not in arrays:
        return None
    names = arrays.pop("feature_names_in")
    if names.dtype.kind != "U":
        raise ValueError(f"array 'feature_names_in' is {names.dtype}; feature "
                         "names are unicode strings.")
    return check_member_array("feature_names_in", names, names.dtype,
                              (n_features,)).astype(object)


def store_matrix(arrays: dict[str, Any], name: str, matrix: Any) -> bool:
    """Put a dense array or a scipy.sparse matrix into arrays: dense as the
    member ``name``, sparse as CSR in ``name_data``, ``name_indices`` and
    ``name_indptr`` (int32, rows sorted and duplicate-free).  Returns
    whether it is sparse (the estimator's state records it)."""
    if not sp.issparse(matrix):
        arrays[name] = matrix
        return False
    csr = sp.csr_matrix(matrix)
    if not csr.has_canonical_format:
        csr = csr.copy()
        csr.sum_duplicates()
    arrays[f"{name}_data"] = csr.data
    arrays[f"{name}_indices"] = csr.indices.astype(np.int32)
    arrays[f"{name}_indptr"] = csr.indptr.astype(np.int32)
    return True


def matrix_members(name: str, sparse: bool) -> set[str]:
    """The member names store_matrix writes for ``name``."""
    return {f"{name}_data", f"{name}_indices", f"{name}_indptr"} if sparse else {name}


def restore_matrix(arrays: dict[str, Any], name: str, sparse: bool, dtype: DTypeLike,
                   shape: tuple[Any, ...]) -> Any:
    """The matrix store_matrix stored (its members taken from arrays),
    checked: dtype and shape exactly, finite values, and for CSR row
    pointers from 0 to the number of values, never decreasing, and column
    indices inside the shape, increasing within each row; a csr_matrix
    when sparse.  The compiled kernels trust all of it."""
    if not sparse:
        return check_finite(name, check_member_array(
            name, take_member(arrays, name), dtype, shape))
    n_rows, n_cols = shape
    if n_cols >= 2 ** 31:  # the kernels' CSR indices are 32-bit
        raise ValueError(f"{name}: a sparse matrix has fewer than 2**31 columns; "
                         f"got {n_cols}.")
    data = check_finite(name, check_member_array(
        f"{name}_data", take_member(arrays, f"{name}_data"), dtype, (None,)))
    nnz = len(data)
    indices = check_member_array(f"{name}_indices", take_member(arrays, f"{name}_indices"),
                                 np.int32, (nnz,))
    indptr = check_member_array(f"{name}_indptr", take_member(arrays, f"{name}_indptr"),
                                np.int32, (n_rows + 1,))
    steps = np.diff(indptr)
    if indptr[0] != 0 or indptr[-1] != nnz or (steps < 0).any():
        raise ValueError(f"{name}: row pointers must rise from 0 to {nnz} (the "
                         "number of values).")
    if nnz and (indices.min() < 0 or indices.max() >= n_cols):
        raise ValueError(f"{name}: column indices must lie in [0, {n_cols}).")
    # Within a row, each index exceeds the one before; a row start may not.
    row_start = np.zeros(nnz, dtype=bool)
    row_start[indptr[:-1][steps > 0]] = True
    if nnz and not (row_start[1:] | (np.diff(indices) > 0)).all():
        raise ValueError(f"{name}: the column indices of a row must be sorted and "
                         "unique.")
    return sp.csr_matrix((data, indices, indptr), shape=(n_rows, n_cols), copy=False)
