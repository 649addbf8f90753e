"""Reading data sets from files, and streaming data larger than memory.

read_csv            CSV text: features and a target column, header detected
read_svmlight       libsvm / svmlight text (``label idx:val ...``), as dense X
read_npz, read_npy  NumPy files, never unpickled
read_idx            IDX files (MNIST, Fashion-MNIST), gzipped or not
load_fashion_mnist  the Fashion-MNIST train and test sets as float32 in [0, 1]
NpyFile             rows of a .npy file read on demand, without mapping it whole
iter_batches        shuffled in-memory batches from arrays, files or chunk streams
partial_fit_stream  train a model with partial_fit on such batches, epoch by epoch

Readers return ``(X, y)`` with X a 2-D float array; their errors are
ValueErrors that name the file, the line and the column.
"""
import csv
import gzip
import math
import numbers
import os

import numpy as np

#: Where Debian's `dataset-fashion-mnist` package puts the files.
FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"

_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4",
              0x0E: ">f8"}


def read_idx(path):
    """Read an IDX file (the MNIST format) into a NumPy array.

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
        If the file is not a well-formed IDX file.
    """
    path = os.fspath(path)
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_TYPES:
        raise ValueError(f"{path} is not an IDX file (bad magic number).")
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{path}: IDX header is truncated.")
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_IDX_TYPES[data[2]])
    expected = header + int(np.prod(shape)) * dtype.itemsize
    if len(data) != expected:
        raise ValueError(f"{path}: IDX header announces shape {shape} "
                         f"({expected} bytes) but the file has {len(data)} bytes.")
    array = np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder("="))


def load_fashion_mnist(path=None):
    """Load Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017).

    Parameters
    ----------
    path : str or None
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

    def find(stem):
        for name in (stem + ".gz", stem):
            candidate = os.path.join(folder, name)
            if os.path.exists(candidate):
                return candidate
        raise FileNotFoundError(
            f"Fashion-MNIST file {stem}[.gz] not found in {folder}. On Debian or "
            "Ubuntu: `apt-get install dataset-fashion-mnist`; otherwise download the "
            "four IDX files from the Fashion-MNIST repository and pass their folder "
            "as path=.")

    def images(stem):
        raw = read_idx(find(stem))
        return (raw.reshape(len(raw), -1) / np.float32(255)).astype(np.float32)

    def labels(stem):
        return read_idx(find(stem)).astype(np.int64)

    return (images("train-images-idx3-ubyte"), labels("train-labels-idx1-ubyte"),
            images("t10k-images-idx3-ubyte"), labels("t10k-labels-idx1-ubyte"))


# ----------------------------------------------------------------------
# Text formats
# ----------------------------------------------------------------------
def _open_text(path):
    path = os.fspath(path)
    if path.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def _parse_number(text):
    """float(text), or None when text is not a plain number."""
    if "_" in text:  # float() takes "1_000"; CSV readers elsewhere do not
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _labels(values):
    """Target values as int64 when all are integers, float64 when all are
    numbers, and unicode strings otherwise."""
    numbers_ = [_parse_number(v) for v in values]
    if any(v is None for v in numbers_):
        return np.array(values, dtype=str)
    try:
        return np.array([int(v) for v in values], dtype=np.int64)
    except (ValueError, OverflowError):
        return np.array(numbers_, dtype=np.float64)


def _clip(text, limit=40):
    return repr(text) if len(text) <= limit else repr(text[:limit - 3] + "...")


def read_csv(path, target=None, *, header="auto", delimiter=",", dtype=np.float64):
    """Read a CSV file of numeric features and an optional target column.

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
        For a missing target column, rows of different lengths, or a
        feature that is not a number (naming its line and column).
    """
    path = os.fspath(path)
    if header not in ("auto", True, False):
        raise ValueError(f"header must be 'auto', True or False; got {header!r}.")
    dtype = _float_dtype(dtype)
    with _open_text(path) as f:
        reader = csv.reader(f, delimiter=delimiter)
        rows, lines = [], []
        try:
            for row in reader:
                row = [field.strip() for field in row]
                if any(row):
                    rows.append(row)
                    lines.append(reader.line_num)
        except csv.Error as exc:
            raise ValueError(f"{path}, line {reader.line_num}: {exc}") from None
    if not rows:
        raise ValueError(f"{path} holds no data.")
    if header == "auto":
        header = any(_parse_number(field) is None for field in rows[0])
    names = rows[0] if header else None
    if header:
        rows, lines = rows[1:], lines[1:]
        if not rows:
            raise ValueError(f"{path} has a header row but no data.")
    width = len(names) if names is not None else len(rows[0])
    for row, line in zip(rows, lines):
        if len(row) != width:
            raise ValueError(f"{path}, line {line}: {len(row)} fields, but "
                             f"{'the header has' if names else 'the first row has'} "
                             f"{width}.")
    column = None if target is None else _column_index(target, names, width, path)
    features = [j for j in range(width) if j != column]
    if not features:
        raise ValueError(f"{path}: no feature columns besides the target.")
    X = np.empty((len(rows), len(features)), dtype=np.float64)
    for i, (row, line) in enumerate(zip(rows, lines)):
        for k, j in enumerate(features):
            value = _parse_number(row[j])
            if value is None:
                where = f"column {j}" + (f" ({names[j]!r})" if names else "")
                what = "is empty" if not row[j] else f"has {row[j]!r}, not a number"
                raise ValueError(f"{path}, line {line}, {where} {what}.")
            X[i, k] = value
    if column is None:
        return X.astype(dtype, copy=False), None
    values = [row[column] for row in rows]
    for value, line in zip(values, lines):
        if not value:
            raise ValueError(f"{path}, line {line}: the target "
                             f"({_describe_column(column, names)}) is empty.")
    return X.astype(dtype, copy=False), _labels(values)


def _describe_column(column, names):
    return f"column {column}" + (f", {names[column]!r}" if names else "")


def _column_index(target, names, width, path):
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
        if not -width <= target < width:
            raise ValueError(f"target column {target} is out of range: {path} has "
                             f"{width} columns.")
        return int(target) % width
    raise TypeError(f"target must be a column name, an index or None; got {target!r}.")


def _float_dtype(dtype):
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64; got {dtype}.")
    return dtype


def read_svmlight(path, n_features=None, *, zero_based="auto", dtype=np.float64):
    """Read a libsvm / svmlight file into a dense array.

    Each line is ``label index:value index:value ...`` with increasing
    indices; ``#`` starts a comment; ``qid:n`` fields are ignored.  The
    result equals ``sklearn.datasets.load_svmlight_file(path)`` with its
    sparse X made dense.

    Parameters
    ----------
    path : str or path-like
        The file; a name ending in ``.gz`` is decompressed.
    n_features : int or None, default=None
        Columns of X; by default the largest index in the file.  Give it when
        reading a test file that may lack the last features.
    zero_based : bool or 'auto', default='auto'
        Whether the indices start at 0.  'auto' (as scikit-learn): 1-based
        unless some index is 0.
    dtype : float32 or float64, default=float64

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,) float64
    """
    path = os.fspath(path)
    if zero_based not in ("auto", True, False):
        raise ValueError(f"zero_based must be 'auto', True or False; got "
                         f"{zero_based!r}.")
    if n_features is not None and (isinstance(n_features, bool) or not isinstance(
            n_features, numbers.Integral) or n_features < 1):
        raise ValueError(f"n_features must be a positive int or None; got "
                         f"{n_features!r}.")
    dtype = _float_dtype(dtype)
    labels, rows, cols, values = [], [], [], []
    with _open_text(path) as f:
        for line_no, line in enumerate(f, 1):
            fields = line.split("#", 1)[0].split()
            if not fields:
                continue
            label = _parse_number(fields[0])
            if label is None:
                multilabel = all(_parse_number(part) is not None
                                 for part in fields[0].split(","))
                raise ValueError(f"{path}, line {line_no}: label {_clip(fields[0])} is "
                                 "not a number" + (" (multilabel files are not "
                                                   "supported)" if multilabel else "")
                                 + ".")
            row = len(labels)
            labels.append(label)
            previous = -1
            for field in fields[1:]:
                index, sep, value = field.partition(":")
                if index == "qid":
                    continue
                number = _parse_number(value) if sep else None
                if not index.isdigit() or number is None:
                    raise ValueError(f"{path}, line {line_no}: {field!r} is not "
                                     "index:value.")
                index = int(index)
                if index <= previous:
                    raise ValueError(f"{path}, line {line_no}: feature indices must "
                                     f"increase; {index} follows {previous}.")
                previous = index
                rows.append(row)
                cols.append(index)
                values.append(number)
    if not labels:
        raise ValueError(f"{path} holds no samples.")
    cols = np.array(cols, dtype=np.intp)
    one_based = cols.size == 0 or cols.min() > 0
    if zero_based is False or (zero_based == "auto" and one_based):
        if cols.size and cols.min() == 0:
            raise ValueError(f"{path}: index 0 found, but zero_based=False.")
        cols -= 1
    needed = int(cols.max()) + 1 if cols.size else 0
    if n_features is None:
        n_features = needed
    elif n_features < needed:
        raise ValueError(f"n_features={n_features}, but {path} has features up to "
                         f"{needed}.")
    X = np.zeros((len(labels), n_features), dtype=dtype)
    X[np.array(rows, dtype=np.intp), cols] = values
    return X, np.array(labels, dtype=np.float64)


# ----------------------------------------------------------------------
# NumPy files
# ----------------------------------------------------------------------
def read_npy(path, mmap_mode=None):
    """Load a .npy array without ever unpickling.

    Parameters
    ----------
    path : str or path-like
    mmap_mode : None or 'r', default=None
        'r' maps the file read-only instead of reading it (see also
        :class:`NpyFile`, which keeps even the address space small).

    Returns
    -------
    ndarray
    """
    path = os.fspath(path)
    try:
        array = np.load(path, mmap_mode=mmap_mode, allow_pickle=False)
    except (ValueError, EOFError) as exc:
        raise ValueError(f"{path} is not a readable .npy file: {exc}") from None
    if not isinstance(array, np.ndarray):
        raise ValueError(f"{path} is an .npz archive; use read_npz.")
    return array


def read_npz(path, x="X", y="y"):
    """Load features and targets from an .npz archive, never unpickling.

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
    """
    path = os.fspath(path)
    try:
        archive = np.load(path, allow_pickle=False)
    except (ValueError, EOFError, OSError) as exc:
        if isinstance(exc, (FileNotFoundError, PermissionError, IsADirectoryError)):
            raise
        raise ValueError(f"{path} is not a readable .npz file: {exc}") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(f"{path} is a single .npy array, not an .npz archive of "
                         f"{x!r} and {y!r}.")
    with archive:
        if x not in archive.files:
            raise ValueError(f"{path} has no array {x!r}; it holds {archive.files}.")
        try:
            X = archive[x]
            target = archive[y] if y in archive.files else None
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from None
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
    shape : tuple
    dtype : numpy dtype (native byte order; big-endian data is converted)

    Examples
    --------
    >>> rows = NpyFile("X.npy")              # doctest: +SKIP
    >>> first = rows[:1000]                  # an ndarray of 1000 rows
    """

    def __init__(self, path):
        self.path = os.fspath(path)
        with open(self.path, "rb") as f:
            try:
                version = np.lib.format.read_magic(f)
                read_header = {(1, 0): np.lib.format.read_array_header_1_0,
                               (2, 0): np.lib.format.read_array_header_2_0}.get(version)
                if read_header is None:
                    raise ValueError(f"unsupported .npy version {version}")
                shape, fortran_order, dtype = read_header(f)
            except (ValueError, EOFError) as exc:
                raise ValueError(f"{self.path} is not a readable .npy file: "
                                 f"{exc}") from None
            self._offset = f.tell()
            size = os.fstat(f.fileno()).st_size
        if dtype.hasobject or dtype.kind not in "biuf":
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

    def __len__(self):
        return self.shape[0]

    @property
    def ndim(self):
        return len(self.shape)

    def __getitem__(self, index):
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

    def __repr__(self):
        return f"NpyFile({self.path!r}, shape={self.shape}, dtype={self.dtype})"


# ----------------------------------------------------------------------
# Streaming
# ----------------------------------------------------------------------
def _as_rows(data, name):
    """Something that has len() and gives contiguous rows by slicing."""
    if isinstance(data, (str, os.PathLike)):
        return NpyFile(data)
    if isinstance(data, NpyFile) or (hasattr(data, "shape") and
                                     hasattr(data, "__getitem__")):
        if len(data.shape) == 0:
            raise ValueError(f"{name} must have rows; got a scalar.")
        return data
    if hasattr(data, "to_numpy"):  # pandas
        return data.to_numpy()
    if isinstance(data, (list, tuple)):  # data, as everywhere in fnn
        return np.asarray(data)
    return None


def iter_batches(X, y=None, batch_size=10_000, *, shuffle=True, shuffle_buffer=8,
                 random_state=None):
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


def _iter_blocks(rows, targets, batch_size, shuffle, shuffle_buffer, rng):
    n = len(rows)
    starts = np.arange(0, n, batch_size)
    group = shuffle_buffer if shuffle else 1
    if shuffle:
        starts = starts[rng.permutation(len(starts))]
    X_buf = y_buf = None
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


def _gather(rows, blocks, total):
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


def _iter_chunks(chunks, batch_size, shuffle, rng):
    try:
        chunks = iter(chunks)
    except TypeError:
        raise TypeError("X must be an array, a .npy path or an iterable of "
                        f"chunks; got {type(chunks).__name__}.") from None
    for number, chunk in enumerate(chunks):
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


def partial_fit_stream(model, X, y=None, *, batch_size=10_000, epochs=1, classes=None,
                       shuffle=True, shuffle_buffer=8, random_state=None):
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


def _parameters(function):
    import inspect

    try:
        return inspect.signature(function).parameters
    except (TypeError, ValueError):
        return {}
