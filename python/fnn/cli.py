"""The `fnn` command line.

    fnn train DATA [--target COL] [--hidden N ...] [--out MODEL]
                         train an MLP on a data file, report, save the model
    fnn predict MODEL DATA [--out FILE]
                         print or write the model's predictions
    fnn evaluate MODEL DATA [--target COL]
                         accuracy and confusion matrix, or R^2
    fnn demo             train on the bundled handwritten digits and report
    fnn --version

DATA is a CSV file, a libsvm/svmlight file, a NumPy .npz (arrays X and y)
or .npy file, or an IDX images file with --labels (MNIST's format); the
format follows the file name (or --format).  Errors are one line on
stderr, ``fnn: error: ...``, with exit status 2 (1 for a failed run).
Outputs (--out) are checked before any work: never one of the inputs (the
same file under any name), never anything but a regular file, and a model
only over a model; they are written atomically.  docs/cli.md has examples.
"""
import argparse
import csv
import io
import os
import stat
import sys
import time
import warnings
from collections.abc import Sequence
from typing import IO, Any, NoReturn

import numpy as np

from . import MLPClassifier, MLPRegressor, data
from ._atomic_write import check_output_path, write_atomically
from ._base import fill_doc
from ._parallel import available_cores, effective_n_jobs
from ._registry import HIDDEN_ACTIVATIONS
from ._persistence import SCALINGS, ModelInput, check_writable_model_path, \
    load_with_input, save
from ._version import __version__
from .datasets import load_digits
from .exceptions import ConvergenceWarning

#: Classification when the target is not numeric, or has integer values
#: only and at most this many distinct ones; regression otherwise.
MAX_CLASSES = 20

_FORMATS = ("auto", "csv", "tsv", "svmlight", "npz", "npy", "idx")
_EXTENSIONS = {".csv": "csv", ".tsv": "tsv", ".svm": "svmlight", ".svmlight": "svmlight",
               ".libsvm": "svmlight", ".npz": "npz", ".npy": "npy", ".idx": "idx"}


class CommandError(Exception):
    """A problem to report as one line, ``fnn: error: ...``."""


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors as one line (no usage block)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"fnn: error: {message} (see '{self.prog} --help')\n")


# ----------------------------------------------------------------------
# Reading data files
# ----------------------------------------------------------------------
def _guess_format(path: str) -> str:
    name = os.path.basename(path).lower()
    if name.endswith(".gz"):
        name = name[:-3]
    ext = os.path.splitext(name)[1]
    if ext in _EXTENSIONS:
        return _EXTENSIONS[ext]
    if "-ubyte" in name or "idx" in ext:
        return "idx"
    # Unknown name: look at the first bytes, of a regular file only (a pipe
    # or FIFO would lose them to this look, before the reader's).
    try:
        regular = stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        regular = True  # open() below reports what is wrong
    if not regular:
        raise CommandError(f"cannot tell the format of {path} from its name; "
                           "give it with --format")
    with open(path, "rb") as f:
        head = f.read(512)
    if head.startswith(b"PK"):
        return "npz"
    if head.startswith(b"\x93NUMPY"):
        return "npy"
    if len(head) >= 4 and head[:2] == b"\0\0" and head[2] in (8, 9, 11, 12, 13, 14):
        return "idx"
    for line in head.decode("utf-8", "replace").splitlines():
        fields = line.split("#", 1)[0].split()
        if fields:
            return "svmlight" if all(":" in f for f in fields[1:]) and \
                len(fields) > 1 else "csv"
    return "csv"


def _csv_target(path: str, spec: str | None, delimiter: str) -> tuple[Any, Any]:
    """read_csv with --target as a column name, or else as an index."""
    if spec is None:
        return data.read_csv(path, target=-1, delimiter=delimiter)
    try:
        return data.read_csv(path, target=spec, delimiter=delimiter)
    except ValueError as name_error:
        try:
            index = int(spec)
        except ValueError:
            raise name_error from None
        try:
            return data.read_csv(path, target=index, delimiter=delimiter)
        except ValueError:
            raise name_error from None


def _format_of(path: str, fmt: str) -> str:
    return _guess_format(path) if fmt == "auto" else fmt


def _csv_columns(path: str, fmt: str) -> list[str] | None:
    """The names in the header row of a CSV/TSV file (fnn.data.read_csv_header),
    or None when it has none or is not CSV.  A file read_csv would refuse
    gives None here; read_csv says why.  Only a regular file is read twice
    (header here, rows by read_csv): a pipe or FIFO would lose its first
    rows to this read, or block, so its columns go by position."""
    if fmt not in ("csv", "tsv"):
        return None
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        return data.read_csv_header(path, delimiter="\t" if fmt == "tsv" else ",")
    except (OSError, ValueError):
        return None


def _target_column(columns: list[str], spec: str | None) -> str | None:
    """The name of the target column --target names (a name, else an index;
    None: the last column), as load_data picks it; None if there is none."""
    if spec is None:
        return columns[-1]
    if spec in columns:
        return spec
    try:
        return columns[int(spec)]
    except (ValueError, IndexError):
        return None


def _model_input(args: argparse.Namespace, X: Any) -> ModelInput:
    """The input description of a model trained by `fnn train` on X (the
    training rows): the CSV's feature and target names, and the scaling
    statistics (a constant feature is left unscaled: its factor is 1)."""
    columns = _csv_columns(args.data, _format_of(args.data, args.format))
    names = target = None
    if columns is not None:
        target = _target_column(columns, args.target)
        names = tuple(c for c in columns if c != target)
        if len(names) != X.shape[1]:  # a name used twice: columns by position
            names = None
    if args.scale == "none":
        return ModelInput(names, target, "none")
    X = np.asarray(X, dtype=np.float64)
    if args.scale == "standard":
        offset, factor = X.mean(axis=0), X.std(axis=0)
    else:
        offset = X.min(axis=0)
        factor = X.max(axis=0) - offset
    # 0 (a constant column) and what underflows stay unscaled, never NaN.
    factor = np.where(factor > np.finfo(np.float64).tiny, factor, 1.0)
    if not (np.isfinite(offset).all() and np.isfinite(factor).all()):
        raise CommandError("the features' statistics overflow (values near the "
                           "float64 range); use --scale none")
    return ModelInput(names, target, args.scale, offset, factor)


def _read_named_columns(args: argparse.Namespace, model_input: ModelInput | None,
                        need_target: bool) -> tuple[Any, Any] | None:
    """(X, y) of a CSV file whose header names the model's features (in any
    order, the target column optional unless need_target), by name; None
    when the file or the model has no column names (columns by position)."""
    fmt = _format_of(args.data, args.format)
    columns = _csv_columns(args.data, fmt)
    if columns is None or model_input is None or model_input.feature_names is None:
        return None
    features = list(model_input.feature_names)
    target = model_input.target
    if args.target is not None:  # a name, else an index
        target = _target_column(columns, args.target)
        if target is None:
            raise CommandError(f"{args.data} has no target column {args.target!r}")
    elif target is not None and target not in columns:
        if need_target:
            raise CommandError(f"{args.data} has no target column {target!r}")
        target = None
    # Sets and a name -> position map: a file may have 100,000 columns.
    present, wanted = set(columns), set(features)
    missing = [c for c in features if c not in present]
    unexpected = [c for c in columns if c not in wanted and c != target]
    if missing or unexpected or len(present) != len(columns):
        parts = ([f"missing {', '.join(missing)}"] if missing else []) + \
            ([f"unexpected {', '.join(unexpected)}"] if unexpected else []) + \
            ([] if len(present) == len(columns) else ["a repeated column name"])
        raise CommandError(f"the columns of {args.data} do not match the model's "
                           f"features: {'; '.join(parts)}")
    delimiter = "\t" if fmt == "tsv" else ","
    X, y = data.read_csv(args.data, target=target, delimiter=delimiter)
    position = {c: i for i, c in enumerate(c for c in columns if c != target)}
    return X[:, [position[c] for c in features]], y


def load_data(path: str, fmt: str = "auto", target: str | None = None,
              labels: str | None = None, need_target: bool = True,
              n_features: int | None = None) -> tuple[Any, Any, str]:
    """Read DATA for a command.

    Parameters
    ----------
    path : str
        The data file.
    fmt : {'auto', 'csv', 'tsv', 'svmlight', 'npz', 'npy', 'idx'}, default='auto'
        Its format; 'auto' follows the file name's extension.
    target : str or None, default=None
        For CSV, the target column (name or index; default the last); for
        .npz the name of the target array (default 'y').  Refused for the
        other formats.
    labels : str or None, default=None
        For IDX and .npy only: the file of the targets, one per sample.
    need_target : bool, default=True
        Whether the command needs y (False for predict: a CSV then keeps
        every column unless target is given, and a missing target is no
        error).
    n_features : int or None, default=None
        For svmlight files: the number of features of X (the model's), so
        that a file that names fewer still has that many columns.

    Returns
    -------
    X : ndarray or scipy.sparse.csr_matrix of shape (n_samples, n_features)
        The features (sparse for svmlight files; IDX pixels scaled to
        [0, 1]).
    y : ndarray of shape (n_samples,) or None
        The targets (None when there are none and none were needed);
        float targets with integer values become int64.
    description : str
        The path, format and size, for the command's report.

    Raises
    ------
    CommandError
        When the file is missing or a folder, or an option does not apply
        to its format.
    """
    if not os.path.exists(path):
        raise CommandError(f"no such file: {path}")
    if os.path.isdir(path):
        raise CommandError(f"{path} is a folder, not a data file")
    fmt = _guess_format(path) if fmt == "auto" else fmt
    if target is not None and fmt in ("svmlight", "idx", "npy"):
        raise CommandError(f"--target applies to CSV and .npz files; this is a {fmt} "
                           "file" + (" (its labels come first on each line)"
                                     if fmt == "svmlight" else " (use --labels)"))
    if labels is not None and fmt not in ("idx", "npy"):
        raise CommandError(f"--labels applies to IDX and .npy files; this is a {fmt} "
                           "file")
    y = None
    if fmt in ("csv", "tsv"):
        delimiter = "\t" if fmt == "tsv" else ","
        if need_target or target is not None:
            X, y = _csv_target(path, target, delimiter)
        else:
            X, _ = data.read_csv(path, delimiter=delimiter)
    elif fmt == "svmlight":
        X, y = data.read_svmlight(path, n_features=n_features)  # sparse: see _dense
    elif fmt == "npz":
        X, y = data.read_npz(path, y="y" if target is None else target)
        if y is None and need_target:
            raise CommandError(f"{path} has no target array "
                               f"{'y' if target is None else target!r}; name it "
                               "with --target")
    elif fmt in ("npy", "idx"):
        read = data.read_npy if fmt == "npy" else data.read_idx
        X = read(path)
        X = X.reshape(len(X), -1) if X.ndim != 1 else X.reshape(-1, 1)
        if X.dtype == np.uint8 and fmt == "idx":
            X = X / np.float32(255)  # pixels to [0, 1], as load_fashion_mnist
        if labels is not None:
            y = read(labels)
            if y.ndim != 1 or len(y) != len(X):
                raise CommandError(f"{labels} holds {y.shape} labels for {len(X)} "
                                   "samples; expected one label per sample")
        elif need_target:
            raise CommandError(f"{fmt} files hold no targets; give them with "
                               "--labels FILE")
    else:
        raise CommandError(f"unknown format {fmt!r}")
    if y is not None and y.dtype.kind == "f" and np.all(y == np.round(y)) and \
            np.isfinite(y).all() and np.abs(y).max(initial=0) < 2 ** 53:
        # svmlight writes labels as floats; 1.0 and 1 are the same class.
        y = y.astype(np.int64)
    return X, y, f"{path} ({fmt}): {X.shape[0]} samples, {X.shape[1]} features"


def _dense(X: Any, dtype: Any = None, model_bytes: int = 0) -> Any:
    """X dense (an svmlight file's X is sparse), refused with a clear error
    when it and model_bytes more would not fit in memory: a small file can
    name feature 1,000,000,000."""
    try:
        return data.to_dense(X, dtype, reserve=model_bytes)
    except ValueError as exc:
        raise CommandError(f"{exc}; fnn's networks need dense input (fewer "
                           "features, or a smaller network)") from None


def _model_bytes(n_features: int, hidden: Sequence[int], n_outputs: int, dtype: Any,
                 n_jobs: int | None) -> int:
    """About the memory an MLP of these sizes takes to train: the parameters,
    the best parameters, the gradient and two optimiser vectors, and with
    several threads a copy of the parameters per thread."""
    units = [n_features, *hidden, n_outputs]
    n_params = sum((a + 1) * b for a, b in zip(units, units[1:]))
    threads = 0
    if n_jobs is not None:
        threads = effective_n_jobs(n_jobs)
    return n_params * np.dtype(dtype).itemsize * (5 + threads)


def _check_output(out: str | None, inputs: Sequence[str | None], model: bool) -> None:
    """Before any work: refuse to write --out onto one of the inputs (the same
    file by device and inode, whatever its name), onto anything but a regular
    file, into a missing folder or one that accepts no new file, or, for a
    model, over a file that is not an fnn model."""
    if out is None:
        return
    for name in inputs:
        try:
            same = name is not None and os.path.samefile(out, name)
        except OSError:  # either does not exist (yet)
            same = False
        if same:
            raise CommandError(f"--out {out} is the input {name}; refusing to "
                               "overwrite it")
    (check_writable_model_path if model else check_output_path)(out)


def _is_classifier(model: Any) -> bool:
    return hasattr(model, "classes_")


def _describe_model(model: Any) -> str:
    """Kind and size of a fitted model, from its public attributes."""
    name = type(model).__name__
    if hasattr(model, "coefs_"):
        units = [model.coefs_[0].shape[0]] + [W.shape[1] for W in model.coefs_]
        return f"{name}, layers {'-'.join(str(u) for u in units)}"
    if hasattr(model, "support_vectors_"):
        return (f"{name}, {model.kernel} kernel, {len(model.support_)} support "
                f"vectors, {len(model.classes_)} classes")
    return f"{name}, {model.n_features_in_} features, {len(model.classes_)} classes"


def choose_task(y: Any) -> tuple[str, str]:
    """Whether `fnn train` classifies or regresses target y, and why.

    The rule: a target that is not numeric, or has integer values with at
    most MAX_CLASSES distinct ones, is classification; any other is
    regression.

    Parameters
    ----------
    y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        The target.

    Returns
    -------
    task : {'classify', 'regress'}
        The task.
    reason : str
        Why, in words, for the command's report.
    """
    if y.dtype.kind not in "biuf":
        return "classify", "the target is not numeric"
    distinct = len(np.unique(y))
    if y.dtype.kind in "biu":
        if distinct <= MAX_CLASSES:
            return "classify", (f"the target has {distinct} distinct integer values, "
                                f"at most {MAX_CLASSES}")
        return "regress", (f"the target has {distinct} distinct integer values, more "
                           f"than {MAX_CLASSES}")
    return "regress", "the target has non-integer values"


# ----------------------------------------------------------------------
# Commands
# ----------------------------------------------------------------------
# The Parameters and Returns sections of the commands train, predict and
# evaluate, written once (see fill_doc).
_COMMAND_SECTIONS = """
Parameters
----------
args : argparse.Namespace
    The parsed options of the command (see :func:`build_parser`).

Returns
-------
int
    The exit status, 0; failures raise (CommandError for bad input).
"""


def _collect_warnings(caught: Sequence[warnings.WarningMessage]) -> list[str]:
    notes = []
    for w in caught:
        if issubclass(w.category, ConvergenceWarning):
            notes.append("stopped at --max-iter before the loss settled")
        else:
            print(f"fnn: warning: {w.message}", file=sys.stderr)
    return notes


def _score_line(model: Any, X: Any, y: Any, what: str) -> str:
    score = model.score(X, y)
    name = "accuracy" if _is_classifier(model) else "R^2"
    return f"{what} {name}: {score:.4f} ({len(X)} samples)"


@fill_doc(command_sections=_COMMAND_SECTIONS)
def train(args: argparse.Namespace) -> int:
    """Run `fnn train`: train an MLP on DATA; print what was done and the
    scores, and save the model with --out.

    {command_sections}
    """
    _check_output(args.out, (args.data, args.labels), model=True)
    X, y, description = load_data(args.data, args.format, args.target, args.labels)
    print(f"data: {description}")
    task, reason = choose_task(y) if args.task == "auto" else (args.task, "--task")
    if task == "regress" and y.dtype.kind not in "biuf":
        raise CommandError("--task regress needs a numeric target")
    if task == "classify" and y.dtype.kind == "f":
        raise CommandError("--task classify needs class labels; the target has "
                           "non-integer values (use --task regress)")
    n_outputs = len(np.unique(y)) if task == "classify" else \
        (y.shape[1] if y.ndim == 2 else 1)
    # float64 until scaled: the statistics are those of the data as written.
    X = _dense(X, np.float64, _model_bytes(X.shape[1], args.hidden, n_outputs,
                                           args.dtype, args.n_jobs))
    X_test = y_test = None
    if args.test_fraction is not None:
        n_test = int(round(args.test_fraction * len(X)))
        if n_test < 1 or n_test >= len(X):
            raise CommandError(f"--test-fraction {args.test_fraction} leaves no "
                               f"{'test' if n_test < 1 else 'training'} samples out "
                               f"of {len(X)}")
        order = np.random.RandomState(args.random_state).permutation(len(X))
        X_test, y_test = X[order[:n_test]], y[order[:n_test]]
        X, y = X[order[n_test:]], y[order[n_test:]]
    # Scaled by the training rows' statistics, which the model file keeps.
    model_input = _model_input(args, X)
    X = model_input.transform(X).astype(args.dtype)
    if X_test is not None:
        X_test = model_input.transform(X_test).astype(args.dtype)
    estimator = MLPClassifier if task == "classify" else MLPRegressor
    model = estimator(hidden_layer_sizes=tuple(args.hidden), activation=args.activation,
                      dropout=(args.dropout[0] if len(args.dropout) == 1
                               else tuple(args.dropout)),
                      solver=args.solver, batch_size=args.batch_size,
                      learning_rate_init=args.learning_rate, alpha=args.alpha,
                      max_iter=args.max_iter, random_state=args.random_state,
                      early_stopping=args.early_stopping, verbose=args.verbose,
                      n_jobs=args.n_jobs)
    what = (f"classification, {len(np.unique(y))} classes" if task == "classify"
            else "regression")
    print(f"task: {what} ({reason})")
    if args.scale != "none":
        print(f"scaling: {args.scale}, statistics of the {len(X)} training samples "
              "(kept in the model file)")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        model.fit(X, y)
        seconds = time.perf_counter() - start
    notes = _collect_warnings(caught)
    if model.n_iter_ < args.max_iter:
        notes.append("stopped early: the " + ("validation score" if args.early_stopping
                                               else "loss") + " stopped improving")
    print(f"model: {_describe_model(model)}, {args.activation}, {args.solver}, "
          f"{np.dtype(args.dtype).name}")
    epochs = f"{model.n_iter_} epoch{'s' if model.n_iter_ != 1 else ''}"
    print(f"training: {epochs} in {seconds:.3g} s, final loss "
          f"{model.loss_:.6g}" + "".join(f" ({note})" for note in notes))
    print(_score_line(model, X, y, "training"))
    if X_test is not None:
        print(_score_line(model, X_test, y_test, "held-out"))
    if args.out:
        save(model, args.out, input=model_input)
        print(f"saved: {args.out}")
    return 0


def _load_model(path: str) -> tuple[Any, ModelInput | None]:
    if not os.path.exists(path):
        raise CommandError(f"no such model file: {path}")
    model, model_input = load_with_input(path)
    if not model.__sklearn_is_fitted__():
        raise CommandError(f"{path} holds an unfitted {type(model).__name__}")
    return model, model_input


def _input_of(model_input: ModelInput | None, X: Any) -> Any:
    """Raw features X as the model's input: scaled as at training time when
    the model file says so."""
    return X if model_input is None else model_input.transform(X)


def _match_label_types(model: Any, y: Any) -> Any:
    """y with the dtype kind of the model's classes where that is possible
    (a CSV of digits read as ints, for a model trained on string labels)."""
    classes = getattr(model, "classes_", None)
    if classes is None or y is None:
        return y
    if classes.dtype.kind in "UO" and y.dtype.kind in "biuf":
        return y.astype(str)
    if classes.dtype.kind in "biuf" and y.dtype.kind == "U":
        try:
            return y.astype(np.float64)
        except ValueError:
            return y
    return y


def _n_features_hint(model: Any, X: Any, args: argparse.Namespace) -> None:
    if X.shape[1] == model.n_features_in_ + 1 and args.target is None:
        raise CommandError(
            f"{args.data} has {X.shape[1]} columns but the model takes "
            f"{model.n_features_in_} features; name the target column to drop "
            "with --target")
    if X.shape[1] != model.n_features_in_:
        raise CommandError(f"{args.data} has {_count(X.shape[1], 'feature')} but the "
                           f"model takes {model.n_features_in_}")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _format_value(value: Any) -> str:
    return str(value.item() if isinstance(value, np.generic) and value.dtype.kind in
               "biuU" else value)


@fill_doc(command_sections=_COMMAND_SECTIONS)
def predict(args: argparse.Namespace) -> int:
    """Run `fnn predict`: print or write the predictions of a saved model
    for DATA (with --proba, a classifier's class probabilities).

    {command_sections}
    """
    _check_output(args.out, (args.model, args.data), model=False)
    model, model_input = _load_model(args.model)
    named = _read_named_columns(args, model_input, need_target=False)
    if named is not None:
        X = named[0]
    else:
        try:
            X, _, _ = load_data(args.data, args.format, args.target, None,
                                need_target=False, n_features=model.n_features_in_)
        except ValueError as exc:
            if args.target is not None or "not a number" not in str(exc):
                raise
            raise CommandError(f"{str(exc).rstrip('.')}; leave a target column out "
                               "with --target COL") from None
        _n_features_hint(model, X, args)
    X = _input_of(model_input, _dense(X))
    if args.proba:
        if not hasattr(model, "predict_proba"):
            raise CommandError(f"--proba needs a classifier; {args.model} holds a "
                               f"{type(model).__name__}")
        P = model.predict_proba(X)
        names = [f"proba_{c}" for c in model.classes_]
    else:
        P = model.predict(X)
        names = (["prediction"] if P.ndim == 1 else
                 [f"prediction_{j}" for j in range(P.shape[1])])
    rows = P.reshape(len(P), -1)
    if args.out:
        def write(f: IO[bytes]) -> None:
            text = io.TextIOWrapper(f, encoding="utf-8", newline="")
            writer = csv.writer(text)
            writer.writerow(names)
            writer.writerows([_format_value(v) for v in row] for row in rows)
            text.flush()
            text.detach()  # f stays open: the writer fsyncs it

        write_atomically(args.out, write)
        print(f"wrote {len(rows)} predictions to {args.out}")
    else:
        out = sys.stdout
        for row in rows:
            out.write(",".join(_format_value(v) for v in row) + "\n")
    return 0


def confusion_matrix_text(y_true: Any, y_pred: Any, labels: Sequence[Any]) -> str:
    """A confusion matrix as aligned text: rows are true labels, columns the
    predicted ones.

    Parameters
    ----------
    y_true : ndarray of shape (n_samples,)
        The true labels.
    y_pred : ndarray of shape (n_samples,)
        The predicted labels.
    labels : sequence
        Every label that occurs in y_true or y_pred, in the order of the
        rows and columns.

    Returns
    -------
    str
        A header line of the predicted labels, then one line per true
        label with its counts, right-aligned, without a final newline.
    """
    index = {label: i for i, label in enumerate(labels)}
    counts = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for t, p in zip(y_true.tolist(), y_pred.tolist()):
        counts[index[t], index[p]] += 1
    names = [str(label) for label in labels]
    first = max(len(n) for n in names + ["true \\ predicted"])
    width = max(max(len(n) for n in names), len(str(counts.max())))
    lines = ["true \\ predicted".ljust(first) + "".join(f"  {n:>{width}}" for n in names)]
    for name, row in zip(names, counts):
        lines.append(name.ljust(first) + "".join(f"  {c:>{width}}" for c in row))
    return "\n".join(lines)


@fill_doc(command_sections=_COMMAND_SECTIONS)
def evaluate(args: argparse.Namespace) -> int:
    """Run `fnn evaluate`: score a saved model on DATA and print accuracy
    and a confusion matrix (classifiers), or R^2 and the mean squared and
    absolute errors (regressors).

    {command_sections}
    """
    model, model_input = _load_model(args.model)
    named = _read_named_columns(args, model_input, need_target=True)
    if named is not None:
        X, y = named
        description = (f"{args.data} ({_format_of(args.data, args.format)}): "
                       f"{X.shape[0]} samples, {X.shape[1]} features")
    else:
        target = args.target
        if target is None and model_input is not None:
            target = model_input.target
        X, y, description = load_data(args.data, args.format, target, args.labels,
                                      n_features=model.n_features_in_)
    if X.shape[1] != model.n_features_in_:
        raise CommandError(f"{args.data} has {_count(X.shape[1], 'feature')} but the "
                           f"model takes {model.n_features_in_}")
    X = _input_of(model_input, _dense(X))
    print(f"data: {description}")
    print(f"model: {args.model}: {_describe_model(model)}")
    if not _is_classifier(model):
        if y.dtype.kind not in "biuf":
            raise CommandError("the model is a regressor but the target is not numeric")
        P = model.predict(X)
        residual = np.asarray(y, np.float64).reshape(P.shape) - P
        print(f"R^2: {model.score(X, y):.4f}")
        print(f"mean squared error: {np.mean(residual ** 2):.6g}")
        print(f"mean absolute error: {np.mean(np.abs(residual)):.6g}")
        return 0
    y = _match_label_types(model, y)
    pred = model.predict(X)
    right = (pred == y) if pred.ndim == 1 else (pred == y).all(axis=1)
    print(f"accuracy: {model.score(X, y):.4f} ({int(right.sum())} of {len(y)} right)")
    if pred.ndim == 1:
        labels = list(model.classes_)
        unseen = [v for v in np.unique(y).tolist() if v not in set(labels)]
        if unseen:
            print(f"labels the model never saw: {unseen}")
        print("confusion matrix:")
        print(confusion_matrix_text(np.asarray(y), pred, labels + unseen))
    return 0


def demo(args: argparse.Namespace) -> int:
    """Run `fnn demo`: train an MLP on the bundled UCI digits; print its
    test accuracy and speed.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed options of the demo command: ``epochs``.

    Returns
    -------
    int
        The exit status, 0.
    """
    X, y = load_digits()
    X = (X / 16.0).astype(np.float32)
    rng = np.random.RandomState(0)
    order = rng.permutation(len(X))
    n_train = int(0.75 * len(X))
    train_rows, test = order[:n_train], order[n_train:]
    model = MLPClassifier(hidden_layer_sizes=(64,), activation="logistic", solver="sgd",
                          batch_size=1, momentum=0.0, learning_rate_init=0.05,
                          max_iter=args.epochs, tol=0.0, random_state=0)
    print(f"fnn demo: UCI handwritten digits, {n_train} training and {len(test)} test "
          f"images of 8x8 pixels")
    print(f"network 64-64-10 (logistic hidden layer, softmax output), per-example SGD, "
          f"float32, {args.epochs} epochs")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        model.fit(X[train_rows], y[train_rows])
        seconds = time.perf_counter() - start
    accuracy = model.score(X[test], y[test])
    seen = model.n_iter_ * n_train
    print(f"test accuracy   {accuracy:.4f}")
    print(f"training time   {seconds:.3f} s")
    print(f"examples/s      {seen / seconds:,.0f}")
    return 0


# ----------------------------------------------------------------------
# Options
# ----------------------------------------------------------------------
def _parsed(text: str, kind: type[int] | type[float]) -> Any:
    """text as an int or a float (an argparse type error naming it when it is
    not one)."""
    try:
        return kind(text)
    except ValueError:
        noun = "an integer" if kind is int else "a number"
        raise argparse.ArgumentTypeError(f"{text!r} is not {noun}") from None


def _positive_int(text: str) -> int:
    value: int = _parsed(text, int)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _n_jobs(text: str) -> int | None:
    value: int = _parsed(text, int)
    cores = available_cores()
    if not (1 <= value <= cores or -cores <= value <= -1):
        raise argparse.ArgumentTypeError(
            f"must be from 1 to {cores} (the cores this process may use), or from -1 "
            f"(all) to -{cores}; got {value}")
    return value


def _batch_size(text: str) -> int | str:
    return "auto" if text == "auto" else _positive_int(text)


def _positive_float(text: str) -> float:
    value: float = _parsed(text, float)
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def _non_negative_float(text: str) -> float:
    value: float = _parsed(text, float)
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
    return value


def _fraction(text: str) -> float:
    value = _positive_float(text)
    if value >= 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def _dropout_rate(text: str) -> float:
    value = _non_negative_float(text)
    if value >= 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text}")
    return value


def _seed(text: str) -> int:
    value: int = _parsed(text, int)
    if not 0 <= value < 2 ** 32:
        raise argparse.ArgumentTypeError(f"must be between 0 and 2**32 - 1, got {value}")
    return value


def _add_model_command(commands: Any, name: str, help: str, description: str,
                       target_help: str) -> "_Parser":
    """The parser of a command that applies a saved model to data (predict,
    evaluate): MODEL, then DATA and its options."""
    parser: _Parser = commands.add_parser(name, help=help, description=description)
    parser.add_argument("model", metavar="MODEL", help="model file from 'fnn train'")
    _add_data_options(parser, target_help)
    return parser


def _add_data_options(parser: argparse.ArgumentParser, target_help: str) -> None:
    parser.add_argument("data", metavar="DATA", help="data file")
    parser.add_argument("--target", metavar="COL", help=target_help)
    parser.add_argument("--labels", metavar="FILE",
                        help="labels for an IDX images file or a .npy features file")
    parser.add_argument("--format", choices=_FORMATS, default="auto",
                        help="data format (default: from the file name)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the `fnn` command.

    Returns
    -------
    argparse.ArgumentParser
        The parser, with one sub-command per command; each sets ``run`` to
        the function that runs it.
    """
    parser = _Parser(prog="fnn", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"fnn {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = commands.add_parser("train", help="train an MLP on a data file",
                            description="Train an MLP on DATA, print its scores and "
                            "save it. Classification when the target is not numeric "
                            f"or has at most {MAX_CLASSES} distinct integer values, "
                            "regression otherwise (see --task).")
    _add_data_options(p, "target column of a CSV file: name or index (default: the "
                      "last column); name of the target array of an .npz (default y)")
    p.add_argument("--task", choices=("auto", "classify", "regress"), default="auto",
                   help="classification or regression (default: from the target)")
    p.add_argument("--hidden", type=_positive_int, nargs="+", default=[100],
                   metavar="N", help="units of each hidden layer (default: 100)")
    p.add_argument("--activation", choices=tuple(HIDDEN_ACTIVATIONS),
                   default="relu", help="hidden activation (default: relu)")
    p.add_argument("--dropout", type=_dropout_rate, nargs="+", default=[0.0],
                   metavar="RATE", help="dropout rate of the hidden units while "
                   "training: one for every hidden layer, or one per layer of --hidden "
                   "(default: 0, none)")
    p.add_argument("--solver", choices=("adam", "sgd"), default="adam",
                   help="optimiser (default: adam)")
    p.add_argument("--batch-size", type=_batch_size, default="auto", metavar="N",
                   help="mini-batch size, or auto (min(200, n_samples)); 1 is "
                   "per-example SGD")
    p.add_argument("--learning-rate", type=_positive_float, default=0.001,
                   metavar="LR", help="initial learning rate (default: 0.001)")
    p.add_argument("--alpha", type=_non_negative_float, default=0.0001,
                   help="L2 penalty (default: 0.0001)")
    p.add_argument("--max-iter", type=_positive_int, default=200, metavar="N",
                   help="maximum number of epochs (default: 200)")
    p.add_argument("--early-stopping", action="store_true",
                   help="stop when a 10%% validation split stops improving")
    p.add_argument("--random-state", type=_seed, default=None, metavar="SEED",
                   help="seed for weights, shuffling and --test-fraction")
    p.add_argument("--test-fraction", type=_fraction, default=None, metavar="F",
                   help="hold out this fraction of DATA and print its score")
    p.add_argument("--dtype", choices=("float32", "float64"), default="float32",
                   help="precision of training (default: float32)")
    p.add_argument("--scale", choices=SCALINGS, default="standard",
                   help="feature scaling, whose statistics the model file keeps and "
                   "predict and evaluate apply: standard (mean 0, variance 1), "
                   "minmax (to [0, 1]) or none (default: standard)")
    p.add_argument("--n-jobs", type=_n_jobs, default=None, metavar="N",
                   help="training threads: 1 to the number of cores, or -1 for all "
                   "(default: all cores, but one for --batch-size 1)")
    p.add_argument("--verbose", action="store_true", help="print the loss every epoch")
    p.add_argument("--out", metavar="MODEL", help="save the model to this file")
    p.set_defaults(run=train)

    p = _add_model_command(commands, "predict", help="predictions of a saved model",
                           description="Print the predictions of MODEL for DATA, one "
                           "line per sample, or write them as CSV with --out.",
                           target_help="a column of a CSV file to leave out (the target)")
    p.add_argument("--proba", action="store_true",
                   help="class probabilities instead of labels (classifiers)")
    p.add_argument("--out", metavar="FILE", help="write a CSV file instead of printing")
    p.set_defaults(run=predict)

    p = _add_model_command(commands, "evaluate",
                           help="score a saved model on labelled data",
                           description="Accuracy and confusion matrix (classifiers) "
                           "or R^2 and errors (regressors) of MODEL on DATA.",
                           target_help="target column of a CSV file (default: the last "
                           "column); target array of an .npz (default y)")
    p.set_defaults(run=evaluate)

    p = commands.add_parser("demo", help="train on the bundled digits data")
    p.add_argument("--epochs", type=int, default=30, help="training epochs (default 30)")
    p.set_defaults(run=demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `fnn` command.

    Errors are reported as one line on stderr, never a traceback (unless
    the environment variable FNN_TRACEBACK is set).

    Parameters
    ----------
    argv : sequence of str or None, default=None
        The arguments, without the program name; None reads ``sys.argv``.

    Returns
    -------
    int
        The exit status: 0 on success, 2 for bad input or usage (and no
        command), 1 for a failed run, 130 when interrupted.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    if getattr(args, "epochs", 1) < 1:
        parser.error("--epochs must be at least 1")
    if len(getattr(args, "dropout", [0])) not in (1, len(getattr(args, "hidden", []))):
        parser.error(f"--dropout takes one rate, or one per hidden layer "
                     f"({len(args.hidden)}); got {len(args.dropout)}")
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("fnn: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`fnn predict ... | head`): not an error.
        # Point stdout at devnull so the interpreter's final flush is quiet.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as exc:  # one line, never a traceback
        if os.environ.get("FNN_TRACEBACK"):
            raise
        print(f"fnn: error: {_describe(exc)}", file=sys.stderr)
        return 2 if isinstance(exc, (CommandError, OSError, ValueError, TypeError))\
            else 1


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.filename is not None:
        text = f"{exc.strerror or exc}: {exc.filename}"
    else:
        text = str(exc) or type(exc).__name__
        if not isinstance(exc, (CommandError, ValueError, TypeError, OSError)):
            text = f"{type(exc).__name__}: {text}"
    return " ".join(text.split())


if __name__ == "__main__":
    sys.exit(main())
