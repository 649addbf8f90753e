"""Reading data sets from files.

read_idx            IDX files (MNIST, Fashion-MNIST), gzipped or not
load_fashion_mnist  the Fashion-MNIST train and test sets as float32 in [0, 1]
"""
import gzip
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
