"""What training reports while it runs, by the estimator's ``verbose``.

- ``verbose >= 1`` (or True): scikit-learn's lines on stdout, exactly as its
  MLPs print them: ``Iteration N, loss = ...`` after each epoch,
  ``Validation score: ...`` after it with early stopping, and the reason
  training stopped.
- ``verbose >= 2``: also a progress bar on stderr (tqdm, a dependency of
  fnn) with the loss, examples/s and validation score; the lines are then
  written above the bar.
- ``verbose=0`` or False: silent.
"""
from __future__ import annotations

import sys
import time
from typing import Any


class EpochProgress:
    """Report epochs as they finish.

    Parameters
    ----------
    verbose : bool or int
        The estimator's ``verbose``.
    max_epochs : int
        Length of the bar.
    description : str
        The bar's label.
    """

    def __init__(self, verbose: bool | int, max_epochs: int,
                 description: str = "fit") -> None:
        self._lines = verbose >= 1
        self._bar: Any = None  # a tqdm bar (tqdm ships no types)
        self._start = time.perf_counter()
        self._stats: dict[str, str] = {}
        if verbose < 2:
            return
        try:
            from tqdm.auto import tqdm
        except ImportError:  # tqdm missing: lines only
            return
        self._bar = tqdm(total=max_epochs, desc=description, unit="epoch",
                         file=sys.stderr, dynamic_ncols=True, leave=True)

    def iteration(self, n_iter: int, loss: float, n_examples: int) -> None:
        """Epoch number `n_iter` (1-based) ended with mean loss `loss` after
        training on `n_examples` examples."""
        self.message("Iteration %d, loss = %.8f" % (n_iter, loss))
        if self._bar is not None:
            now = time.perf_counter()
            rate = n_examples / max(now - self._start, 1e-12)
            self._start = now
            self._stats = {"loss": f"{loss:.6f}", "examples/s": f"{rate:,.0f}"}
            self._bar.set_postfix(self._stats, refresh=False)
            self._bar.update(1)

    def validation_score(self, score: float) -> None:
        """The epoch's score on the held-out validation set."""
        self.message("Validation score: %f" % score)
        if self._bar is not None:
            self._stats["val_score"] = f"{score:.4f}"
            self._bar.set_postfix(self._stats)

    def message(self, text: str) -> None:
        """A line on stdout (e.g. why training stopped), above the bar."""
        if not self._lines:
            return
        if self._bar is not None:
            self._bar.write(text, file=sys.stdout)
        else:
            print(text)

    def close(self) -> None:
        """Close the bar, if any; the lines need no closing."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
