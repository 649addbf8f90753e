"""The UCI handwritten digits, bundled for the demo and the tests."""
import gzip
from importlib import resources

import numpy as np
from numpy.typing import NDArray


def load_digits() -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Load the 1,797 8x8 handwritten digit images (10 classes).

    Returns
    -------
    X : ndarray of shape (1797, 64), float64
        Pixel intensities, integers 0..16.
    y : ndarray of shape (1797,), int64
        Digit labels 0..9.

    Notes
    -----
    The test set of "Optical Recognition of Handwritten Digits" (E. Alpaydin
    and C. Kaynak, 1998), UCI Machine Learning Repository, licensed CC BY 4.0;
    see data/README.md.
    """
    path = resources.files(__package__).joinpath("data").joinpath("digits.csv.gz")
    with path.open("rb") as raw, gzip.open(raw, "rt") as f:
        data = np.loadtxt(f, delimiter=",")
    return data[:, :-1], data[:, -1].astype(np.int64)
