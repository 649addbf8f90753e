"""fnn.data: IDX files and Fashion-MNIST."""
import gzip
import os

import numpy as np
import pytest
from scipy import sparse
from numpy.testing import assert_array_equal

from fnn import _bounded_read, data


def _write_idx(path, array, code=0x08):
    header = bytes([0, 0, code, array.ndim]) + b"".join(
        int(n).to_bytes(4, "big") for n in array.shape)
    payload = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wb") as f:
        f.write(payload)


@pytest.mark.parametrize("name", ["images.idx", "images.idx.gz"])
def test_read_idx_round_trip(tmp_path, name):
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    _write_idx(tmp_path / name, array)
    assert_array_equal(data.read_idx(tmp_path / name), array)


def test_read_idx_big_endian_floats(tmp_path):
    array = np.linspace(-1, 1, 6).astype(np.float32)
    _write_idx(tmp_path / "f.idx", array, code=0x0D)
    out = data.read_idx(tmp_path / "f.idx")
    assert out.dtype == np.float32 and out.dtype.isnative
    assert_array_equal(out, array)


def test_read_idx_rejects_bad_files(tmp_path):
    (tmp_path / "junk").write_bytes(b"not an idx file")
    with pytest.raises(ValueError, match="magic"):
        data.read_idx(tmp_path / "junk")
    array = np.zeros((4, 4), np.uint8)
    _write_idx(tmp_path / "short.idx", array)
    (tmp_path / "short.idx").write_bytes((tmp_path / "short.idx").read_bytes()[:-3])
    with pytest.raises(ValueError, match="bytes"):
        data.read_idx(tmp_path / "short.idx")


def test_load_fashion_mnist_from_a_folder(tmp_path):
    rng = np.random.RandomState(0)
    for prefix, n in (("train", 5), ("t10k", 3)):
        _write_idx(tmp_path / f"{prefix}-images-idx3-ubyte.gz",
                   rng.randint(0, 256, (n, 28, 28)).astype(np.uint8))
        _write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte.gz",
                   rng.randint(0, 10, n).astype(np.uint8))
    X_train, y_train, X_test, y_test = data.load_fashion_mnist(tmp_path)
    assert X_train.shape == (5, 784) and X_test.shape == (3, 784)
    assert X_train.dtype == np.float32 and y_train.dtype == np.int64
    assert 0 <= X_train.min() and X_train.max() <= 1


def test_load_fashion_mnist_says_how_to_get_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="apt-get install dataset-fashion-mnist"):
        data.load_fashion_mnist(tmp_path)


def test_installed_fashion_mnist_is_read():
    X_train, y_train, X_test, y_test = data.load_fashion_mnist()
    assert X_train.shape == (60000, 784) and X_test.shape == (10000, 784)
    assert set(np.unique(y_train)) == set(range(10))


# ----------------------------------------------------------------------
# CSV
# ----------------------------------------------------------------------
CSV_TEXT = """sepal,petal, width ,species
5.1,1.4,0.2,setosa

"4.9",1.4,0.2,setosa
7.0,4.7,1.4,versicolor
6.3,6.0,2.5,virginica
"""


@pytest.mark.parametrize("target", ["species", 3, -1])
def test_read_csv_matches_pandas(tmp_path, target):
    pd = pytest.importorskip("pandas")
    path = tmp_path / "iris.csv"
    path.write_text(CSV_TEXT)
    X, y = data.read_csv(path, target=target)
    frame = pd.read_csv(path, skipinitialspace=True)
    assert_array_equal(X, frame.iloc[:, :3].to_numpy(np.float64))
    assert X.dtype == np.float64
    assert y.dtype.kind == "U"
    assert_array_equal(y, frame["species"].to_numpy().astype(str))


def test_read_csv_numeric_targets_and_no_header(tmp_path, rng):
    pd = pytest.importorskip("pandas")
    X = rng.normal(size=(20, 3)).round(6)
    labels = rng.randint(-2, 5, 20)
    path = tmp_path / "numbers.csv"
    np.savetxt(path, np.column_stack([labels, X]), delimiter=",", fmt="%.6g")
    # Labels written as "3" (no decimal point) come back as int64.
    Xr, yr = data.read_csv(path, target=0, dtype=np.float32)
    frame = pd.read_csv(path, header=None)
    assert Xr.dtype == np.float32 and yr.dtype == np.int64
    assert_array_equal(Xr, frame.iloc[:, 1:].to_numpy(np.float32))
    assert_array_equal(yr, labels)
    # Real-valued targets stay float64; target=None keeps every column.
    path.write_text("1.5,2\n-0.25,3e2\n")
    X_all, none = data.read_csv(path)
    assert none is None
    assert_array_equal(X_all, [[1.5, 2], [-0.25, 300]])
    _, y_float = data.read_csv(path, target=0)
    assert y_float.dtype == np.float64
    assert_array_equal(y_float, [1.5, -0.25])


def test_read_csv_gzip_and_forced_header(tmp_path):
    with gzip.open(tmp_path / "d.csv.gz", "wt") as f:
        f.write("1,2,3\n4,5,6\n")
    X, y = data.read_csv(tmp_path / "d.csv.gz", target=-1, header=True)
    assert_array_equal(X, [[4, 5]])
    assert_array_equal(y, [6])


@pytest.mark.parametrize("text, expected", [
    ("\ufeff\n  sepal , petal,species\n1,2,a\n", ["sepal", "petal", "species"]),
    ("1.5,2,3e2\n4,5,6\n", None),        # numbers only: data, not names
    ("1,2,x\n", ["1", "2", "x"]),         # one field that is not a number
    ("1_000,2\n", ["1_000", "2"]),        # read_csv's numbers, not float()'s
    ("\n\n", None),                       # no row at all
])
def test_read_csv_header_is_read_csvs_header_rule(tmp_path, text, expected):
    path = tmp_path / "h.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write(text)
    assert data.read_csv_header(path) == expected
    if expected is not None and len(expected) == 3 and text.count("\n") > 2:
        # read_csv reads the same names: the target by name.
        _, y = data.read_csv(path, target=expected[-1])
        assert y is not None
    tsv = tmp_path / "h.tsv"
    tsv.write_text(text.replace(",", "\t"), encoding="utf-8")
    assert data.read_csv_header(tsv, delimiter="\t") == expected


def test_read_csv_header_refuses_what_read_csv_refuses(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"a,\xff\n1,2\n")
    with pytest.raises(ValueError, match="bad.csv, line 1: not UTF-8"):
        data.read_csv_header(path)


@pytest.mark.parametrize("text, target, message", [
    (CSV_TEXT, "colour", r"no column 'colour'; its columns are 'sepal', 'petal'"),
    (CSV_TEXT, 7, "out of range"),
    ("1,2\n3,4\n", "a", "no header row"),
    ("a,b,c\n1,2,3\n4,5\n", "c", r"line 3: 2 fields, but the header has 3"),
    ("a,b,c\n1,2,3\n4,x,6\n", "c", r"line 3, column 1 \('b'\) has 'x', not a number"),
    ("a,b,c\n1,,3\n", "c", r"line 2, column 1 \('b'\) is empty"),
    ("a,b,c\n1,2,\n", "c", "line 2: the target .* is empty"),
    ("\n\n", None, "no data"),
    ("a,b\n", None, "no data"),
])
def test_read_csv_errors_name_the_problem(tmp_path, text, target, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        data.read_csv(path, target=target)


# ----------------------------------------------------------------------
# svmlight / libsvm
# ----------------------------------------------------------------------
def _write_svmlight(path, rng, n=40, n_features=12, zero_based=False):
    lines = ["# a comment line", ""]
    for i in range(n):
        label = rng.choice(["+1", "-1", "2", "0.5", "3e0"])
        columns = np.flatnonzero(rng.rand(n_features) < 0.3)
        fields = [f"{c + (0 if zero_based else 1)}:{v:.6g}"
                  for c, v in zip(columns, rng.normal(size=len(columns)) * 1e3)]
        if i % 7 == 0:
            fields.insert(0, f"qid:{i}")
        lines.append(" ".join([label, *fields]) + ("  # trailing" if i % 5 == 0 else ""))
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("zero_based", [False, True])
def test_read_svmlight_equals_scikit_learn(tmp_path, rng, zero_based):
    datasets = pytest.importorskip("sklearn.datasets")
    path = tmp_path / "data.svm"
    _write_svmlight(path, rng, zero_based=zero_based)
    X, y = data.read_svmlight(path)
    X_ref, y_ref = datasets.load_svmlight_file(str(path))
    assert sparse.issparse(X) and X.format == "csr" and X.has_canonical_format
    assert X.dtype == np.float64 and y.dtype == np.float64
    assert X.shape == X_ref.shape and X.nnz == X_ref.nnz
    assert_array_equal(X.toarray(), X_ref.toarray())
    assert_array_equal(y, y_ref)
    X, _ = data.read_svmlight(path, n_features=20, dtype=np.float32)
    X_ref = datasets.load_svmlight_file(str(path), n_features=20, dtype=np.float32)[0]
    assert X.dtype == np.float32 and X.shape == (40, 20)
    assert_array_equal(X.toarray(), X_ref.toarray())


@pytest.mark.parametrize("text, message", [
    ("1 3:1 2:1\n", "must increase"),
    ("1 2:1 2:1\n", "must increase"),
    ("1 a:1\n", "not index:value"),
    ("1 2:x\n", "not index:value"),
    ("1 -2:1\n", "not index:value"),
    ("yes 1:1\n", "label 'yes' is not a number"),
    ("1,2 1:1\n", "multilabel"),
    ("# nothing\n", "no samples"),
])
def test_read_svmlight_errors(tmp_path, text, message):
    path = tmp_path / "bad.svm"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        data.read_svmlight(path)


def test_read_svmlight_n_features_too_small(tmp_path):
    path = tmp_path / "d.svm"
    path.write_text("1 1:1 5:2\n")
    with pytest.raises(ValueError, match="n_features=3"):
        data.read_svmlight(path, n_features=3)


# ----------------------------------------------------------------------
# NumPy files
# ----------------------------------------------------------------------
def test_read_npz_and_npy(tmp_path, rng):
    X, y = rng.normal(size=(6, 3)).astype(np.float32), np.array(list("abcabc"))
    np.savez(tmp_path / "d.npz", X=X, y=y)
    Xr, yr = data.read_npz(tmp_path / "d.npz")
    assert Xr.dtype == np.float32
    assert_array_equal(Xr, X)
    assert_array_equal(yr, y)
    np.savez(tmp_path / "only.npz", features=X)
    assert data.read_npz(tmp_path / "only.npz", x="features")[1] is None
    with pytest.raises(ValueError, match=r"no array 'X'.*\['features'\]"):
        data.read_npz(tmp_path / "only.npz")
    np.savez(tmp_path / "short.npz", X=X, y=y[:4])
    with pytest.raises(ValueError, match="6 rows but 'y' has 4"):
        data.read_npz(tmp_path / "short.npz")
    np.save(tmp_path / "X.npy", X)
    assert_array_equal(data.read_npy(tmp_path / "X.npy"), X)
    assert isinstance(data.read_npy(tmp_path / "X.npy", mmap_mode="r"), np.memmap)


def test_numpy_readers_never_unpickle(tmp_path):
    objects = np.array([{"a": 1}, None], dtype=object)
    np.savez(tmp_path / "o.npz", X=objects)
    np.save(tmp_path / "o.npy", objects)
    with pytest.raises(ValueError, match="pickle"):
        data.read_npz(tmp_path / "o.npz")
    with pytest.raises(ValueError, match="pickle"):
        data.read_npy(tmp_path / "o.npy")
    with pytest.raises(ValueError, match="pickl"):
        data.NpyFile(tmp_path / "o.npy")


@pytest.mark.parametrize("dtype", ["<f4", ">f8", "<i2", "|u1"])
def test_npy_file_reads_the_rows_np_load_reads(tmp_path, rng, dtype):
    array = (rng.normal(size=(50, 3, 2)) * 100).astype(dtype)
    np.save(tmp_path / "a.npy", array)
    rows = data.NpyFile(tmp_path / "a.npy")
    assert rows.shape == array.shape and len(rows) == 50
    assert rows.dtype.isnative and rows.dtype == array.dtype.newbyteorder("=")
    for index in (slice(0, 50), slice(7, 19), slice(40, None), slice(-3, None),
                  slice(30, 10)):
        assert_array_equal(rows[index], array[index])
    assert_array_equal(rows[-1], array[-1])
    with pytest.raises(ValueError, match="step"):
        rows[::2]


def test_npy_file_refuses_truncated_and_fortran_files(tmp_path):
    np.save(tmp_path / "a.npy", np.zeros((10, 4)))
    raw = (tmp_path / "a.npy").read_bytes()
    (tmp_path / "a.npy").write_bytes(raw[:-8])
    with pytest.raises(ValueError, match="truncated"):
        data.NpyFile(tmp_path / "a.npy")
    np.save(tmp_path / "f.npy", np.asfortranarray(np.zeros((10, 4))))
    with pytest.raises(ValueError, match="Fortran"):
        data.NpyFile(tmp_path / "f.npy")


# ----------------------------------------------------------------------
# Streaming
# ----------------------------------------------------------------------
def _rows_as_set(batches):
    return sorted(map(tuple, np.concatenate([np.column_stack([Xb, yb])
                                             for Xb, yb in batches]).tolist()))


@pytest.mark.parametrize("source", ["array", "memmap", "path", "npyfile"])
def test_iter_batches_visits_every_row_once(tmp_path, source):
    n = 1003
    X = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    y = np.arange(n) % 3
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    X_in, y_in = {
        "array": (X, y),
        "memmap": (np.load(tmp_path / "X.npy", mmap_mode="r"), y),
        "path": (tmp_path / "X.npy", str(tmp_path / "y.npy")),
        "npyfile": (data.NpyFile(tmp_path / "X.npy"), data.NpyFile(tmp_path / "y.npy")),
    }[source]
    batches = list(data.iter_batches(X_in, y_in, 100, random_state=0))
    assert [len(b[0]) for b in batches].count(100) == 10
    assert sum(len(b[0]) for b in batches) == n
    assert all(Xb.dtype == np.float32 and Xb.flags.c_contiguous for Xb, _ in batches)
    assert _rows_as_set(batches) == _rows_as_set([(X, y)])
    for Xb, yb in batches:  # rows and targets stay together
        assert_array_equal(Xb[:, 0] // 2 % 3, yb)
    again = list(data.iter_batches(X_in, y_in, 100, random_state=0))
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(batches, again))
    in_order = list(data.iter_batches(X_in, y_in, 100, shuffle=False))
    assert_array_equal(np.concatenate([b[0] for b in in_order]), X)


def test_iter_batches_mixes_data_sorted_by_class():
    y = np.repeat([0, 1], 5000)
    X = y[:, None].astype(np.float64)
    batches = list(data.iter_batches(X, y, 500, shuffle_buffer=8, random_state=0))
    fractions = np.array([yb.mean() for _, yb in batches])
    # Block-only shuffling would give batches of one class (fraction 0 or 1).
    assert ((fractions > 0.1) & (fractions < 0.9)).mean() > 0.5


def test_iter_batches_over_a_stream_of_chunks(rng):
    chunks = [(rng.normal(size=(n, 2)), np.arange(n)) for n in (250, 30, 120)]
    batches = list(data.iter_batches(iter(chunks), batch_size=100, random_state=0))
    assert [len(Xb) for Xb, _ in batches] == [100, 100, 50, 30, 100, 20]
    assert _rows_as_set(batches) == _rows_as_set(chunks)
    # Shuffled within each chunk only: the first three batches are chunk 0.
    assert_array_equal(np.sort(np.concatenate([yb for _, yb in batches[:3]])),
                       np.arange(250))
    only_X = list(data.iter_batches((X for X, _ in chunks), batch_size=1000,
                                    shuffle=False))
    assert [(len(Xb), yb) for Xb, yb in only_X] == [(250, None), (30, None), (120, None)]


def test_iter_batches_errors(rng):
    X = rng.normal(size=(10, 2))
    with pytest.raises(ValueError, match="10 rows but y has 9"):
        data.iter_batches(X, np.zeros(9))
    with pytest.raises(ValueError, match="batch_size"):
        data.iter_batches(X, batch_size=0)
    with pytest.raises(ValueError, match="y must be None"):
        data.iter_batches(iter([X]), np.zeros(10))


def test_partial_fit_stream_is_partial_fit_on_each_batch(rng):
    from fnn import MLPClassifier

    X = rng.normal(size=(600, 4))
    y = np.where(X[:, 0] + X[:, 1] > 0, "pos", "neg")
    streamed = MLPClassifier((5,), random_state=0)
    data.partial_fit_stream(streamed, X, y, batch_size=250, epochs=2, shuffle=False)
    manual = MLPClassifier((5,), random_state=0)
    for _ in range(2):
        for a in range(0, 600, 250):
            manual.partial_fit(X[a:a + 250], y[a:a + 250], classes=["neg", "pos"])
    assert_array_equal(streamed.coefs_[0], manual.coefs_[0])
    assert_array_equal(streamed.classes_, ["neg", "pos"])


def test_partial_fit_stream_needs_a_new_iterator_per_epoch(rng):
    from fnn import MLPRegressor

    X, y = rng.normal(size=(100, 3)), rng.normal(size=100)
    with pytest.raises(ValueError, match="one-shot iterator"):
        data.partial_fit_stream(MLPRegressor(), iter([(X, y)]), epochs=2)
    model = MLPRegressor(hidden_layer_sizes=(4,), random_state=0)
    data.partial_fit_stream(model, lambda: iter([(X, y)]), epochs=3, batch_size=50)
    assert model.t_ == 300


# A child process that caps its own address space below the data file's size
# before streaming through it: the proof that training never holds the file.
_CAPPED_CHILD = r"""
import resource, sys
import numpy as np, scipy, fnn, fnn.data

def vm_size():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) * 1024 for l in f if l.startswith("VmSize"))

headroom = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_AS, (vm_size() + headroom, resource.RLIM_INFINITY))
X_path, y_path = sys.argv[3], sys.argv[4]
if sys.argv[1] == "load":
    try:
        np.load(X_path)
    except MemoryError:
        sys.exit(3)
    sys.exit(0)
model = fnn.MLPClassifier((16,), learning_rate_init=0.01, random_state=0)
fnn.data.partial_fit_stream(model, X_path, y_path, batch_size=10_000,
                            shuffle_buffer=4, random_state=0)
w = np.random.default_rng(1).normal(size=int(sys.argv[5])).astype(np.float32)
X_test = np.random.default_rng(2).standard_normal((5000, len(w)), dtype=np.float32)
print(model.score(X_test, (X_test @ w > 0).astype(np.int64)))
"""


def test_training_streams_a_file_larger_than_the_address_space_allows(tmp_path):
    import subprocess
    import sys

    n, d = 1_000_000, 100  # 400 MB of float32
    w = np.random.default_rng(1).normal(size=d).astype(np.float32)
    X = np.lib.format.open_memmap(tmp_path / "X.npy", mode="w+", dtype=np.float32,
                                  shape=(n, d))
    y = np.empty(n, np.int64)
    gen = np.random.default_rng(0)
    for a in range(0, n, 100_000):
        X[a:a + 100_000] = chunk = gen.standard_normal((100_000, d), dtype=np.float32)
        y[a:a + 100_000] = chunk @ w > 0
    X.flush()
    del X, chunk
    np.save(tmp_path / "y.npy", y)
    size = os.path.getsize(tmp_path / "X.npy")
    # Room for the batches, the network and the BLAS threads' malloc arenas
    # (training peaks about 100 MB above the imports), far below the file.
    headroom = 200 * 2 ** 20
    assert size > 1.9 * headroom
    args = [str(headroom), str(tmp_path / "X.npy"), str(tmp_path / "y.npy"), str(d)]
    try:
        control = subprocess.run([sys.executable, "-c", _CAPPED_CHILD, "load", *args],
                                 capture_output=True, text=True, timeout=60)
        assert control.returncode == 3, control.stderr  # np.load ran out of memory
        result = subprocess.run([sys.executable, "-c", _CAPPED_CHILD, "train", *args],
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        assert float(result.stdout) > 0.9  # chance is 0.5
    finally:
        for name in ("X.npy", "y.npy"):
            os.remove(tmp_path / name)


# ----------------------------------------------------------------------
# Bounded, streamed reading; every failure a ValueError naming file and line
# ----------------------------------------------------------------------
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_read_csv_line_endings(tmp_path, newline):
    path = tmp_path / "d.csv"
    path.write_bytes(newline.join(["a,b,t", "1,2,x", "3,4,y", ""]).encode())
    X, y = data.read_csv(path, target="t")
    assert_array_equal(X, [[1, 2], [3, 4]])
    assert_array_equal(y, ["x", "y"])


@pytest.mark.parametrize("raw, message", [
    (b"a,b\n1,2\n3,\xe9\n", r"line 3: not UTF-8 text \(byte 0xe9\)"),
    (b"a,b\n1,2\n3,\x004\n", r"line 3, column 1 \('b'\) has '\\x004', not a number"),
    (b"1,2\n" + b"9" * (2 ** 24 + 10), "line 2: longer than 16,777,216 characters"),
])
def test_text_readers_name_the_line_of_bad_bytes(tmp_path, raw, message):
    for name, read in (("d.csv", data.read_csv), ("d.svm", data.read_svmlight)):
        path = tmp_path / name
        path.write_bytes(raw.replace(b",", b" 1:") if name == "d.svm" else raw)
        with pytest.raises(ValueError, match=rf"{path}, line"):
            read(path)
    with pytest.raises(ValueError, match=message):
        data.read_csv(tmp_path / "d.csv")


@pytest.mark.parametrize("read, line", [(data.read_csv, b"1,2\n"),
                                        (data.read_svmlight, b"1 1:2\n")])
def test_damaged_gzip_is_a_value_error_naming_the_file(tmp_path, read, line):
    whole = gzip.compress(line * 10000)
    (tmp_path / "cut.gz").write_bytes(whole[:len(whole) // 2])
    (tmp_path / "fake.gz").write_bytes(line)
    for name in ("cut.gz", "fake.gz"):
        with pytest.raises(ValueError, match=rf"{name}, line \d+: the file is damaged"):
            read(tmp_path / name)


def test_read_idx_checks_its_header_before_reading(tmp_path):
    header = bytes([0, 0, 8, 2]) + (10 ** 6).to_bytes(4, "big") * 2
    (tmp_path / "claims.idx").write_bytes(header + bytes(10))
    with pytest.raises(ValueError, match=r"shape \(1000000, 1000000\).*file has 22 "):
        data.read_idx(tmp_path / "claims.idx")
    with gzip.open(tmp_path / "claims.idx.gz", "wb") as f:
        f.write(header + bytes(10))
    with pytest.raises(ValueError, match="more than its .* compressed bytes can hold"):
        data.read_idx(tmp_path / "claims.idx.gz")
    array = np.arange(12, dtype=np.uint8).reshape(3, 4)
    _write_idx(tmp_path / "long.idx.gz", array)
    with gzip.open(tmp_path / "long.idx.gz", "ab") as f:
        f.write(b"extra")
    with pytest.raises(ValueError, match="go on past"):
        data.read_idx(tmp_path / "long.idx.gz")


def test_read_svmlight_returns_sparse_rows_of_any_width(tmp_path):
    path = tmp_path / "wide.svm"
    path.write_text("1 1000000000:2.5\n-1 3:1 7:-1\n")
    X, y = data.read_svmlight(path)
    assert sparse.isspmatrix_csr(X) and X.shape == (2, 1_000_000_000) and X.nnz == 3
    assert X[0, 999_999_999] == 2.5 and X[1, 2] == 1 and X[1, 6] == -1
    assert_array_equal(y, [1, -1])
    with pytest.raises(ValueError, match="has features up to 1000000000"):
        data.read_svmlight(path, n_features=10)
    for bad in (0, 2 ** 31, 1.5, True):
        with pytest.raises(ValueError, match="n_features"):
            data.read_svmlight(path, n_features=bad)
    path.write_text("1 3000000000:1\n")
    with pytest.raises(ValueError, match=r"line 1: feature index '?3000000000'? is beyond"):
        data.read_svmlight(path)


def test_to_dense_refuses_what_does_not_fit(monkeypatch):
    X = sparse.csr_matrix(([1.0, 2.0], ([0, 1], [5, 0])), shape=(2, 6))
    assert_array_equal(data.to_dense(X), X.toarray())
    dense = data.to_dense(X, np.float32)
    assert dense.dtype == np.float32 and dense.flags.c_contiguous
    assert_array_equal(dense, X.toarray())
    assert data.to_dense(dense) is dense
    monkeypatch.setattr(_bounded_read, "memory_available", lambda: 90)
    with pytest.raises(ValueError, match=r"shape \(2, 6\) as a dense float64 array "
                                         "needs 96 bytes, more than the 90 bytes"):
        data.to_dense(X)
    with pytest.raises(ValueError, match="and 100 bytes more"):
        data.to_dense(X, np.float32, reserve=100)


def test_read_npy_never_writes(tmp_path):
    np.save(tmp_path / "X.npy", np.arange(6.0))
    before = (tmp_path / "X.npy").read_bytes()
    for mode in ("w+", "r+", "readwrite", "write"):
        with pytest.raises(ValueError, match="mmap_mode"):
            data.read_npy(tmp_path / "X.npy", mmap_mode=mode)
    copy = data.read_npy(tmp_path / "X.npy", mmap_mode="c")
    copy[0] = 99.0  # copy-on-write: in memory only
    del copy
    assert (tmp_path / "X.npy").read_bytes() == before


def test_read_npz_takes_compressed_and_fortran_arrays(tmp_path, rng):
    X = np.asfortranarray(rng.normal(size=(7, 3)))
    np.savez_compressed(tmp_path / "c.npz", X=X, y=np.arange(7))
    Xr, yr = data.read_npz(tmp_path / "c.npz")
    assert_array_equal(Xr, X)
    assert_array_equal(yr, np.arange(7))
    raw = (tmp_path / "c.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(raw[:-30])
    with pytest.raises(ValueError, match="cut.npz is not a readable .npz file"):
        data.read_npz(tmp_path / "cut.npz")


@pytest.mark.parametrize("files, left", [
    ({"memory.max": "1000000\n", "memory.current": "400000\n"}, 600_000),
    ({"memory.max": "max\n", "memory.current": "400000\n"}, None),
    ({"memory/memory.limit_in_bytes": "5000\n", "memory/memory.usage_in_bytes": "1000"},
     4000),
    ({"memory/memory.limit_in_bytes": "9223372036854771712",
      "memory/memory.usage_in_bytes": "1000"}, None),
    ({}, None),
])
def test_a_containers_memory_limit_bounds_what_readers_allocate(monkeypatch, files,
                                                                 left):
    import io

    def fake_open(path, *args, **kwargs):
        name = str(path).replace("/sys/fs/cgroup/", "")
        if name not in files:
            raise FileNotFoundError(path)
        return io.StringIO(files[name])

    monkeypatch.setattr(_bounded_read, "open", fake_open, raising=False)
    assert _bounded_read.cgroup_memory_left() == left
    monkeypatch.setattr(_bounded_read, "_meminfo", lambda *fields: 10 ** 12)
    monkeypatch.setattr(_bounded_read, "_address_space_left", lambda: None)
    assert _bounded_read.memory_available() == (10 ** 12 if left is None else left)
