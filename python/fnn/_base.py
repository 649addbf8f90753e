"""The estimator protocol fnn shares with scikit-learn, without importing it.

get_params / set_params / repr follow scikit-learn's conventions (parameters
are exactly the constructor's arguments, stored unchanged), so clone,
Pipeline and GridSearchCV work, while scikit-learn stays an optional
dependency.
"""
import contextlib
import inspect
import threading


class ParamsMixin:
    """get_params, set_params and a repr from the constructor's signature."""

    @classmethod
    def _param_names(cls):
        signature = inspect.signature(cls.__init__)
        return sorted(
            name for name, p in signature.parameters.items()
            if name != "self" and p.kind != p.VAR_KEYWORD
        )

    def get_params(self, deep=True):
        """Parameters of this estimator, as passed to the constructor."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        """Set constructor parameters; returns self."""
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(
                    f"Invalid parameter {name!r} for {type(self).__name__}; "
                    f"valid parameters are {valid}."
                )
            setattr(self, name, value)
        return self

    @contextlib.contextmanager
    def _fitting(self):
        """Hold this estimator's fit lock: fits of one estimator run one at
        a time (a second thread's fit waits), while predictions go on
        reading the fitted state the last fit published.

        The lock is made on first use (dict.setdefault is atomic, so two
        threads get the same lock) and is left out of pickles and copies.
        """
        lock = self.__dict__.setdefault("_fit_lock", threading.RLock())
        with lock:
            yield

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_fit_lock", None)
        return state

    def save(self, path):
        """Write this estimator to ``path`` in fnn's model format.

        The file is an ``.npz`` archive with a JSON header that loading never
        executes (see :func:`fnn.load` and docs/model-format.md); it is
        written atomically, so a crash never leaves a torn file.

        Parameters
        ----------
        path : str or path-like
            Where to write; ``.fnn`` by convention.
        """
        from . import _persistence

        _persistence.save(self, path)

    def __repr__(self):
        defaults = {
            name: p.default
            for name, p in inspect.signature(type(self).__init__).parameters.items()
        }
        changed = []
        for name, value in self.get_params().items():
            default = defaults.get(name)
            try:
                same = bool(value == default) and type(value) is type(default)
            except (ValueError, TypeError):  # arrays compare element-wise
                same = False
            if not same:
                changed.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(changed)})"
