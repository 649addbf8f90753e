"""Reading data sets from files, and streaming data larger than memory.

read_csv            CSV text: features and a target column, header detected
read_svmlight       libsvm / svmlight text (``label idx:val ...``), as sparse X
to_dense            a sparse X as a dense array, if it fits in memory
read_npz, read_npy  NumPy files, never unpickled
read_idx            IDX files (MNIST, Fashion-MNIST), gzipped or not
load_fashion_mnist  the Fashion-MNIST train and test sets as float32 in [0, 1]
NpyFile             rows of a .npy file read on demand, without mapping it whole
iter_batches        shuffled in-memory batches from arrays, files or chunk streams
partial_fit_stream  train a model with partial_fit on such batches, epoch by epoch

Readers return ``(X, y)`` with X a 2-D array (sparse for svmlight).  Every
failure to read a file is a ValueError that names the file and where in it:
the line of a text file, the member of an archive, the byte of a binary one.

Memory is bounded by what a file really holds, never by what it claims:
headers are checked before bodies are read, an array's size is checked
against the file (and, for compressed data, against what deflate can
expand to) and against the memory available before it is allocated, arrays
are read straight into their final buffer, and text is read line by line
with lines of at most ``_MAX_LINE`` characters, so an input without line
ends (``/dev/zero``) or a decompression bomb ends in a ValueError.
"""
from __future__ import annotations

import csv
import gzip
import io
import math
import numbers
import os
import re
import stat
import struct
import zipfile
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any, Literal, Protocol, TypeVar, Union, cast

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from ._bounded_read import (DAMAGE, DEFLATE_MAX_RATIO, allocate, check_memory, fill,
                            npy_header, open_zip, read_exactly, read_npy_member, reason,
                            size_text)

if TYPE_CHECKING:
    import inspect

    import scipy.sparse as sp

#: A file name, as str or path-like.
PathLike = Union[str, "os.PathLike[str]"]
#: A batch of rows and its targets (None without targets).
Batch = tuple[NDArray[Any], Union[NDArray[Any], None]]
_Model = TypeVar("_Model")


class _Rows(Protocol):
    """What the streaming functions read rows from: an array, a memory map
    or an :class:`NpyFile`."""

    @property
    def shape(self) -> tuple[int, ...]: ...

    def __len__(self) -> int: ...

    def __getitem__(self, index: slice) -> Any: ...

#: Where Debian's `dataset-fashion-mnist` package puts the files.
FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"

_IDX_TYPES: dict[int, DTypeLike] = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4",
              0x0E: ">f8"}

#: Characters in one line of a text file: far more than a row of data needs,
#: and what an input without line ends (/dev/zero) costs before it is refused.
_MAX_LINE = 1 << 24
#: Columns read_svmlight allows: CSR's int32 column indices hold them.
_MAX_FEATURES = 2 ** 31 - 1
def read_idx(path: PathLike) -> NDArray[Any]:
    """Read an IDX file (the MNIST format) into a NumPy array.

    The header is checked before the body is read: the size it announces
    must be the file's (for a gzipped file: no more than deflate can expand
    the file to) and must fit in memory.

    Parameters
    ----------
    path : str or path-like
        The file; a name ending in ``.gz`` is decompressed.

    Returns
    -------
    ndarray
        Shape and dtype as the file's header says (native byte order).

    Raises
    ------
    ValueError
        If the file is not a well-formed IDX file, or its gzip stream is
        damaged; the message names the file.
    """
    path = os.fspath(path)
    with open(path, "rb") as raw:
        info = os.fstat(raw.fileno())
        size = info.st_size if stat.S_ISREG(info.st_mode) else None
        compressed = path.endswith(".gz")
        f = gzip.GzipFile(fileobj=raw, mode="rb") if compressed else raw
        position = 0
        try:
            head = read_exactly(f, 4)
            if len(head) < 4 or head[0] or head[1] or head[2] not in _IDX_TYPES:
                raise ValueError(f"{path} is not an IDX file (bad magic number).")
            position = 4
            dims = read_exactly(f, 4 * head[3])
            if len(dims) < 4 * head[3]:
                raise ValueError(f"{path}: IDX header is truncated.")
            shape = struct.unpack(f">{head[3]}I", dims)
            dtype = np.dtype(_IDX_TYPES[head[2]])
            position = 4 + len(dims)
            expected = position + math.prod(shape) * dtype.itemsize
            announced = f"IDX header announces shape {shape} ({expected} bytes)"
            if size is not None and not compressed and size != expected:
                raise ValueError(f"{path}: {announced} but the file has {size} bytes.")
            if size is not None and compressed and \
                    expected > DEFLATE_MAX_RATIO * size + 1024:
                raise ValueError(f"{path}: {announced}, more than its {size} "
                                 "compressed bytes can hold.")
            try:
                array = allocate(shape, dtype)
            except ValueError as exc:
                raise ValueError(f"{path}: {exc}.") from None
            position += fill(f, array)
            if position != expected or f.read(1):
                raise ValueError(f"{path}: {announced} but the data "
                                 f"{'end after' if position < expected else 'go on past'}"
                                 f" {position} bytes.")
        except DAMAGE as exc:
            what = "gzip stream" if compressed else "file"
            raise ValueError(f"{path}: the {what} is damaged after {position} bytes of "
                             f"IDX data ({reason(exc)}).") from None
        finally:
            if compressed:
                f.close()
    if not dtype.isnative:  # to native byte order in place: no second copy
        array = array.byteswap(inplace=True).view(dtype.newbyteorder("="))
    return array


def load_fashion_mnist(
        path: PathLike | None = None,
) -> tuple[NDArray[np.float32], NDArray[np.int64], NDArray[np.float32], NDArray[np.int64]]:
    """Load Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017).

    Parameters
    ----------
    path : str, path-like or None
        Folder with the four IDX files (gzipped or not); by default where
        Debian's ``dataset-fashion-mnist`` package installs them.

    Returns
    -------
    X_train : ndarray (60000, 784) float32 in [0, 1]
    y_train : ndarray (60000,) int64
    X_test : ndarray (10000, 784) float32 in [0, 1]
    y_test : ndarray (10000,) int64
    """
    folder = FASHION_MNIST_DIR if path is None else os.fspath(path)

    def find(stem: str) -> str:
        for name in (stem + ".gz", stem):
            candidate = os.path.join(folder, name)
            if os.path.exists(candidate):
                return candidate
        raise FileNotFoundError(
            f"Fashion-MNIST file {stem}[.gz] not found in {folder}. On Debian or "
            "Ubuntu: `apt-get install dataset-fashion-mnist`; otherwise download the "
            "four IDX files from the Fashion-MNIST repository and pass their folder "
            "as path=.")

    def images(stem: str) -> NDArray[np.float32]:
        raw = read_idx(find(stem))
        return (raw.reshape(len(raw), -1) / np.float32(255)).astype(np.float32)

    def labels(stem: str) -> NDArray[np.int64]:
        return read_idx(find(stem)).astype(np.int64)

    return (images("train-images-idx3-ubyte"), labels("train-labels-idx1-ubyte"),
            images("t10k-images-idx3-ubyte"), labels("t10k-labels-idx1-ubyte"))


# ----------------------------------------------------------------------
# Text formats
# ----------------------------------------------------------------------
def _open_text(path: PathLike) -> IO[str]:
    """path as text for _Lines: bytes that are not UTF-8 come through as lone
    surrogates, so that _Lines can name their line (a decoding error would
    surface a whole read-ahead block early)."""
    path = os.fspath(path)
    if path.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8-sig", errors="surrogateescape",
                         newline="")
    return open(path, encoding="utf-8-sig", errors="surrogateescape", newline="")


#: What surrogateescape makes of a byte that is not UTF-8.
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


class _Lines:
    """The lines of an open text file, for csv.reader and the svmlight
    parser: counted, each at most _MAX_LINE characters, with decoding and
    decompression errors as ValueErrors that name the file and the line."""

    def __init__(self, f: IO[str], path: str) -> None:
        self.f, self.path, self.number = f, path, 0
        self._next_check = 64 << 20

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        try:
            line = self.f.readline(_MAX_LINE + 1)
        except DAMAGE as exc:
            raise self.error(f"the file is damaged ({reason(exc)})",
                             self.number + 1) from None
        if not line:
            raise StopIteration
        self.number += 1
        if len(line) > _MAX_LINE:
            raise self.error(f"longer than {_MAX_LINE:,} characters (not a text file "
                             "of rows?)")
        if not line.isascii():
            escaped = _ESCAPED_BYTE.search(line)
            if escaped:
                raise self.error(f"not UTF-8 text (byte "
                                 f"{ord(escaped.group()) - 0xDC00:#04x})")
        return line

    def error(self, message: str, line: int | None = None) -> ValueError:
        """ValueError(message) naming the file and the line (the current one
        by default)."""
        return ValueError(f"{self.path}, line {self.number if line is None else line}: "
                          f"{message}.")

    def check_growth(self, nbytes: int) -> None:
        """Refuse (ValueError) rows that outgrow memory: each time the rows
        read so far (nbytes) double past 64 MB, the memory available must
        still hold as much again."""
        if nbytes >= self._next_check:
            self._next_check = 2 * nbytes
            try:
                check_memory(nbytes, f"the {size_text(nbytes)} of rows read so far: as "
                                      "much again")
            except ValueError as exc:
                raise self.error(str(exc)) from None


def _parse_number(text: str) -> float | None:
    """float(text), or None when text is not a plain number."""
    if "_" in text:  # float() takes "1_000"; CSV readers elsewhere do not
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _labels(values: Sequence[str], path: str) -> NDArray[Any]:
    """Target values as int64 when all are integers, float64 when all are
    numbers, and unicode strings otherwise."""
    distinct = set(values)
    numbers_ = {v: _parse_number(v) for v in distinct}
    if None in numbers_.values():
        width = max(map(len, distinct))
        _check_memory_for(path, len(values) * width * 4, "the target column as text")
        return np.array(values, dtype=f"<U{width}")
    try:
        integers = {v: int(v) for v in distinct}
        return np.array([integers[v] for v in values], dtype=np.int64)
    except (ValueError, OverflowError):
        return np.array([numbers_[v] for v in values], dtype=np.float64)


def _check_memory_for(path: str, nbytes: int, what: str) -> None:
    try:
        check_memory(nbytes, what)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}.") from None


def _clip(text: str, limit: int = 40) -> str:
    return repr(text) if len(text) <= limit else repr(text[:limit - 3] + "...")


def read_csv(path: PathLike, target: str | int | None = None, *,
             header: Literal["auto"] | bool = "auto", delimiter: str = ",",
             dtype: DTypeLike = np.float64) -> tuple[NDArray[np.floating[Any]], NDArray[Any] | None]:
    """Read a CSV file of numeric features and an optional target column.

    Rows are parsed as they are read, into one buffer of floats; a line may
    hold at most 16 Mi characters.

    Parameters
    ----------
    path : str or path-like
        The file; a name ending in ``.gz`` is decompressed.  Blank lines are
        skipped; quoting follows Python's csv module.
    target : str, int or None, default=None
        The target column: a name from the header row, or an index (negative
        counts from the end).  None: every column is a feature.
    header : 'auto', bool, default='auto'
        Whether the first row names the columns.  'auto': it does when any of
        its fields is not a number.
    delimiter : str, default=','
    dtype : float32 or float64, default=float64
        dtype of X.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,) or None
        int64 when every target is an integer, float64 when every target is
        a number, otherwise strings (labels stay as written).

    Raises
    ------
    ValueError
        For a missing target column, rows of different lengths, a feature
        that is not a number, text that is not UTF-8, a line that is too
        long, a damaged gzip stream or data that outgrow the memory
        available; the message names the file and the line.
    """
    path = os.fspath(path)
    if header not in ("auto", True, False):
        raise ValueError(f"header must be 'auto', True or False; got {header!r}.")
    dtype = _float_dtype(dtype)
    with _open_text(path) as f:
        lines = _Lines(f, path)
        try:
            X, values = _read_csv_rows(csv.reader(lines, delimiter=delimiter), lines,
                                       target, header)
        except csv.Error as exc:
            raise lines.error(str(exc)) from None
        except MemoryError:
            raise lines.error("out of memory holding the rows read so far") from None
    return X.astype(dtype, copy=False), None if values is None else _labels(values, path)


def read_csv_header(path: PathLike, *, delimiter: str = ",") -> list[str] | None:
    """The column names of a CSV file, as :func:`read_csv` with header='auto'
    reads them: the fields of the first row that is not blank (stripped),
    when any of them is not a number; otherwise the file has no header.

    Parameters
    ----------
    path : str or path-like
        The file; a name ending in ``.gz`` is decompressed.
    delimiter : str, default=','

    Returns
    -------
    list of str or None
        None for a file without a header row (or without any row).

    Raises
    ------
    ValueError
        For text that is not UTF-8, a line that is too long or a damaged
        gzip stream; the message names the file and the line.
    """
    path = os.fspath(path)
    with _open_text(path) as f:
        lines = _Lines(f, path)
        try:
            first = next(_csv_rows(csv.reader(lines, delimiter=delimiter)), None)
        except csv.Error as exc:
            raise lines.error(str(exc)) from None
    return first if first is not None and _is_header(first) else None


def _csv_rows(reader: Iterable[list[str]]) -> Iterator[list[str]]:
    """The rows that are not blank, their fields stripped."""
    return (row for row in ([field.strip() for field in row] for row in reader)
            if any(row))


def _is_header(row: list[str]) -> bool:
    """header='auto': a first row names the columns when any of its fields is
    not a number."""
    return any(_parse_number(field) is None for field in row)


def _read_csv_rows(reader: Iterable[list[str]], lines: _Lines, target: str | int | None,
                   header: Literal["auto"] | bool,
                   ) -> tuple[NDArray[np.float64], list[str] | None]:
    """X as float64 and the target column's text (or None), row by row."""
    path = lines.path
    rows = _csv_rows(reader)
    first = next(rows, None)
    if first is None:
        raise ValueError(f"{path} holds no data.")
    if header == "auto":
        header = _is_header(first)
    names = first if header else None
    width = len(first)
    column = None if target is None else _column_index(target, names, width, path)
    features = [j for j in range(width) if j != column]
    if not features:
        raise ValueError(f"{path}: no feature columns besides the target.")
    values = array("d")
    # One string object per distinct target value, not per row.
    targets: list[str] = []
    distinct: dict[str, str] = {}
    if not header:
        rows = _chain_first(first, rows)
    n_rows = 0
    for row in rows:
        if len(row) != width:
            raise lines.error(f"{len(row)} fields, but "
                              f"{'the header has' if names else 'the first row has'} "
                              f"{width}")
        parsed = [_parse_number(row[j]) for j in features]
        if None in parsed:
            j = features[parsed.index(None)]
            where = f"column {j}" + (f" ({names[j]!r})" if names else "")
            what = "is empty" if not row[j] else f"has {_clip(row[j])}, not a number"
            raise ValueError(f"{path}, line {lines.number}, {where} {what}.")
        values.extend(cast("list[float]", parsed))  # no None, checked above
        if column is not None:
            if not row[column]:
                raise lines.error(f"the target ({_describe_column(column, names)}) is "
                                  "empty")
            targets.append(distinct.setdefault(row[column], row[column]))
        n_rows += 1
        lines.check_growth(8 * (len(values) + n_rows))
    if not n_rows:
        raise ValueError(f"{path} has a header row but no data.")
    return np.frombuffer(values, dtype=np.float64).reshape(n_rows, len(features)), \
        None if column is None else targets


def _chain_first(first: list[str], rest: Iterable[list[str]]) -> Iterator[list[str]]:
    yield first
    yield from rest


def _describe_column(column: int, names: list[str] | None) -> str:
    return f"column {column}" + (f", {names[column]!r}" if names else "")


def _column_index(target: object, names: list[str] | None, width: int, path: str) -> int:
    if isinstance(target, str):
        if names is None:
            raise ValueError(f"{path} has no header row, so target={target!r} cannot "
                             "be found by name; give the column's index instead.")
        if target not in names:
            shown = ", ".join(repr(n) for n in names[:10])
            more = f" and {len(names) - 10} more" if len(names) > 10 else ""
            raise ValueError(f"{path} has no column {target!r}; its columns are "
                             f"{shown}{more}.")
        if names.count(target) > 1:
            raise ValueError(f"{path} has {names.count(target)} columns named "
                             f"{target!r}; give the target's index instead.")
        return names.index(target)
    if isinstance(target, numbers.Integral) and not isinstance(target, bool):
        index = int(target)
        if not -width <= index < width:
            raise ValueError(f"target column {target} is out of range: {path} has "
                             f"{width} columns.")
        return index % width
    raise TypeError(f"target must be a column name, an index or None; got {target!r}.")


def _float_dtype(dtype: DTypeLike) -> np.dtype[Any]:
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64; got {dtype}.")
    return dtype


def read_svmlight(path: PathLike, n_features: int | None = None, *,
                  zero_based: Literal["auto"] | bool = "auto",
                  dtype: DTypeLike = np.float64) -> tuple[sp.csr_matrix, NDArray[np.float64]]:
    """Read a libsvm / svmlight file into a sparse CSR matrix.

    Each line is ``label index:value index:value ...`` with increasing
    indices; ``#`` starts a comment; ``qid:n`` fields are ignored.  The
    result equals ``sklearn.datasets.load_svmlight_file(path)``.

    Memory follows the values the file holds, never the width it names: a
    26-byte file naming feature 1,000,000,000 gives a matrix of that many
    columns holding one value.  fnn's estimators take dense X; make it dense
    with :func:`to_dense`, which refuses what would not fit in memory.

    Parameters
    ----------
    path : str or path-like
        The file; a name ending in ``.gz`` is decompressed.
    n_features : int or None, default=None
        Columns of X, from 1 to 2**31 - 1; by default the largest index in
        the file.  Give it when reading a test file that may lack the last
        features; an index beyond it is an error.
    zero_based : bool or 'auto', default='auto'
        Whether the indices start at 0.  'auto' (as scikit-learn): 1-based
        unless some index is 0.
    dtype : float32 or float64, default=float64

    Returns
    -------
    X : scipy.sparse.csr_matrix of shape (n_samples, n_features)
        Canonical CSR (sorted indices, no duplicates), dtype ``dtype``.
    y : ndarray of shape (n_samples,) float64

    Raises
    ------
    ValueError
        For a line that is not ``label index:value ...``, indices that do not
        increase or exceed n_features (or 2**31 - 1), text that is not UTF-8,
        a damaged gzip stream, or data that outgrow the memory available;
        the message names the file and the line.
    """
    from scipy import sparse

    path = os.fspath(path)
    if zero_based not in ("auto", True, False):
        raise ValueError(f"zero_based must be 'auto', True or False; got "
                         f"{zero_based!r}.")
    if n_features is not None and (isinstance(n_features, bool) or not isinstance(
            n_features, numbers.Integral) or not 1 <= n_features <= _MAX_FEATURES):
        raise ValueError(f"n_features must be None or an int from 1 to 2**31 - 1; got "
                         f"{n_features!r}.")
    dtype = _float_dtype(dtype)
    with _open_text(path) as f:
        lines = _Lines(f, path)
        try:
            labels, indptr, indices, values = _read_svmlight_lines(lines)
        except MemoryError:
            raise lines.error("out of memory holding the lines read so far") from None
    if not labels:
        raise ValueError(f"{path} holds no samples.")
    cols = np.frombuffer(indices, dtype=np.int64) if indices else np.empty(0, np.int64)
    one_based = cols.size == 0 or cols.min() > 0
    if zero_based is False or (zero_based == "auto" and one_based):
        if cols.size and cols.min() == 0:
            raise ValueError(f"{path}: index 0 found, but zero_based=False.")
        cols = cols - 1
    needed = int(cols.max()) + 1 if cols.size else 0
    if n_features is None:
        n_features = needed
    elif n_features < needed:
        raise ValueError(f"n_features={n_features}, but {path} has features up to "
                         f"{needed}.")
    X = sparse.csr_matrix(
        (np.frombuffer(values, dtype=np.float64).astype(dtype, copy=False),
         cols.astype(np.int32), np.frombuffer(indptr, dtype=np.int64)),
        shape=(len(labels), n_features))
    return X, np.frombuffer(labels, dtype=np.float64).copy()


def _read_svmlight_lines(
        lines: _Lines) -> tuple[array[float], array[int], array[int], array[float]]:
    """Labels, CSR row pointers, raw (file) indices and values, line by line."""
    labels, indptr, indices, values = array("d"), array("q", [0]), array("q"), array("d")
    add_index, add_value = indices.append, values.append
    for line in lines:
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        label = _parse_number(fields[0])
        if label is None:
            multilabel = all(_parse_number(part) is not None
                             for part in fields[0].split(","))
            raise lines.error(f"label {_clip(fields[0])} is not a number" +
                              (" (multilabel files are not supported)" if multilabel
                               else ""))
        labels.append(label)
        previous = -1
        for field in fields[1:]:
            index, sep, value = field.partition(":")
            try:
                # At most 10 ASCII digits: int() never sees a huge number.
                if not (sep and len(index) <= 10 and index.isascii() and
                        index.isdigit()) or "_" in value:
                    raise ValueError
                column, number = int(index), float(value)
            except ValueError:
                if index == "qid":
                    continue
                if sep and index.isascii() and index.isdigit() and \
                        _parse_number(value) is not None:
                    raise lines.error(f"feature index {_clip(index)} is beyond "
                                      "2**31 - 1") from None
                raise lines.error(f"{_clip(field)} is not index:value") from None
            if column <= previous or column > _MAX_FEATURES:
                raise lines.error(f"feature indices must increase; {column} follows "
                                  f"{previous}" if column <= previous else
                                  f"feature index {column} is beyond 2**31 - 1")
            previous = column
            add_index(column)
            add_value(number)
        indptr.append(len(indices))
        lines.check_growth(16 * len(indices) + 16 * len(labels))
    return labels, indptr, indices, values


def to_dense(X: ArrayLike | sp.spmatrix | sp.sparray, dtype: DTypeLike | None = None, *,
             reserve: int = 0) -> NDArray[Any]:
    """X as a dense C-ordered ndarray, if it fits in memory.

    Parameters
    ----------
    X : scipy.sparse matrix or array, or array-like
        E.g. X from :func:`read_svmlight`.
    dtype : float32, float64 or None, default=None
        None keeps X's dtype.
    reserve : int, default=0
        Bytes the caller will need besides (a model's weights, say).

    Returns
    -------
    ndarray of shape X.shape
        X itself when it already is a C-ordered ndarray of that dtype.

    Raises
    ------
    ValueError
        When the dense array (if a new one is needed) and `reserve` would not
        fit in the memory available; nothing is allocated then.
    """
    from scipy import sparse

    if not sparse.issparse(X):
        X = np.asarray(X)
    # An ndarray or a SciPy sparse matrix (untyped) from here on.
    X = cast(Any, X)
    dtype = np.dtype(X.dtype if dtype is None else dtype)
    new = not (isinstance(X, np.ndarray) and X.dtype == dtype and X.flags.c_contiguous)
    what = f"X of shape {X.shape} as a dense {dtype} array" if new else "X's model"
    check_memory(math.prod(X.shape) * dtype.itemsize * new + reserve,
                  what + (f" and {size_text(reserve)} more" if reserve and new else ""))
    if not new:
        return X
    out = allocate(X.shape, dtype)
    if isinstance(X, np.ndarray):
        out[...] = X
    else:
        out[...] = 0  # toarray adds into out (duplicate entries are summed)
        (X if X.dtype == dtype else X.astype(dtype)).toarray(out=out)
    return out


# ----------------------------------------------------------------------
# NumPy files
# ----------------------------------------------------------------------
def _open_regular(path: str) -> tuple[io.BufferedReader, int]:
    """path opened for binary reading, with its size; ValueError unless it is
    a regular file (the readers seek, and trust st_size)."""
    f = open(path, "rb")
    info = os.fstat(f.fileno())
    if not stat.S_ISREG(info.st_mode):
        f.close()
        raise ValueError(f"{path} is not a regular file.")
    return f, info.st_size


def read_npy(path: PathLike, mmap_mode: Literal["r", "c"] | None = None) -> NDArray[Any]:
    """Load a .npy array without ever unpickling, and without writing.

    The header is checked before the data are read: object dtypes are
    refused, and the size it announces must be in the file and fit in
    memory.

    Parameters
    ----------
    path : str or path-like
        A regular file (its size is checked against the header's).
    mmap_mode : None, 'r' or 'c', default=None
        'r' maps the file read-only instead of reading it, 'c' maps it
        copy-on-write (changes stay in memory); see also :class:`NpyFile`,
        which keeps even the address space small.  Modes that write to the
        file ('r+', 'w+') are refused: a reader never changes its input.

    Returns
    -------
    ndarray

    Raises
    ------
    ValueError
        If the file is not a readable .npy file; the message names it.
    """
    path = os.fspath(path)
    if mmap_mode not in (None, "r", "c"):
        raise ValueError(f"mmap_mode must be None, 'r' or 'c' (read-only); got "
                         f"{mmap_mode!r}: read_npy never writes to its file.")
    f, size = _open_regular(path)
    with f:
        if f.read(2) == b"PK":
            raise ValueError(f"{path} is an .npz archive; use read_npz.")
        f.seek(0)
        try:
            shape, fortran, dtype = npy_header(f)
        except ValueError as exc:
            raise ValueError(f"{path} is not a readable .npy file: {exc}.") from None
        offset = f.tell()
        nbytes = math.prod(shape) * dtype.itemsize
        if size < offset + nbytes:
            raise ValueError(f"{path} is truncated: {size} bytes, but its header "
                             f"announces shape {shape} of {dtype} "
                             f"({offset + nbytes} bytes).")
        if mmap_mode is not None and nbytes:
            return np.memmap(f, dtype=dtype, mode=mmap_mode, offset=offset, shape=shape,
                             order="F" if fortran else "C")
        try:
            out = allocate(shape, dtype, fortran)
            if fill(f, out.T if fortran else out) != nbytes:
                raise ValueError("the file ended while it was read")
        except (ValueError, *DAMAGE) as exc:
            raise ValueError(f"{path}: {reason(exc)}.") from None
    return out


def read_npz(path: PathLike, x: str = "X",
             y: str = "y") -> tuple[NDArray[Any], NDArray[Any] | None]:
    """Load features and targets from an .npz archive, never unpickling.

    Members may be stored (``np.savez``) or deflated
    (``np.savez_compressed``); each array's header is checked before its
    data are read, and its size against the member (at most what deflate
    can expand it to) and the memory available.

    Parameters
    ----------
    path : str or path-like
    x, y : str, defaults 'X' and 'y'
        Names of the arrays in the archive (as given to ``np.savez``).  The
        target array may be absent.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        A 1-D array is taken as one feature.
    y : ndarray of shape (n_samples,) or None

    Raises
    ------
    ValueError
        If the file is not a readable .npz archive or lacks array x; the
        message names the file and the member.
    """
    path = os.fspath(path)
    f, _ = _open_regular(path)
    with f:
        if f.read(6) == b"\x93NUMPY":
            raise ValueError(f"{path} is a single .npy array, not an .npz archive of "
                             f"{x!r} and {y!r}.")
        try:
            archive = open_zip(f, (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED))
        except ValueError as exc:
            raise ValueError(f"{path} is not a readable .npz file: {exc}.") from None
        with archive:
            members = {info.filename[:-4]: info for info in archive.infolist()
                       if info.filename.endswith(".npy")}
            if x not in members:
                raise ValueError(f"{path} has no array {x!r}; it holds "
                                 f"{sorted(members)}.")
            read: dict[str, NDArray[Any]] = {}
            for name in (x, y):
                if name in members and name not in read:
                    try:
                        read[name] = read_npy_member(archive, members[name])
                    except ValueError as exc:
                        raise ValueError(f"{path}, array {name!r}: {exc}.") from None
    X, target = read[x], read.get(y)
    if X.ndim == 1:
        X = X.reshape(-1, 1)
    if X.ndim != 2:
        raise ValueError(f"{path}: {x!r} must be 2-D; got shape {X.shape}.")
    if target is not None and len(target) != len(X):
        raise ValueError(f"{path}: {x!r} has {len(X)} rows but {y!r} has "
                         f"{len(target)}.")
    return X, target


class NpyFile:
    """A .npy file whose rows are read on demand.

    ``np.load(path, mmap_mode='r')`` keeps the resident memory small but maps
    the whole file into the address space; NpyFile reads each requested
    range of rows with one seek and one read, so a process can stream a file
    far larger than its address-space limit.

    Parameters
    ----------
    path : str or path-like
        A C-ordered .npy file of a numeric dtype.

    Attributes
    ----------
    shape : tuple of int
    dtype : numpy dtype (native byte order; big-endian data is converted)

    Examples
    --------
    >>> rows = NpyFile("X.npy")              # doctest: +SKIP
    >>> first = rows[:1000]                  # an ndarray of 1000 rows
    """

    def __init__(self, path: PathLike) -> None:
        self.path = os.fspath(path)
        f, size = _open_regular(self.path)
        with f:
            try:
                shape, fortran_order, dtype = npy_header(f)
            except ValueError as exc:
                raise ValueError(f"{self.path} is not a readable .npy file: "
                                 f"{exc}.") from None
            self._offset = f.tell()
        if dtype.kind not in "biuf":
            raise ValueError(f"{self.path}: dtype {dtype} is not numeric.")
        if len(shape) == 0:
            raise ValueError(f"{self.path} holds a scalar, not rows.")
        if fortran_order and len(shape) > 1:
            raise ValueError(f"{self.path} is stored in Fortran order, so its rows are "
                             "not contiguous; save it with np.save(path, "
                             "np.ascontiguousarray(X)).")
        self._file_dtype = dtype
        self.dtype = dtype.newbyteorder("=")
        self.shape = tuple(shape)
        self._row_items = math.prod(shape[1:])
        expected = self._offset + shape[0] * self._row_items * dtype.itemsize
        if size < expected:
            raise ValueError(f"{self.path} is truncated: {size} bytes, but its header "
                             f"announces shape {self.shape} ({expected} bytes).")

    def __len__(self) -> int:
        return self.shape[0]

    @property
    def ndim(self) -> int:
        """int: the number of dimensions, ``len(shape)``, as ndarray.ndim."""
        return len(self.shape)

    def __getitem__(self, index: int | slice) -> NDArray[Any]:
        """Rows ``index`` (a slice with step 1, or an int) as a new ndarray."""
        if isinstance(index, numbers.Integral):
            n = len(self)
            if not -n <= index < n:
                raise IndexError(f"row {index} out of range for {n} rows")
            return self[index % n:index % n + 1][0]
        if not isinstance(index, slice):
            raise TypeError("NpyFile reads contiguous rows: index with a slice.")
        start, stop, step = index.indices(len(self))
        if step != 1:
            raise ValueError("NpyFile reads contiguous rows: slice step must be 1.")
        n_rows = max(stop - start, 0)
        with open(self.path, "rb") as f:
            f.seek(self._offset + start * self._row_items * self._file_dtype.itemsize)
            rows = np.fromfile(f, dtype=self._file_dtype, count=n_rows * self._row_items)
        if len(rows) != n_rows * self._row_items:
            raise ValueError(f"{self.path} ended early (truncated while reading?).")
        return rows.astype(self.dtype, copy=False).reshape((n_rows,) + self.shape[1:])

    def __repr__(self) -> str:
        return f"NpyFile({self.path!r}, shape={self.shape}, dtype={self.dtype})"




# ----------------------------------------------------------------------
# Streaming
# ----------------------------------------------------------------------
def _as_rows(data: object, name: str) -> _Rows | None:
    """Something that has len() and gives contiguous rows by slicing."""
    if isinstance(data, (str, os.PathLike)):
        return NpyFile(data)
    if isinstance(data, NpyFile) or (hasattr(data, "shape") and
                                     hasattr(data, "__getitem__")):
        if len(data.shape) == 0:
            raise ValueError(f"{name} must have rows; got a scalar.")
        return cast(_Rows, data)
    if hasattr(data, "to_numpy"):  # pandas
        return cast(_Rows, data.to_numpy())
    if isinstance(data, (list, tuple)):  # data, as everywhere in fnn
        return np.asarray(data)
    return None


def iter_batches(X: ArrayLike | PathLike | NpyFile | Iterable[Any],
                 y: ArrayLike | PathLike | NpyFile | None = None, batch_size: int = 10_000,
                 *, shuffle: bool = True, shuffle_buffer: int = 8,
                 random_state: int | np.random.RandomState | None = None,
                 ) -> Iterator[Batch]:
    """Yield ``(X_batch, y_batch)`` pairs of in-memory arrays, for partial_fit.

    Only about ``shuffle_buffer * batch_size`` rows are in memory at once, so
    the data may be far larger than memory.

    Parameters
    ----------
    X : array-like, memory map, path of a .npy file, NpyFile, or iterator
        Rows to stream.  A path is read with :class:`NpyFile` (bounded
        memory and address space); ``np.load(path, mmap_mode='r')`` works
        too.  An iterator or generator (any iterable other than an array,
        list or tuple) is a stream of chunks, each ``(X_chunk, y_chunk)``
        or ``X_chunk``.
    y : array-like, memory map, path of a .npy file, or None
        Targets, row for row with X (None for a stream of chunks).
    batch_size : int, default=10000
        Rows per yielded batch (the last one may be smaller).
    shuffle : bool, default=True
        Shuffle.  Arrays and files: the file is cut in blocks of batch_size
        rows, visited in random order; ``shuffle_buffer`` blocks at a time
        are read and their rows shuffled together, so data sorted by class
        still gives mixed batches.  Chunk streams: rows are shuffled within
        each chunk.
    shuffle_buffer : int, default=8
        Blocks shuffled together (arrays and files only).
    random_state : int, RandomState or None

    Yields
    ------
    X_batch : ndarray
    y_batch : ndarray or None
    """
    from ._validation import check_random_state

    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) \
            or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int; got {batch_size!r}.")
    if isinstance(shuffle_buffer, bool) or not isinstance(
            shuffle_buffer, numbers.Integral) or shuffle_buffer < 1:
        raise ValueError(f"shuffle_buffer must be a positive int; got "
                         f"{shuffle_buffer!r}.")
    rng = check_random_state(random_state)
    rows = _as_rows(X, "X")
    if rows is None:
        if y is not None:
            raise ValueError("y must be None when X is a stream of chunks; put the "
                             "targets in the chunks as (X_chunk, y_chunk) pairs.")
        return _iter_chunks(X, batch_size, shuffle, rng)
    targets = None if y is None else _as_rows(y, "y")
    if y is not None and targets is None:
        raise TypeError(f"y must be an array, a memory map or a .npy path; got "
                        f"{type(y).__name__}.")
    if targets is not None and len(targets) != len(rows):
        raise ValueError(f"X has {len(rows)} rows but y has {len(targets)}.")
    return _iter_blocks(rows, targets, batch_size, shuffle, shuffle_buffer, rng)


def _iter_blocks(rows: _Rows, targets: _Rows | None, batch_size: int, shuffle: bool,
                 shuffle_buffer: int, rng: np.random.RandomState) -> Iterator[Batch]:
    n = len(rows)
    starts = np.arange(0, n, batch_size)
    group = shuffle_buffer if shuffle else 1
    if shuffle:
        starts = starts[rng.permutation(len(starts))]
    X_buf: NDArray[Any] | None
    y_buf: NDArray[Any] | None
    for g in range(0, len(starts), group):
        blocks = [(int(s), min(int(s) + batch_size, n)) for s in starts[g:g + group]]
        total = sum(b - a for a, b in blocks)
        # Drop the previous buffer first: peak memory is one buffer, one
        # block being read and one batch.
        X_buf = y_buf = None
        X_buf = _gather(rows, blocks, total)
        y_buf = None if targets is None else _gather(targets, blocks, total)
        if shuffle:
            order = rng.permutation(total)
            for a in range(0, total, batch_size):
                take = order[a:a + batch_size]
                yield X_buf[take], None if y_buf is None else y_buf[take]
        else:
            # One block per buffer: hand the buffer itself over.
            yield X_buf, y_buf


def _gather(rows: _Rows, blocks: list[tuple[int, int]], total: int) -> NDArray[Any]:
    """Rows of the blocks, one after the other, in one new array."""
    first = np.asarray(rows[blocks[0][0]:blocks[0][1]])
    if len(blocks) == 1:
        return np.ascontiguousarray(first)
    out = np.empty((total,) + first.shape[1:], dtype=first.dtype)
    out[:len(first)] = first
    position = len(first)
    del first
    for a, b in blocks[1:]:
        out[position:position + b - a] = rows[a:b]
        position += b - a
    return out


def _iter_chunks(chunks: Iterable[Any], batch_size: int, shuffle: bool,
                 rng: np.random.RandomState) -> Iterator[Batch]:
    try:
        stream = iter(chunks)
    except TypeError:
        raise TypeError("X must be an array, a .npy path or an iterable of "
                        f"chunks; got {type(chunks).__name__}.") from None
    for number, chunk in enumerate(stream):
        if isinstance(chunk, tuple):
            if len(chunk) != 2:
                raise ValueError(f"chunk {number} is a tuple of {len(chunk)}; expected "
                                 "(X_chunk, y_chunk).")
            Xc, yc = np.asarray(chunk[0]), np.asarray(chunk[1])
            if len(Xc) != len(yc):
                raise ValueError(f"chunk {number}: X has {len(Xc)} rows but y has "
                                 f"{len(yc)}.")
        else:
            Xc, yc = np.asarray(chunk), None
        if shuffle:
            order = rng.permutation(len(Xc))
            Xc = Xc[order]
            yc = None if yc is None else yc[order]
        for a in range(0, len(Xc), batch_size):
            yield (np.ascontiguousarray(Xc[a:a + batch_size]),
                   None if yc is None else yc[a:a + batch_size])


def partial_fit_stream(
        model: _Model,
        X: ArrayLike | PathLike | NpyFile | Iterable[Any] | Callable[[], Iterable[Any]],
        y: ArrayLike | PathLike | NpyFile | None = None, *, batch_size: int = 10_000,
        epochs: int = 1, classes: ArrayLike | None = None, shuffle: bool = True,
        shuffle_buffer: int = 8, random_state: int | np.random.RandomState | None = None,
) -> _Model:
    """Train ``model`` with ``partial_fit`` on batches of X, for some epochs.

    Parameters
    ----------
    model : estimator with partial_fit
        Each batch is one ``partial_fit`` call (for fnn's MLPs: one epoch over
        the batch, in mini-batches of the model's own ``batch_size``).
    X, y
        As for :func:`iter_batches`.  For more than one epoch a stream of
        chunks must be given as a function returning a new iterable.
    batch_size : int, default=10000
        Rows per ``partial_fit`` call.
    epochs : int, default=1
    classes : array-like or None
        For classifiers: every label.  When None and y is an array or a path,
        ``np.unique(y)`` (targets are usually small next to X).
    shuffle, shuffle_buffer, random_state
        As for :func:`iter_batches`; one generator serves all epochs, so each
        epoch has its own order.

    Returns
    -------
    model
    """
    from ._validation import check_random_state

    if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) \
            or epochs < 1:
        raise ValueError(f"epochs must be a positive int; got {epochs!r}.")
    rng = check_random_state(random_state)
    wants_classes = "classes" in _parameters(model.partial_fit)
    if wants_classes and classes is None and y is not None \
            and "classes_" not in vars(model):
        targets = _as_rows(y, "y")
        classes = np.unique(np.asarray(targets[:]))
    for epoch in range(epochs):
        source = X
        if callable(X) and not hasattr(X, "shape"):
            source = X()
        elif epochs > 1 and _as_rows(X, "X") is None and iter(X) is X:
            raise ValueError("X is a one-shot iterator and cannot be read for "
                             f"epochs={epochs}; pass a function returning a new "
                             "iterator, or a list.")
        for Xb, yb in iter_batches(source, y, batch_size, shuffle=shuffle,
                                   shuffle_buffer=shuffle_buffer, random_state=rng):
            if wants_classes and classes is not None:
                model.partial_fit(Xb, yb, classes=classes)
            else:
                model.partial_fit(Xb, yb)
    return model


def _parameters(function: Callable[..., Any]) -> Mapping[str, inspect.Parameter]:
    import inspect

    try:
        return inspect.signature(function).parameters
    except (TypeError, ValueError):
        return {}
