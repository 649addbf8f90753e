"""Where each layer's weights live in a network's flat parameter vector.

All parameters of a network are one contiguous 1-D array.  Layer l stores its
coefficient matrix W_l (shape (fan_in, fan_out), row-major, as scikit-learn's
``coefs_[l]``) followed by its intercept vector b_l.  The public ``coefs_``
and ``intercepts_`` are views into that array, so optimisers, checkpoints,
gradient checks and averaging across workers all work on one vector.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, SupportsIndex

import numpy as np
from numpy.typing import ArrayLike, NDArray


class Layout:
    """Offsets of every layer in the flat parameter vector.

    Parameters
    ----------
    layer_units : sequence of int
        ``[n_features, *hidden_layer_sizes, n_outputs]``.
    """

    def __init__(self, layer_units: Iterable[int]) -> None:
        self.layer_units = tuple(int(u) for u in layer_units)
        rows = []
        offset = 0
        for fan_in, fan_out in zip(self.layer_units[:-1], self.layer_units[1:]):
            rows.append((fan_in, fan_out, offset, offset + fan_in * fan_out))
            offset += fan_in * fan_out + fan_out
        #: (n_layers, 4) int array of (fan_in, fan_out, W offset, b offset),
        #: the form the kernels take (see fnncore/_network.pxd).
        self.table = np.array(rows, dtype=np.intp).reshape(-1, 4)
        self.n_params = offset

    @property
    def n_layers(self) -> int:
        """Number of dense layers (weight matrices)."""
        return len(self.table)

    def coefs(self, params: NDArray[Any]) -> list[NDArray[Any]]:
        """Views of ``params`` shaped as each layer's W."""
        return [params[w:w + i * o].reshape(i, o) for i, o, w, _ in self.table]

    def intercepts(self, params: NDArray[Any]) -> list[NDArray[Any]]:
        """Views of ``params`` holding each layer's b."""
        return [params[b:b + o] for _, o, _, b in self.table]


class LayerList(list["NDArray[Any]"]):
    """A list of views into a flat parameter vector.

    Item assignment copies into the view instead of replacing it, so
    ``model.coefs_[0] = W`` changes the model's weights, as it does in
    scikit-learn, while the parameters stay in one buffer.
    """

    # Narrower than list's (no slices, any array-like): slice assignment is
    # refused below, since it would replace views instead of copying into them.
    def __setitem__(self, index: SupportsIndex, value: ArrayLike) -> None:  # type: ignore[override]
        if not isinstance(index, (int, np.integer)):
            raise TypeError("assign layers one at a time, e.g. coefs_[0] = W")
        target = self[index]
        value = np.asarray(value)
        if value.shape != target.shape:
            raise ValueError(
                f"layer {index} has shape {target.shape}; got an array of "
                f"shape {value.shape}"
            )
        if not np.all(np.isfinite(value)):
            raise ValueError(f"layer {index}: weights must be finite")
        target[...] = value
