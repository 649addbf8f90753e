"""The `fnn` command line."""
import csv
import gzip
import re
import shutil
import subprocess
import sys
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import fnn
from fnn import data
from fnn.cli import choose_task, confusion_matrix_text, main


def test_demo_reports_accuracy_and_speed(capsys):
    assert main(["demo", "--epochs", "10"]) == 0
    out = capsys.readouterr().out
    accuracy = float(re.search(r"test accuracy\s+([0-9.]+)", out).group(1))
    assert accuracy > 0.9
    assert re.search(r"examples/s\s+[0-9,]+", out)
    assert re.search(r"training time\s+[0-9.]+ s", out)


def test_console_script_is_installed():
    exe = shutil.which("fnn")
    assert exe is not None, "the `fnn` console script is not on PATH"
    result = subprocess.run([exe, "--version"], capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout.strip() == f"fnn {fnn.__version__}"


def test_bad_arguments_fail_with_a_message():
    result = subprocess.run([sys.executable, "-m", "fnn.cli", "demo", "--epochs", "0"],
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert "--epochs must be at least 1" in result.stderr
    assert "Traceback" not in result.stderr


# ----------------------------------------------------------------------
# fnn train / predict / evaluate, run as the installed console script
# ----------------------------------------------------------------------
FNN = shutil.which("fnn")


def fnn_cli(*args, cwd=None):
    assert FNN is not None, "the `fnn` console script is not on PATH"
    result = subprocess.run([FNN, *map(str, args)], capture_output=True, text=True,
                            cwd=cwd, timeout=120)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def _blobs_csv(path, rng, n=240):
    names = np.array(["circle", "square", "triangle"])
    y = names[rng.randint(0, 3, n)]
    centres = {"circle": (0, 0, 3), "square": (3, 0, 0), "triangle": (0, 3, 0)}
    X = np.array([centres[label] for label in y]) + rng.normal(scale=0.5, size=(n, 3))
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["x", "y", "z", "shape"])
        for row, label in zip(X.round(5), y):
            writer.writerow([*row, label])


def _value(pattern, text):
    return float(re.search(pattern, text).group(1))


def test_train_predict_evaluate_a_classifier_on_csv(tmp_path, rng):
    _blobs_csv(tmp_path / "shapes.csv", rng)
    trained = fnn_cli("train", "shapes.csv", "--target", "shape", "--hidden", 16, 8,
                      "--max-iter", 60, "--learning-rate", 0.01, "--random-state", 0,
                      "--test-fraction", 0.25, "--out", "model.fnn", cwd=tmp_path)
    assert trained.returncode == 0, trained.stderr
    assert "task: classification, 3 classes (the target is not numeric)" in trained.stdout
    assert "layers 3-16-8-3" in trained.stdout
    assert re.search(r"held-out accuracy: [0-9.]+ \(60 samples\)", trained.stdout)
    assert _value(r"held-out accuracy: ([0-9.]+)", trained.stdout) > 0.9

    model, model_input = fnn._persistence.load_with_input(tmp_path / "model.fnn")
    X, y = data.read_csv(tmp_path / "shapes.csv", target="shape")
    X = model_input.transform(X)  # standardised, as in training
    assert model.hidden_layer_sizes == (16, 8) and model._params.dtype == np.float32

    predicted = fnn_cli("predict", "model.fnn", "shapes.csv", "--target", 3, "--out",
                        "preds.csv", cwd=tmp_path)
    assert predicted.returncode == 0, predicted.stderr
    with open(tmp_path / "preds.csv") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["prediction"]
    assert_array_equal([r[0] for r in rows[1:]], model.predict(X))

    evaluated = fnn_cli("evaluate", "model.fnn", "shapes.csv", "--target", "shape",
                        cwd=tmp_path)
    assert evaluated.returncode == 0, evaluated.stderr
    assert _value(r"accuracy: ([0-9.]+)", evaluated.stdout) == round(model.score(X, y), 4)
    matrix = evaluated.stdout.split("confusion matrix:\n")[1].splitlines()
    assert matrix[0].split()[-3:] == ["circle", "square", "triangle"]
    counts = np.array([line.split()[1:] for line in matrix[1:4]], dtype=int)
    metrics = pytest.importorskip("sklearn.metrics")
    assert_array_equal(counts, metrics.confusion_matrix(y, model.predict(X),
                                                        labels=model.classes_))


def test_train_predict_evaluate_a_regressor(tmp_path, rng):
    X = rng.uniform(-1, 1, size=(300, 2))
    target = np.sin(2 * X[:, 0]) + X[:, 1] ** 2
    np.savetxt(tmp_path / "r.csv", np.column_stack([X, target]), delimiter=",",
               header="a,b,t", comments="", fmt="%.6f")
    trained = fnn_cli("train", "r.csv", "--hidden", 32, "--max-iter", 200,
                      "--learning-rate", 0.01, "--random-state", 1, "--dtype", "float64",
                      "--out", "r.fnn", cwd=tmp_path)
    assert trained.returncode == 0, trained.stderr
    assert "task: regression (the target has non-integer values)" in trained.stdout
    assert _value(r"training R\^2: ([0-9.]+)", trained.stdout) > 0.9
    model, model_input = fnn._persistence.load_with_input(tmp_path / "r.fnn")
    X_read, y_read = data.read_csv(tmp_path / "r.csv", target="t")
    X_read = model_input.transform(X_read)
    printed = fnn_cli("predict", "r.fnn", "r.csv", "--target", "t", cwd=tmp_path)
    assert printed.returncode == 0, printed.stderr
    assert_array_equal(np.array(printed.stdout.split(), dtype=np.float64),
                       model.predict(X_read))  # printed exactly
    evaluated = fnn_cli("evaluate", "r.fnn", "r.csv", cwd=tmp_path)
    assert _value(r"R\^2: ([0-9.]+)", evaluated.stdout) == round(
        model.score(X_read, y_read), 4)
    residual = y_read - model.predict(X_read)
    assert np.isclose(_value(r"mean squared error: ([0-9.e-]+)", evaluated.stdout),
                      np.mean(residual ** 2), rtol=1e-5)


def _write_idx(path, array):
    code = {np.dtype(np.uint8): 0x08}[array.dtype]
    header = bytes([0, 0, code, array.ndim]) + b"".join(
        int(n).to_bytes(4, "big") for n in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.tobytes())


def test_svmlight_npz_and_idx_inputs(tmp_path, rng):
    X = rng.normal(size=(120, 4))
    y = (X[:, 0] > 0).astype(int)
    with open(tmp_path / "d.svm", "w") as f:
        for row, label in zip(X, y):
            f.write(f"{label} " + " ".join(f"{j + 1}:{v:.5f}" for j, v in enumerate(row))
                    + "\n")
    np.savez(tmp_path / "d.npz", X=X, label=y)
    images = (rng.rand(50, 4, 4) * 255).astype(np.uint8)
    _write_idx(tmp_path / "images-idx3-ubyte.gz", images)
    labels = (images[:, 0, 0] > 127).astype(np.uint8)
    _write_idx(tmp_path / "labels-idx1-ubyte.gz", labels)
    runs = {
        "svm": ["train", "d.svm", "--max-iter", 3, "--out", "s.fnn"],
        "npz": ["train", "d.npz", "--target", "label", "--max-iter", 3],
        "idx": ["train", "images-idx3-ubyte.gz", "--labels", "labels-idx1-ubyte.gz",
                "--max-iter", 3, "--out", "i.fnn"],
    }
    results = {name: fnn_cli(*args, cwd=tmp_path) for name, args in runs.items()}
    for name, result in results.items():
        assert result.returncode == 0, (name, result.stderr)
        assert "task: classification, 2 classes" in result.stdout
    assert "d.svm (svmlight): 120 samples, 4 features" in results["svm"].stdout
    assert "d.npz (npz): 120 samples, 4 features" in results["npz"].stdout
    assert "(idx): 50 samples, 16 features" in results["idx"].stdout
    model, model_input = fnn._persistence.load_with_input(tmp_path / "i.fnn")
    assert model_input.feature_names is None  # no column names in IDX files
    printed = fnn_cli("predict", "i.fnn", "images-idx3-ubyte.gz", cwd=tmp_path)
    # IDX pixels are scaled to [0, 1] for training and prediction alike, then
    # standardised (--scale's default).
    expected = model.predict(model_input.transform(
        images.reshape(50, -1) / np.float32(255)))
    assert_array_equal(np.array(printed.stdout.split(), dtype=int), expected)


@pytest.fixture
def workdir(tmp_path, rng):
    _blobs_csv(tmp_path / "shapes.csv", rng, n=30)
    (tmp_path / "plain.csv").write_text("1,2\n4,5\n")
    (tmp_path / "ragged.csv").write_text("a,b,c\n1,2,3\n4,5\n")
    (tmp_path / "text.csv").write_text("a,b,c\n1,x,3\n")
    result = fnn_cli("train", "shapes.csv", "--target", "shape", "--max-iter", 1,
                     "--hidden", 2, "--out", "ok.fnn", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    raw = (tmp_path / "ok.fnn").read_bytes()
    (tmp_path / "torn.fnn").write_bytes(raw[:len(raw) // 2])
    fnn.MLPClassifier().save(tmp_path / "unfitted.fnn")
    fnn.Perceptron().save(tmp_path / "unfitted-perceptron.fnn")
    fnn.SVC().save(tmp_path / "unfitted-svc.fnn")
    # Saved from Python: no column names, so columns go by position.
    X, y = data.read_csv(tmp_path / "shapes.csv", target="shape")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fnn.ConvergenceWarning)
        fnn.MLPClassifier(hidden_layer_sizes=(2,), max_iter=1).fit(X, y).save(
            tmp_path / "python.fnn")
    (tmp_path / "renamed.csv").write_text(
        (tmp_path / "shapes.csv").read_text().replace("x,y,z,", "x,w,z,", 1))
    return tmp_path


ERROR_CASES = [
    (["train", "missing.csv"], "no such file: missing.csv"),
    (["train", "shapes.csv", "--target", "colour"], "no column 'colour'"),
    (["train", "plain.csv", "--target", "name"], "no header row"),
    (["train", "ragged.csv", "--target", "c"], "line 3: 2 fields"),
    (["train", "text.csv", "--target", "c"], "line 2, column 1 ('b') has 'x'"),
    (["train", "shapes.csv", "--hidden", "0"], "--hidden: must be at least 1"),
    (["train", "shapes.csv", "--learning-rate", "0"], "--learning-rate: must be a pos"),
    (["train", "shapes.csv", "--task", "regress"], "--task regress needs a numeric"),
    (["train", "shapes.csv", "--out", "nowhere/m.fnn"], "no folder"),
    (["train", "shapes.csv", "--labels", "x.npy"], "--labels applies to IDX and .npy"),
    (["train", "shapes.csv", "--frobnicate"], "unrecognized arguments: --frobnicate"),
    (["predict", "shapes.csv", "shapes.csv"], "not an fnn model file"),
    (["predict", "torn.fnn", "shapes.csv"], "not an fnn model file"),
    (["predict", "none.fnn", "shapes.csv"], "no such model file: none.fnn"),
    (["predict", "python.fnn", "shapes.csv"], "leave a target column out with --target"),
    (["predict", "ok.fnn", "renamed.csv"],
     "the columns of renamed.csv do not match the model's features: missing y; "
     "unexpected w"),
    (["evaluate", "ok.fnn", "renamed.csv"], "missing y; unexpected w"),
    (["evaluate", "ok.fnn", "shapes.csv", "--target", "kind"],
     "shapes.csv has no target column 'kind'"),
    (["train", "shapes.csv", "--scale", "log"], "--scale: invalid choice: 'log'"),
    (["predict", "ok.fnn", "plain.csv"], "plain.csv has 2 features but the model takes"),
    (["evaluate", "ok.fnn", "plain.csv", "--target", "0"], "has 1 feature but the model"),
    (["train", "shapes.csv", "--out", "shapes.csv"], "--out shapes.csv is the input"),
    (["train", "shapes.csv", "--out", "plain.csv"],
     "cannot write plain.csv: it exists and is not an fnn model file"),
    (["train", "shapes.csv", "--out", "."], "it is a folder, not a regular file"),
    (["predict", "ok.fnn", "shapes.csv", "--target", "shape", "--out", "ok.fnn"],
     "--out ok.fnn is the input ok.fnn"),
    (["predict", "unfitted.fnn", "shapes.csv"], "unfitted.fnn holds an unfitted MLPClass"),
    # The fitted check is the estimator's own, whatever its class.
    (["predict", "unfitted-perceptron.fnn", "shapes.csv"],
     "unfitted-perceptron.fnn holds an unfitted Perceptron"),
    (["evaluate", "unfitted-svc.fnn", "shapes.csv"],
     "unfitted-svc.fnn holds an unfitted SVC"),
    (["train", "shapes.csv", "--n-jobs", "0"], "--n-jobs: must be from 1 to"),
    (["train", "shapes.csv", "--n-jobs", str(2 ** 31)], "--n-jobs: must be from 1 to"),
]


def test_errors_are_one_line_without_traceback(workdir):
    before = {p.name: p.read_bytes() for p in workdir.iterdir() if p.is_file()}
    # Start every case at once: each is a separate interpreter.
    running = [(args, message, subprocess.Popen(
        [FNN, *args], cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)) for args, message in ERROR_CASES]
    for args, message, process in running:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 2, (args, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("fnn: error: "), (args, err)
        assert message in lines[0], (args, lines[0])
    # Refused before any work: no input was overwritten, no file written.
    assert {p.name: p.read_bytes() for p in workdir.iterdir() if p.is_file()} == before


@pytest.mark.parametrize("estimator", ["Perceptron", "SVC"])
def test_perceptron_and_svc_files_predict_and_evaluate(tmp_path, rng, estimator):
    _blobs_csv(tmp_path / "shapes.csv", rng, n=90)
    X, y = data.read_csv(tmp_path / "shapes.csv", target="shape")
    model = getattr(fnn, estimator)().fit(X, y)
    model.save(tmp_path / "m.fnn")
    printed = fnn_cli("predict", "m.fnn", "shapes.csv", "--target", "shape",
                      cwd=tmp_path)
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.split() == model.predict(X).tolist()
    evaluated = fnn_cli("evaluate", "m.fnn", "shapes.csv", "--target", "shape",
                        cwd=tmp_path)
    assert evaluated.returncode == 0, evaluated.stderr
    assert f"model: m.fnn: {estimator}, 3 features" in evaluated.stdout or \
        f"model: m.fnn: {estimator}, rbf kernel" in evaluated.stdout
    assert _value(r"accuracy: ([0-9.]+)", evaluated.stdout) == round(model.score(X, y), 4)


def _wine_csv(path):
    """UCI wine (13 raw features, values up to ~1,700) as a CSV file with a
    `kind` column, as a user would write it."""
    datasets = pytest.importorskip("sklearn.datasets")
    wine = datasets.load_wine()
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([*wine.feature_names, "kind"])
        writer.writerows([*map(repr, row), kind] for row, kind in
                         zip(wine.data.tolist(), wine.target.tolist()))
    return wine.data, wine.target


def test_a_pipe_is_read_once_and_whole(tmp_path):
    """A CSV from a pipe (stdin, a FIFO) cannot be read twice: its columns go
    by position, and no row is lost to a separate read of its header."""
    X, y = _wine_csv(tmp_path / "wine.csv")
    trained = fnn_cli("train", "wine.csv", "--target", "kind", "--out", "model.fnn",
                      cwd=tmp_path)
    assert trained.returncode == 0, trained.stderr
    from_file = fnn_cli("predict", "model.fnn", "wine.csv", "--target", "kind", cwd=tmp_path)
    text = (tmp_path / "wine.csv").read_text()  # given through a pipe (input=)
    piped = subprocess.run([FNN, "predict", "model.fnn", "/dev/stdin", "--format", "csv",
                            "--target", "kind"], input=text, capture_output=True, text=True,
                           cwd=tmp_path, timeout=120)
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.split() == from_file.stdout.split()
    assert len(piped.stdout.split()) == len(y)
    # Without --format its first bytes are not sniffed (they would be lost).
    unnamed = subprocess.run([FNN, "predict", "model.fnn", "/dev/stdin"], input=text,
                             capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert unnamed.returncode != 0
    assert "give it with --format" in unnamed.stderr


def test_train_scales_by_default_and_predict_takes_the_training_file(tmp_path):
    X, y = _wine_csv(tmp_path / "wine.csv")
    trained = fnn_cli("train", "wine.csv", "--target", "kind", "--out", "model.fnn",
                      cwd=tmp_path)
    assert trained.returncode == 0, trained.stderr
    assert _value(r"training accuracy: ([0-9.]+)", trained.stdout) >= 0.95
    model, model_input = fnn._persistence.load_with_input(tmp_path / "model.fnn")
    assert model_input.scale == "standard" and model_input.target == "kind"
    assert model_input.feature_names == tuple(
        pytest.importorskip("sklearn.datasets").load_wine().feature_names)
    np.testing.assert_allclose(model_input.offset, X.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(model_input.factor, X.std(axis=0), rtol=1e-12)
    # The training file as it is: its target column is left out by name.
    printed = fnn_cli("predict", "model.fnn", "wine.csv", cwd=tmp_path)
    assert printed.returncode == 0, printed.stderr
    expected = model.predict((X - X.mean(axis=0)) / X.std(axis=0))
    assert printed.stdout.split() == [str(v) for v in expected.tolist()]
    evaluated = fnn_cli("evaluate", "model.fnn", "wine.csv", cwd=tmp_path)
    assert evaluated.returncode == 0, evaluated.stderr
    assert _value(r"accuracy: ([0-9.]+)", evaluated.stdout) == \
        _value(r"training accuracy: ([0-9.]+)", trained.stdout)
    # Columns are matched by name: another order, and no target column.
    names = list(model_input.feature_names)
    with open(tmp_path / "shuffled.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(names[::-1])
        writer.writerows([*map(repr, row[::-1])] for row in X.tolist())
    shuffled = fnn_cli("predict", "model.fnn", "shuffled.csv", cwd=tmp_path)
    assert shuffled.returncode == 0, shuffled.stderr
    assert shuffled.stdout == printed.stdout


@pytest.mark.parametrize("scale", ["minmax", "none"])
def test_scaling_statistics_are_stored_and_applied(tmp_path, rng, scale):
    n = 60
    X = np.column_stack([rng.normal(500, 100, n), np.full(n, 7.0), rng.rand(n)])
    y = (X[:, 0] > 500).astype(int)
    with open(tmp_path / "d.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["big", "constant", "small", "label"])
        writer.writerows([*map(repr, row), label] for row, label in
                         zip(X.tolist(), y.tolist()))
    trained = fnn_cli("train", "d.csv", "--target", "label", "--scale", scale,
                      "--max-iter", 20, "--hidden", 4, "--random-state", 0,
                      "--out", "m.fnn", cwd=tmp_path)
    assert trained.returncode == 0, trained.stderr
    model, model_input = fnn._persistence.load_with_input(tmp_path / "m.fnn")
    assert model_input.scale == scale
    if scale == "minmax":
        assert_array_equal(model_input.offset, X.min(axis=0))
        # A constant feature is left as it is (factor 1), never NaN.
        assert_array_equal(model_input.factor,
                           [X[:, 0].max() - X[:, 0].min(), 1.0,
                            X[:, 2].max() - X[:, 2].min()])
        inputs = model_input.transform(X)
        assert np.isfinite(inputs).all() and inputs.min() >= 0 and inputs.max() <= 1
    else:
        assert model_input.offset is None and model_input.factor is None
        inputs = X
    printed = fnn_cli("predict", "m.fnn", "d.csv", "--proba", cwd=tmp_path)
    assert printed.returncode == 0, printed.stderr
    P = np.array([line.split(",") for line in printed.stdout.split()], dtype=float)
    np.testing.assert_allclose(P, model.predict_proba(inputs), rtol=1e-6)


def test_predict_out_replaces_an_earlier_output(tmp_path, rng):
    _blobs_csv(tmp_path / "shapes.csv", rng, n=30)
    trained = fnn_cli("train", "shapes.csv", "--target", "shape", "--max-iter", 2,
                      "--hidden", 3, "--n-jobs", 1, "--out", "m.fnn", cwd=tmp_path)
    assert trained.returncode == 0, trained.stderr
    (tmp_path / "preds.csv").write_text("old predictions\n")
    for _ in range(2):
        result = fnn_cli("predict", "m.fnn", "shapes.csv", "--target", "shape", "--out",
                         "preds.csv", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    rows = (tmp_path / "preds.csv").read_text().splitlines()
    assert rows[0] == "prediction" and len(rows) == 31
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.fnn", "preds.csv",
                                                          "shapes.csv"]


def test_task_rule():
    assert choose_task(np.array(["a", "b"]))[0] == "classify"
    assert choose_task(np.arange(20))[0] == "classify"
    assert choose_task(np.arange(21))[0] == "regress"
    assert choose_task(np.array([0.5, 1.0]))[0] == "regress"
    assert choose_task(np.array([True, False]))[0] == "classify"


def test_confusion_matrix_text_counts_like_scikit_learn(rng):
    metrics = pytest.importorskip("sklearn.metrics")
    labels = ["ant", "bee", "cat", "dog"]
    y_true = np.array(labels)[rng.randint(0, 4, 200)]
    y_pred = np.array(labels)[rng.randint(0, 4, 200)]
    text = confusion_matrix_text(y_true, y_pred, labels).splitlines()
    assert text[0].split()[-4:] == labels
    counts = np.array([line.split()[1:] for line in text[1:]], dtype=int)
    assert_array_equal(counts, metrics.confusion_matrix(y_true, y_pred, labels=labels))
    assert len({len(line) for line in text}) == 1  # aligned columns
