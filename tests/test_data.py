"""fnn.data: IDX files and Fashion-MNIST."""
import gzip

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from fnn import data


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
