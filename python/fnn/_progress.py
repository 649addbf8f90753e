"""Progress of training, one line or bar per epoch, for ``verbose=True``.

With tqdm installed (a dependency of fnn) a bar over the epochs shows the
loss, examples/s and, with early stopping, the validation score.  Silent
unless the estimator's ``verbose`` asks for it.
"""
import sys
import time


class EpochProgress:
    """Report epochs as they finish.

    Parameters
    ----------
    enabled : bool
        The estimator's ``verbose``; nothing is printed when False.
    max_epochs : int
        Length of the bar.
    """

    def __init__(self, enabled, max_epochs, description="fit"):
        self._bar = None
        self._enabled = bool(enabled)
        self._start = time.perf_counter()
        if not self._enabled:
            return
        try:
            from tqdm.auto import tqdm
        except ImportError:  # tqdm missing: plain lines
            return
        self._bar = tqdm(total=max_epochs, desc=description, unit="epoch",
                         file=sys.stderr, dynamic_ncols=True, leave=True)

    def epoch_done(self, epoch, loss, n_examples, validation_score=None):
        """Report one finished epoch of `n_examples` examples."""
        if not self._enabled:
            return
        now = time.perf_counter()
        rate = n_examples / max(now - self._start, 1e-12)
        self._start = now
        if self._bar is not None:
            stats = {"loss": f"{loss:.6f}", "examples/s": f"{rate:,.0f}"}
            if validation_score is not None:
                stats["val_score"] = f"{validation_score:.4f}"
            self._bar.set_postfix(stats, refresh=False)
            self._bar.update(1)
            return
        line = f"Iteration {epoch}, loss = {loss:.8f}, {rate:,.0f} examples/s"
        if validation_score is not None:
            line += f", validation score = {validation_score:.6f}"
        print(line, file=sys.stderr)

    def message(self, text):
        """A note (e.g. why training stopped) without breaking the bar."""
        if not self._enabled:
            return
        if self._bar is not None:
            self._bar.write(text, file=sys.stderr)
        else:
            print(text, file=sys.stderr)

    def close(self):
        if self._bar is not None:
            self._bar.close()
            self._bar = None
