"""Model files: round trips, continued training, old versions, hostile files."""
import io
import json
import os
import pickle
import stat
import warnings
import zipfile

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import fnn
from fnn import MLPClassifier, MLPRegressor, _atomic_write, _persistence
from reference import ReferenceMLP


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fnn.ConvergenceWarning)
        yield


def _blobs(rng, n=120, n_features=5, labels=(0, 1, 2)):
    y = np.array(labels)[rng.randint(0, len(labels), n)]
    centres = rng.normal(scale=3, size=(len(labels), n_features))
    index = np.searchsorted(np.unique(np.array(labels)), y)
    return centres[index] + rng.normal(size=(n, n_features)), y


def _fitted_attributes(model):
    return {k: v for k, v in vars(model).items() if k.endswith("_") and not
            k.startswith("__")}


def _assert_same_model(a, b):
    assert type(a) is type(b)
    assert a.get_params() == b.get_params()
    assert {k: type(v) for k, v in a.get_params().items()} == \
        {k: type(v) for k, v in b.get_params().items()}
    fa, fb = _fitted_attributes(a), _fitted_attributes(b)
    assert fa.keys() == fb.keys()
    for key in fa:
        if isinstance(fa[key], np.ndarray):
            assert fa[key].dtype == fb[key].dtype, key
            assert_array_equal(fa[key], fb[key])
        else:
            assert fa[key] == fb[key], key
    assert a._params.dtype == b._params.dtype
    assert_array_equal(a._params, b._params)
    assert_array_equal(a._best_params, b._best_params)


def _save_load(model, tmp_path, name="model.fnn"):
    model.save(tmp_path / name)
    return fnn.load(tmp_path / name)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("solver, momentum", [("adam", 0.9), ("sgd", 0.9), ("sgd", 0.0)])
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_round_trip_predicts_and_trains_on_identically(tmp_path, rng, dtype, solver,
                                                       momentum, kind):
    X, y = _blobs(rng)
    X = X.astype(dtype)
    params = dict(hidden_layer_sizes=(7, 4), solver=solver, momentum=momentum,
                  learning_rate_init=0.01, max_iter=3, random_state=1,
                  learning_rate="invscaling" if solver == "sgd" else "constant")
    if kind == "classifier":
        model = MLPClassifier(**params).fit(X, y)
    else:
        model = MLPRegressor(**params).fit(X, X[:, :2].sum(axis=1))
    loaded = _save_load(model, tmp_path)
    _assert_same_model(model, loaded)
    assert_array_equal(model.predict(X), loaded.predict(X))
    if kind == "classifier":
        assert_array_equal(model.predict_proba(X), loaded.predict_proba(X))
    assert type(loaded._optimizer) is type(model._optimizer)
    assert vars(loaded._optimizer).keys() == vars(model._optimizer).keys()

    # One more epoch, both ways, from the original and from the copy.
    target = y if kind == "classifier" else X[:, :2].sum(axis=1)
    for m in (model, loaded):
        m.set_params(warm_start=True, max_iter=1).fit(X, target)
    assert_array_equal(model._params, loaded._params)
    assert model._optimizer.n_updates == loaded._optimizer.n_updates > 0
    for m in (model, loaded):
        m.partial_fit(X, target)
    assert_array_equal(model._params, loaded._params)
    for a, b in zip(model._optimizer.state, loaded._optimizer.state):
        assert_array_equal(a, b)
    assert model.loss_curve_ == loaded.loss_curve_
    assert model.t_ == loaded.t_


@pytest.mark.parametrize("labels", [
    ("cat", "dog"), ("ant", "bee", "cow"), (-3, 5, 9), (-1.0, 3.0), (2.0, 4.0, 8.0),
    (False, True)])
def test_class_labels_keep_their_type(tmp_path, rng, labels):
    X, y = _blobs(rng, labels=labels)
    model = MLPClassifier((5,), max_iter=5, random_state=0).fit(X, y)
    loaded = _save_load(model, tmp_path)
    assert loaded.classes_.dtype == model.classes_.dtype
    assert_array_equal(loaded.classes_, model.classes_)
    pred, pred_loaded = model.predict(X), loaded.predict(X)
    assert pred.dtype == pred_loaded.dtype
    assert_array_equal(pred, pred_loaded)


def test_object_labels_from_pandas_come_back_as_objects(tmp_path, rng):
    pd = pytest.importorskip("pandas")
    X, y = _blobs(rng, labels=("no", "yes", "maybe"))
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    model = MLPClassifier((5,), max_iter=5, random_state=0).fit(frame, pd.Series(y))
    assert model.classes_.dtype == object
    loaded = _save_load(model, tmp_path)
    assert loaded.classes_.dtype == object
    assert [type(c) for c in loaded.classes_] == [str] * 3
    assert_array_equal(model.predict(frame), loaded.predict(frame))


def test_multilabel_and_multioutput_models(tmp_path, rng):
    X = rng.normal(size=(80, 4))
    Y = (X[:, :3] > 0).astype(int)
    clf = MLPClassifier((6,), max_iter=5, random_state=0).fit(X, Y)
    loaded = _save_load(clf, tmp_path, "multilabel.fnn")
    assert loaded._label_binarizer.y_type_ == "multilabel-indicator"
    assert_array_equal(clf.predict(X), loaded.predict(X))

    reg = MLPRegressor(hidden_layer_sizes=[6], max_iter=5, random_state=0)
    reg.fit(X, X[:, :2])
    loaded = _save_load(reg, tmp_path, "multioutput.fnn")
    assert loaded.predict(X).shape == (80, 2)
    assert_array_equal(reg.predict(X), loaded.predict(X))
    assert loaded.hidden_layer_sizes == [6]  # a list stays a list


@pytest.mark.parametrize("label", ["only", 7, 3.0])
def test_one_class_model_round_trips(tmp_path, rng, label):
    # An MLPClassifier fitted on one class (as scikit-learn's allows) saves
    # and loads: one logistic output, predicting that class.
    X, _ = _blobs(rng, n=40)
    y = np.full(40, label)
    model = MLPClassifier((4,), solver="sgd", max_iter=3, random_state=0).fit(X, y)
    loaded = _save_load(model, tmp_path)
    _assert_same_model(model, loaded)
    assert loaded.classes_.tolist() == [label] and loaded.n_outputs_ == 1
    assert_array_equal(loaded.predict(X), y)
    assert_array_equal(model.predict_proba(X), loaded.predict_proba(X))
    for m in (model, loaded):
        m.partial_fit(X, y)
    assert_array_equal(model._params, loaded._params)


def test_feature_names_round_trip(tmp_path, rng):
    pd = pytest.importorskip("pandas")
    X, y = _blobs(rng, n=60)
    columns = ["age", "height (cm)", "naïve", "x" * 256, ""]
    frame = pd.DataFrame(X, columns=columns)
    small = dict(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    for model in (MLPClassifier(**small).fit(frame, y),
                  MLPRegressor(**small).fit(frame, X[:, 0])):
        loaded = _save_load(model, tmp_path)
        _assert_same_model(model, loaded)  # feature_names_in_ included
        assert loaded.feature_names_in_.dtype == object
        assert loaded.feature_names_in_.tolist() == columns
        assert all(type(name) is str for name in loaded.feature_names_in_)
        assert_array_equal(model.predict(frame), loaded.predict(frame))
        # The loaded model checks names at predict time as the original does.
        renamed = frame.rename(columns={"age": "years"})
        for m in (model, loaded):
            with pytest.raises(ValueError, match="feature names should match"):
                m.predict(renamed)
            with pytest.warns(UserWarning, match="X does not have valid feature names"):
                m.predict(X)
    # Without names, there are none after loading either.
    plain = _save_load(MLPClassifier((4,), max_iter=3, random_state=0).fit(X, y), tmp_path)
    assert not hasattr(plain, "feature_names_in_")
    with np.load(tmp_path / "model.fnn") as archive:
        assert "feature_names_in" not in archive.files


def test_tampered_feature_names_are_refused(tmp_path, rng):
    pd = pytest.importorskip("pandas")
    X, y = _blobs(rng, n=60)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    path = tmp_path / "m.fnn"
    for edit, message in [
            (lambda h, a: a.update(feature_names_in=a["feature_names_in"][:-1]),
             r"feature_names_in.*shape \(4,\).*expected.*\(5,\)"),
            (lambda h, a: a.update(feature_names_in=np.arange(5)), "unicode"),
            (lambda h, a: a.update(feature_names_in=np.array([["f0"] * 5])),
             "feature_names_in")]:
        MLPClassifier((4,), max_iter=2, random_state=0).fit(frame, y).save(path)
        _tamper(path, edit)
        with pytest.raises(ValueError, match=message):
            fnn.load(path)
    frame.columns = ["f" * 300] + list(frame.columns[1:])
    model = MLPClassifier((4,), max_iter=2, random_state=0).fit(frame, y)
    with pytest.raises(ValueError, match="'feature_names_in' holds strings of up to 300 "
                                         "characters; labels and feature names"):
        model.save(tmp_path / "long.fnn")
    assert not (tmp_path / "long.fnn").exists()


def test_poisson_regressor_round_trips(tmp_path, rng):
    X = rng.normal(size=(80, 4))
    y = rng.poisson(np.exp(0.5 * X[:, 0]))
    model = MLPRegressor(loss="poisson", hidden_layer_sizes=(5,), max_iter=4,
                         random_state=0).fit(X, y)
    loaded = _save_load(model, tmp_path)
    _assert_same_model(model, loaded)
    assert loaded.loss == "poisson" and loaded.out_activation_ == "exp"
    assert_array_equal(model.predict(X), loaded.predict(X))
    assert (loaded.predict(X) > 0).all()
    for m in (model, loaded):
        m.set_params(warm_start=True, max_iter=1).fit(X, y)
    assert_array_equal(model._params, loaded._params)
    assert model.loss_curve_ == loaded.loss_curve_


def test_early_stopping_history_round_trips(tmp_path, rng):
    X, y = _blobs(rng, n=200)
    model = MLPClassifier((8,), early_stopping=True, max_iter=6, random_state=0).fit(X, y)
    assert isinstance(model.validation_scores_, list) and model.best_loss_ is None
    loaded = _save_load(model, tmp_path)
    _assert_same_model(model, loaded)


def test_infinite_best_loss_and_random_state_objects_round_trip(tmp_path, rng):
    X, y = _blobs(rng)
    model = MLPClassifier((5,), max_iter=2, random_state=np.random.RandomState(3))
    model.fit(X, y)
    model.best_loss_ = np.inf  # as right after initialisation
    loaded = _save_load(model, tmp_path)
    assert loaded.best_loss_ == np.inf
    a, b = model.random_state.get_state(), loaded.random_state.get_state()
    assert a[0] == b[0] and a[2:] == b[2:]
    assert_array_equal(a[1], b[1])
    # Both generators continue with the same draws.
    assert_array_equal(model.random_state.rand(5), loaded.random_state.rand(5))


def test_unfitted_model_round_trips_its_parameters(tmp_path):
    model = MLPRegressor(hidden_layer_sizes=(3, 2), alpha=0.5, solver="sgd")
    loaded = _save_load(model, tmp_path)
    assert loaded.get_params() == model.get_params()
    assert loaded.hidden_layer_sizes == (3, 2)
    assert not hasattr(loaded, "_params")


def test_a_parameter_given_as_a_numpy_vector_is_stored_as_its_list(tmp_path, rng):
    X, y = _blobs(rng)
    model = MLPClassifier(np.array([4, 3]), dropout=np.array([0.2, 0.1]), max_iter=3,
                          random_state=0).fit(X, y)
    model.save(tmp_path / "m.fnn")
    loaded = fnn.load(tmp_path / "m.fnn")
    assert loaded.hidden_layer_sizes == [4, 3] and loaded.dropout == [0.2, 0.1]
    assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_saving_refuses_what_it_cannot_store(tmp_path, rng):
    class MyMLP(MLPClassifier):
        pass

    with pytest.raises(TypeError, match="MyMLP"):
        MyMLP().save(tmp_path / "sub.fnn")
    with pytest.raises(ValueError, match="random_state"):
        MLPClassifier(random_state=np.random.default_rng(0)).save(tmp_path / "g.fnn")
    with pytest.raises(TypeError, match="cannot be stored"):
        MLPClassifier(hidden_layer_sizes=np.array([3], dtype=object)).save(tmp_path / "a.fnn")
    model = MLPClassifier((3,), max_iter=2).fit(*_blobs(rng))
    model.alpha = -1.0  # a file load() would refuse is never written
    with pytest.raises(ValueError,
                       match="cannot save MLPClassifier: The 'alpha' parameter"):
        model.save(tmp_path / "bad.fnn")
    assert os.listdir(tmp_path) == []


def test_saved_files_get_the_usual_permissions(tmp_path, rng):
    old = os.umask(0o027)
    try:
        MLPClassifier((3,), max_iter=2).fit(*_blobs(rng)).save(tmp_path / "m.fnn")
    finally:
        os.umask(old)
    assert (tmp_path / "m.fnn").stat().st_mode & 0o777 == 0o640


# ----------------------------------------------------------------------
# The written file: layout, atomicity, hand-written version-1 files
# ----------------------------------------------------------------------
def test_file_holds_no_pickles_and_documents_itself(tmp_path, rng):
    X, y = _blobs(rng, labels=("a", "b", "c"))
    MLPClassifier((4,), max_iter=2, random_state=0).fit(X, y).save(tmp_path / "m.fnn")
    with np.load(tmp_path / "m.fnn", allow_pickle=False) as archive:
        header = json.loads(archive["header"].tobytes())
        assert header["format"] == "fnn-model" and header["format_version"] == 2
        assert header["input"] is None  # written by fnn train only
        assert header["estimator"] == "MLPClassifier" and header["dtype"] == "float64"
        assert header["params"]["hidden_layer_sizes"] == {"$tuple": [4]}
        for name, spec in header["arrays"].items():
            assert archive[name].dtype.str == spec["dtype"]
            assert list(archive[name].shape) == spec["shape"]
        assert archive["classes"].dtype.kind == "U"


def test_save_replaces_atomically_and_cleans_up(tmp_path, rng, monkeypatch):
    X, y = _blobs(rng)
    old = MLPClassifier((4,), max_iter=2, random_state=0).fit(X, y)
    old.save(tmp_path / "m.fnn")
    before = (tmp_path / "m.fnn").read_bytes()

    def crash(f, **members):  # a crash half-way through writing
        f.write(b"PK\x03\x04 half a file")
        raise OSError("disk full")

    monkeypatch.setattr(_persistence.np, "savez", crash)
    new = MLPClassifier((9,), max_iter=2, random_state=1).fit(X, y)
    with pytest.raises(OSError, match="disk full"):
        new.save(tmp_path / "m.fnn")
    assert (tmp_path / "m.fnn").read_bytes() == before
    assert os.listdir(tmp_path) == ["m.fnn"]
    monkeypatch.undo()
    new.save(tmp_path / "m.fnn")
    assert os.listdir(tmp_path) == ["m.fnn"]
    assert fnn.load(tmp_path / "m.fnn")._layout.layer_units[1] == 9


def _write_v1(path, header, arrays):
    """A version-1 file written by hand, following docs/model-format.md."""
    raw = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    with open(path, "wb") as f:  # a path would get ".npz" appended
        np.savez(f, header=raw, **arrays)


def _v1_regressor(rng):
    Ws = [rng.normal(size=(3, 4)), rng.normal(size=(4, 2))]
    bs = [rng.normal(size=4), rng.normal(size=2)]
    flat = np.concatenate([np.concatenate([W.ravel(), b]) for W, b in zip(Ws, bs)])
    header = {
        "format": "fnn-model", "format_version": 1, "fnn_version": "0.1.0",
        "estimator": "MLPRegressor",
        "params": {"hidden_layer_sizes": {"$tuple": [4]}, "activation": "tanh",
                   "random_state": 0, "solver": "sgd"},
        "fitted": True, "dtype": "float64",
        "state": {
            "layer_units": [3, 4, 2],
            "attributes": {"$dict": {
                "n_features_in_": 3, "n_outputs_": 2, "n_iter_": 1, "t_": 10,
                "loss_": 0.5, "loss_curve_": [0.5], "best_loss_": {"$float": "inf"},
                "_no_improvement_count": 0, "_y_was_1d": False}},
        },
        "arrays": {"params": {"dtype": "<f8", "shape": [len(flat)]},
                   "best_params": {"dtype": "<f8", "shape": [len(flat)]}},
    }
    return header, {"params": flat, "best_params": flat.copy()}, (Ws, bs)


def test_hand_written_version_1_file_loads(tmp_path, rng):
    header, arrays, (Ws, bs) = _v1_regressor(rng)
    _write_v1(tmp_path / "v1.npz", header, arrays)
    model = fnn.load(tmp_path / "v1.npz")
    assert isinstance(model, MLPRegressor) and model.activation == "tanh"
    assert model.alpha == MLPRegressor().alpha  # parameters not in the file: defaults
    assert model.best_loss_ == np.inf
    X = rng.normal(size=(6, 3))
    expected = ReferenceMLP(Ws, bs, "tanh", "squared_error").forward(X)[-1]
    np.testing.assert_allclose(model.predict(X), expected, rtol=1e-12)
    # Without a stored optimiser, training continues with a fresh one.
    model.partial_fit(X, expected)
    assert model._optimizer.n_updates > 0


def test_newer_format_version_is_refused(tmp_path, rng):
    header, arrays, _ = _v1_regressor(rng)
    header["format_version"] = 3
    header["input"] = None
    header["fnn_version"] = "9.0"
    _write_v1(tmp_path / "v3.fnn", header, arrays)
    with pytest.raises(ValueError, match=r"format version 3.*newer fnn.*up to 2"):
        fnn.load(tmp_path / "v3.fnn")


# ----------------------------------------------------------------------
# Hostile and damaged files: a clear ValueError, nothing executed
# ----------------------------------------------------------------------
class _Payload:
    marker = None

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_pickle_payloads_are_not_executed(tmp_path):
    marker = tmp_path / "executed"
    _Payload.marker = str(marker)
    (tmp_path / "pickle.fnn").write_bytes(pickle.dumps(_Payload()))
    with pytest.raises(ValueError, match="not an fnn model file"):
        fnn.load(tmp_path / "pickle.fnn")
    np.save(tmp_path / "objects.npy", np.array([_Payload()], dtype=object),
            allow_pickle=True)
    with pytest.raises(ValueError, match="not an fnn model file"):
        fnn.load(tmp_path / "objects.npy")
    with open(tmp_path / "objects.npz", "wb") as f:
        np.savez(f, header=np.frombuffer(b"{}", np.uint8),
                 params=np.array([_Payload()], dtype=object))
    with pytest.raises(ValueError):
        fnn.load(tmp_path / "objects.npz")
    assert not marker.exists()


@pytest.fixture
def model_file(tmp_path, rng):
    X, y = _blobs(rng)
    path = tmp_path / "m.fnn"
    MLPClassifier((4,), solver="sgd", max_iter=2, random_state=0).fit(X, y).save(path)
    return path


def test_truncated_and_corrupted_files_are_refused(model_file):
    data = model_file.read_bytes()
    for size in sorted({0, 1, 10, 100, len(data) // 3, len(data) // 2,
                        len(data) - 30, len(data) - 1}):
        model_file.write_bytes(data[:size])
        with pytest.raises(ValueError):
            fnn.load(model_file)
    # Flip bytes inside each member's data: the zip CRC catches it.
    model_file.write_bytes(data)
    for name in ("header.npy", "params.npy", "classes.npy"):
        with zipfile.ZipFile(model_file) as z:
            info = z.getinfo(name)
        extra = int.from_bytes(data[info.header_offset + 28:info.header_offset + 30],
                               "little")
        start = info.header_offset + 30 + len(info.filename) + extra
        offset = start + info.file_size - 3
        model_file.write_bytes(data[:offset] + b"\xff\x00\xff" + data[offset + 3:])
        with pytest.raises(ValueError, match="damaged"):
            fnn.load(model_file)


def test_foreign_files_are_refused(tmp_path):
    (tmp_path / "text.csv").write_text("a,b\n1,2\n")
    np.save(tmp_path / "array.npy", np.arange(5))
    np.savez(tmp_path / "data.npz", X=np.zeros((2, 2)), y=np.zeros(2))
    for name in ("text.csv", "array.npy", "data.npz"):
        with pytest.raises(ValueError, match="not an fnn model file"):
            fnn.load(tmp_path / name)
    with pytest.raises(FileNotFoundError):
        fnn.load(tmp_path / "missing.fnn")


def _tamper(path, edit, sync_manifest=True):
    """Rewrite the model file at path after edit(header, arrays); the
    manifest follows the arrays unless sync_manifest is False."""
    with np.load(path, allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    header = json.loads(arrays.pop("header").tobytes())
    edit(header, arrays)
    if sync_manifest:
        header["arrays"] = {k: {"dtype": a.dtype.str, "shape": list(a.shape)}
                            for k, a in arrays.items()}
    _write_v1(path, header, arrays)


def _optimizer_fields(h):
    return h["state"]["optimizer"]["$dict"]["fields"]["$dict"]


def _state_arrays(h, a, size):
    a["optimizer_state_0"] = np.zeros(size, a["params"].dtype)


@pytest.mark.parametrize("edit, message", [
    (lambda h, a: h.update(estimator="os.system"), "unknown estimator class"),
    (lambda h, a: h.update(estimator="LabelBinarizer"), "unknown estimator class"),
    (lambda h, a: h.update(dtype="float32"), "params"),
    (lambda h, a: h.update(dtype="object"), "dtype"),
    (lambda h, a: a.update(params=a["params"][:-1]), "params"),
    (lambda h, a: a.update(params=np.zeros(999)), "params"),
    (lambda h, a: a.update(params=a["params"].reshape(3, -1)), "params"),
    (lambda h, a: a.update(best_params=a["best_params"].astype(np.float32)),
     "best_params"),
    (lambda h, a: a.update(extra=np.zeros(2)), "extra"),
    (lambda h, a: a.pop("classes"), "classes"),
    (lambda h, a: a.update(classes=np.array(["a", "b", "c"])[::-1].copy()), "sorted"),
    (lambda h, a: a.update(classes=np.arange(7)), "outputs"),
    (lambda h, a: a.update(classes=a["classes"][:1]),
     "multiclass targets need 3 classes or more; got 1"),
    (lambda h, a: h["state"].update(layer_units=[5, 3, 2]), "layer_units"),
    (lambda h, a: h["state"].update(layer_units=[5, 0, 3]), "layer_units"),
    (lambda h, a: h["state"].update(layer_units="5,4,3"), "layer_units"),
    (lambda h, a: h["state"].update(sneaky=1), "sneaky"),
    (lambda h, a: h["params"].update(activation="rm -rf"), "activation"),
    (lambda h, a: h["params"].update(no_such_param=1), "no_such_param"),
    (lambda h, a: h["params"].update(alpha={"__class__": "x"}), "tag"),
    (lambda h, a: h["params"].update(hidden_layer_sizes={"$tuple": "4"}), "tag"),
    (lambda h, a: _optimizer_fields(h).update(kind=3), "update rule"),
    (lambda h, a: _optimizer_fields(h).update(learning_rate="fast"), "learning_rate"),
    (lambda h, a: _optimizer_fields(h).update(momentum={"$float": "nan"}), "finite"),
    (lambda h, a: _optimizer_fields(h).update(n_updates=-4), "n_updates"),
    (lambda h, a: _optimizer_fields(h).update(evil=1), "evil"),
    (lambda h, a: _state_arrays(h, a, 0), "optimizer_state_0"),
    (lambda h, a: _state_arrays(h, a, 5), "optimizer_state_0"),
    (lambda h, a: h["state"]["optimizer"]["$dict"].update({"class": "Evil"}),
     "optimizer class"),
    (lambda h, a: h["state"]["attributes"]["$dict"].update(n_iter_=-1), "n_iter_"),
    (lambda h, a: h["state"]["attributes"]["$dict"].update(loss_curve_=["x"]),
     "loss_curve_"),
    (lambda h, a: h["state"]["attributes"]["$dict"].update(_y_was_1d=True),
     "_y_was_1d"),
    (lambda h, a: h["state"]["labels"]["$dict"].update(y_type="binary"), "classes"),
    (lambda h, a: h["state"]["labels"]["$dict"].update(y_type="evil"), "target type"),
    (lambda h, a: h.update(format="other"), "not an fnn model file"),
    (lambda h, a: h.update(format_version="1"), "format_version"),
    (lambda h, a: h.update(fitted=False), "unfitted"),
    (lambda h, a: h.pop("state"), "fields"),
])
def test_tampered_files_are_refused(model_file, edit, message):
    _tamper(model_file, edit)
    with pytest.raises(ValueError, match=message):
        fnn.load(model_file)


@pytest.mark.parametrize("edit, message", [
    (lambda h, a: h["arrays"]["params"].update(shape=[3]), "header says"),
    (lambda h, a: h["arrays"]["params"].update(dtype="<f4"), "header says"),
    (lambda h, a: h["arrays"]["params"].update(dtype="|O"), "malformed"),
    (lambda h, a: a.update(params=a["params"][:-1]), "header says"),
    (lambda h, a: a.update(extra=np.zeros(2)), "header lists"),
])
def test_manifest_must_match_the_arrays(model_file, edit, message):
    _tamper(model_file, edit, sync_manifest=False)
    with pytest.raises(ValueError, match=message):
        fnn.load(model_file)


def test_non_finite_weights_are_refused(model_file):
    def poison(h, a):
        a["params"] = a["params"].copy()
        a["params"][3] = np.nan

    _tamper(model_file, poison)
    with pytest.raises(ValueError, match="non-finite"):
        fnn.load(model_file)


def test_huge_claimed_shapes_are_refused_before_reading(model_file):
    # A well-formed zip whose params.npy header claims 10^9 more values than
    # it holds: refused from the header, before any allocation.
    with zipfile.ZipFile(model_file) as z:
        members = {name: z.read(name) for name in z.namelist()}
    npy = members["params.npy"]
    n = len(np.load(model_file)["params"])
    # Same length, so the .npy header stays well-formed.
    forged = npy.replace(f"({n},)".encode(), f"({'9' * len(str(n))},)".encode())
    assert forged != npy
    members["params.npy"] = forged
    header = json.loads(np.load(io.BytesIO(members["header.npy"])).tobytes())
    header["arrays"]["params"]["shape"] = [int("9" * len(str(n)))]
    buf = io.BytesIO()
    np.save(buf, np.frombuffer(json.dumps(header).encode(), np.uint8))
    members["header.npy"] = buf.getvalue()
    with zipfile.ZipFile(model_file, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    with pytest.raises(ValueError, match=r"announces shape \(9+,\).*but it holds"):
        fnn.load(model_file)


# ----------------------------------------------------------------------
# Perceptron and SVC
# ----------------------------------------------------------------------
def _assert_same_attributes(a, b):
    assert a.get_params() == b.get_params()
    public = {k for k in vars(a) if k.endswith("_") and not k.startswith("__")}
    assert public == {k for k in vars(b) if k.endswith("_") and not k.startswith("__")}
    for key in public:
        x, y = getattr(a, key), getattr(b, key)
        assert type(x) is type(y), key
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype, key
            assert_array_equal(x, y)
        else:
            assert x == y, key


@pytest.mark.parametrize("labels", [(0, 1), ("a", "b", "c")])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_perceptron_round_trip_and_continued_training(tmp_path, rng, labels, dtype):
    X, y = _blobs(rng, labels=labels)
    X = X.astype(dtype)
    weights = {labels[0]: 2.0}  # a dict keyed by labels, not strings
    model = fnn.Perceptron(class_weight=weights, max_iter=3, random_state=0).fit(X, y)
    loaded = _save_load(model, tmp_path)
    assert loaded.class_weight == weights
    _assert_same_attributes(model, loaded)
    assert_array_equal(model.decision_function(X), loaded.decision_function(X))
    assert_array_equal(model.predict(X), loaded.predict(X))
    for m in (model, loaded):
        m.partial_fit(X, y)
    assert_array_equal(model.coef_, loaded.coef_)
    for m in (model, loaded):
        m.set_params(warm_start=True).fit(X, y)
    assert_array_equal(model.coef_, loaded.coef_)
    assert model.mistakes_curve_ == loaded.mistakes_curve_


@pytest.mark.parametrize("kernel", ["linear", "rbf", "poly", "precomputed"])
@pytest.mark.parametrize("labels", [(0, 1), ("a", "b", "c")])
def test_svc_round_trip(tmp_path, rng, kernel, labels):
    X, y = _blobs(rng, labels=labels)
    X = X.astype(np.float32)
    if kernel == "precomputed":
        X = X.astype(np.float64) @ X.T.astype(np.float64)
    model = fnn.SVC(kernel=kernel, C=0.5, class_weight={labels[1]: 3.0}).fit(X, y)
    loaded = _save_load(model, tmp_path)
    _assert_same_attributes(model, loaded)
    assert loaded._fit_dtype == model._fit_dtype
    assert_array_equal(model.decision_function(X), loaded.decision_function(X))
    assert_array_equal(model.predict(X), loaded.predict(X))
    if kernel == "linear":
        assert_array_equal(model.coef_, loaded.coef_)


@pytest.mark.parametrize("estimator, edit, message", [
    ("svc", lambda h, a: a.update(support_vectors=a["support_vectors"][:-1]),
     "support_vectors"),
    ("svc", lambda h, a: a.update(support=a["support"] + 10 ** 6), "outside"),
    ("svc", lambda h, a: a.update(dual_coef=a["dual_coef"][:, :-1]), "dual_coef"),
    ("svc", lambda h, a: a.update(n_support=a["n_support"].astype(np.int64)),
     "n_support"),
    ("svc", lambda h, a: h["state"].update(shape_fit=[5, 9]), "shape_fit"),
    ("svc", lambda h, a: h["params"].update(kernel="evil"), "kernel"),
    ("perceptron", lambda h, a: a.update(coef=a["coef"][:, :-1]), "coef"),
    ("perceptron", lambda h, a: a.update(classes=a["classes"][:2]), "coef"),
    # One class is an MLPClassifier's case only.
    ("perceptron", lambda h, a: a.update(classes=a["classes"][:1]),
     "binary targets cannot have 1 classes"),
    ("svc", lambda h, a: a.update(classes=a["classes"][:1]),
     "binary targets cannot have 1 classes"),
    ("perceptron", lambda h, a: h["state"]["attributes"]["$dict"].update(
        mistakes_curve_=[1.5]), "mistakes_curve_"),
])
def test_tampered_perceptron_and_svc_files_are_refused(tmp_path, rng, estimator, edit,
                                                       message):
    X, y = _blobs(rng)
    model = (fnn.SVC() if estimator == "svc" else fnn.Perceptron()).fit(X, y)
    model.save(tmp_path / "m.fnn")
    _tamper(tmp_path / "m.fnn", edit)
    with pytest.raises(ValueError, match=message):
        fnn.load(tmp_path / "m.fnn")


def _assert_same_sparse(a, b):
    assert type(a) is type(b) and a.format == "csr" and a.shape == b.shape
    assert a.dtype == b.dtype
    for part in ("data", "indices", "indptr"):
        assert_array_equal(getattr(a, part), getattr(b, part))


def _sparse_blobs(rng, labels=("a", "b", "c")):
    import scipy.sparse as sp

    X, y = _blobs(rng, n_features=12, labels=labels)
    X[rng.rand(*X.shape) < 0.6] = 0.0
    return sp.csr_matrix(X), y


@pytest.mark.filterwarnings("ignore:The `probability` parameter:FutureWarning")
@pytest.mark.parametrize("labels", [(0, 1), ("a", "b", "c")])
@pytest.mark.parametrize("probability", [False, True])
def test_svc_fitted_on_sparse_input_stays_sparse(tmp_path, rng, labels, probability):
    X, y = _sparse_blobs(rng, labels)
    model = fnn.SVC(probability=probability, random_state=0).fit(X, y)
    loaded = _save_load(model, tmp_path)
    _assert_same_sparse(model.support_vectors_, loaded.support_vectors_)
    _assert_same_sparse(model.dual_coef_, loaded.dual_coef_)
    assert_array_equal(model.decision_function(X), loaded.decision_function(X))
    assert_array_equal(model.predict(X), loaded.predict(X))
    # Dense input to a sparse model and sparse input both work as before.
    assert_array_equal(model.predict(X.toarray()), loaded.predict(X.toarray()))
    if probability:
        assert_array_equal(model.predict_proba(X), loaded.predict_proba(X))


@pytest.mark.filterwarnings("ignore:The `probability` parameter:FutureWarning")
@pytest.mark.parametrize("labels", [(0, 1), ("a", "b", "c")])
def test_svc_probability_model_is_stored(tmp_path, rng, labels):
    X, y = _blobs(rng, labels=labels)
    model = fnn.SVC(probability=True, random_state=0).fit(X, y)
    loaded = _save_load(model, tmp_path)
    assert_array_equal(model.predict_proba(X), loaded.predict_proba(X))
    assert_array_equal(model.predict_log_proba(X), loaded.predict_log_proba(X))
    with pytest.warns(FutureWarning):
        assert_array_equal(model.probA_, loaded.probA_)
    # Without probability, the file holds no probability model.
    plain = _save_load(fnn.SVC().fit(X, y), tmp_path, "plain.fnn")
    with np.load(tmp_path / "plain.fnn", allow_pickle=False) as archive:
        assert "probA" not in archive.files
    with pytest.raises(AttributeError):
        plain.predict_proba(X)


@pytest.mark.parametrize("sparse_input", [False, True])
def test_sparsified_perceptron_stays_sparse(tmp_path, rng, sparse_input):
    X, y = _sparse_blobs(rng)
    X = X if sparse_input else X.toarray()
    model = fnn.Perceptron(penalty="l1", alpha=0.05, random_state=0).fit(X, y)
    model.sparsify()
    assert model.coef_.nnz < np.prod(model.coef_.shape)  # some weights are 0
    loaded = _save_load(model, tmp_path)
    _assert_same_sparse(model.coef_, loaded.coef_)
    assert_array_equal(model.decision_function(X), loaded.decision_function(X))
    loaded.densify()
    assert_array_equal(loaded.coef_, model.coef_.toarray())
    model.partial_fit(X, y)
    loaded.partial_fit(X, y)
    assert_array_equal(model.coef_, loaded.coef_)


@pytest.mark.parametrize("make", [
    lambda: fnn.SVC(), lambda: fnn.Perceptron(),
    lambda: MLPClassifier(hidden_layer_sizes=(3,), max_iter=5, random_state=0),
    lambda: MLPRegressor(hidden_layer_sizes=(3,), max_iter=5, random_state=0)],
    ids=["SVC", "Perceptron", "MLPClassifier", "MLPRegressor"])
def test_feature_names_are_restored_and_checked(tmp_path, rng, make):
    pd = pytest.importorskip("pandas")
    X, y = _blobs(rng, labels=(0, 1))
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    model = make().fit(frame, y)
    loaded = _save_load(model, tmp_path)
    assert loaded.feature_names_in_.dtype == object
    assert_array_equal(loaded.feature_names_in_, model.feature_names_in_)
    assert_array_equal(model.predict(frame), loaded.predict(frame))
    renamed = frame.rename(columns={"f0": "other"})
    for m in (model, loaded):
        with pytest.raises(ValueError, match="other"):
            m.predict(renamed)
    with pytest.warns(UserWarning, match="feature names"):
        loaded.predict(X)  # fitted with names, given none: scikit-learn's warning


def _csr_edit(name, part, change):
    def edit(h, a):
        a[f"{name}_{part}"] = change(a[f"{name}_{part}"].copy())
    return edit


def _set(index, value):
    def change(arr):
        arr[index] = value
        return arr
    return change


@pytest.mark.parametrize("estimator", ["svc", "perceptron"])
@pytest.mark.parametrize("part, change, message", [
    ("indices", _set(0, 10 ** 6), "column indices must lie in"),
    ("indices", _set(0, -1), "column indices must lie in"),
    ("indices", lambda i: i[::-1].copy(), "sorted and unique"),
    ("indices", lambda i: i.astype(np.int64), "indices"),
    ("indices", lambda i: i[:-1], "indices"),
    ("indptr", _set(-1, 10 ** 6), "row pointers"),
    ("indptr", _set(0, 1), "row pointers"),
    ("indptr", lambda p: p[::-1].copy(), "row pointers"),
    ("indptr", lambda p: p[:-1], "indptr"),
    ("data", _set(0, np.nan), "non-finite"),
    ("data", lambda d: d.astype(np.float32), "data"),
])
def test_damaged_csr_members_are_refused(tmp_path, rng, estimator, part, change,
                                         message):
    X, y = _sparse_blobs(rng)
    if estimator == "svc":
        model, name = fnn.SVC().fit(X, y), "support_vectors"
    else:
        model, name = fnn.Perceptron(random_state=0).fit(X, y).sparsify(), "coef"
    model.save(tmp_path / "m.fnn")
    _tamper(tmp_path / "m.fnn", _csr_edit(name, part, change))
    with pytest.raises(_persistence.ModelFileError, match=message):
        fnn.load(tmp_path / "m.fnn")


def test_sparse_flag_without_its_members_is_refused(tmp_path, rng):
    X, y = _blobs(rng)
    fnn.SVC().fit(X, y).save(tmp_path / "m.fnn")
    _tamper(tmp_path / "m.fnn", lambda h, a: h["state"].update(sparse=True))
    with pytest.raises(_persistence.ModelFileError, match="support_vectors_data"):
        fnn.load(tmp_path / "m.fnn")


@pytest.mark.filterwarnings("ignore:The `probability` parameter:FutureWarning")
@pytest.mark.parametrize("edit, message", [
    (lambda h, a: a.update(probB=a["probB"][:-1]), "probB"),
    (lambda h, a: a.pop("probB"), "probA and probB are stored together"),
    (lambda h, a: a.update(probA=np.full_like(a["probA"], np.inf)), "non-finite"),
])
def test_damaged_probability_model_is_refused(tmp_path, rng, edit, message):
    X, y = _blobs(rng)
    fnn.SVC(probability=True, random_state=0).fit(X, y).save(tmp_path / "m.fnn")
    _tamper(tmp_path / "m.fnn", edit)
    with pytest.raises(_persistence.ModelFileError, match=message):
        fnn.load(tmp_path / "m.fnn")


def test_feature_names_of_the_wrong_length_are_refused(tmp_path, rng):
    pd = pytest.importorskip("pandas")
    X, y = _blobs(rng)
    fnn.Perceptron().fit(pd.DataFrame(X, columns=list("abcde")), y).save(tmp_path / "m.fnn")
    _tamper(tmp_path / "m.fnn", lambda h, a: a.update(
        feature_names_in=a["feature_names_in"][:-1]))
    with pytest.raises(_persistence.ModelFileError, match="feature_names_in"):
        fnn.load(tmp_path / "m.fnn")


def _as_version_1(h, a):
    """A file as fnn wrote it before format version 2 and the sparse,
    probability and feature-name members existed."""
    h["format_version"] = 1
    del h["input"]
    for key in ("sparse", "sparse_coef"):
        h["state"].pop(key, None)


@pytest.mark.parametrize("make", [fnn.SVC, fnn.Perceptron])
def test_files_written_before_the_sparse_members_load(tmp_path, rng, make):
    X, y = _blobs(rng)
    model = make().fit(X, y)
    model.save(tmp_path / "m.fnn")
    _tamper(tmp_path / "m.fnn", _as_version_1)
    loaded = fnn.load(tmp_path / "m.fnn")
    assert_array_equal(model.decision_function(X), loaded.decision_function(X))


def test_imports_form_no_cycle():
    """fnn's modules import one another one way (the CLI and Dask layers on
    top, validation and the core below), function-local imports included:
    the model format imports no estimator."""
    import ast
    import pathlib

    root = pathlib.Path(fnn.__file__).parent
    modules = {p.stem if p.stem != "__init__" else "": p for p in root.glob("*.py")}
    graph = {}
    for name, path in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                if node.module is None:  # from . import x: module x, or the package's x
                    targets |= {a.name if a.name in modules else "" for a in node.names}
                else:
                    targets.add(node.module.split(".")[0])
            elif isinstance(node, ast.ImportFrom) and node.module and \
                    node.module.split(".")[0] == "fnn":
                parts = node.module.split(".")
                targets.add(parts[1] if len(parts) > 1 else "")
        graph[name] = targets & set(modules) - {name}
    assert not {"_multilayer_perceptron", "_perceptron", "_svc"} & graph["_persistence"]
    # Depth-first search for a back edge.
    state = {}

    def visit(module, path):
        state[module] = "open"
        for target in graph[module]:
            if state.get(target) == "open":
                raise AssertionError(f"import cycle: {' -> '.join(path + [target])}")
            if target not in state:
                visit(target, path + [target])
        state[module] = "done"

    for module in graph:
        if module not in state:
            visit(module, [module])


def _with_input(tmp_path, rng, scale="standard"):
    X, y = _blobs(rng)
    model = fnn.Perceptron().fit(X, y)
    names = tuple("abcde")
    offset = factor = None
    if scale != "none":
        offset, factor = X.mean(axis=0), X.std(axis=0)
    model_input = _persistence.ModelInput(names, "label", scale, offset, factor)
    _persistence.save(model, tmp_path / "m.fnn", input=model_input)
    return model, model_input, X


@pytest.mark.parametrize("scale", ["standard", "minmax", "none"])
def test_input_description_round_trip(tmp_path, rng, scale):
    model, model_input, X = _with_input(tmp_path, rng, scale)
    loaded, again = _persistence.load_with_input(tmp_path / "m.fnn")
    assert (again.feature_names, again.target, again.scale) == \
        (model_input.feature_names, model_input.target, model_input.scale)
    assert_array_equal(again.transform(X), model_input.transform(X))
    # fnn.load gives the estimator alone; files without a description give None.
    assert_array_equal(fnn.load(tmp_path / "m.fnn").coef_, model.coef_)
    model.save(tmp_path / "plain.fnn")
    assert _persistence.load_with_input(tmp_path / "plain.fnn")[1] is None


def _input(h):
    return h["input"]


@pytest.mark.parametrize("edit, message", [
    (lambda h, a: a.update(input_factor=np.zeros(5)), "input_factor must be at least"),
    (lambda h, a: a.update(input_factor=np.full(5, 1e-310)), "input_factor must be at least"),
    (lambda h, a: a.update(input_offset=np.full(5, np.nan)), "non-finite"),
    (lambda h, a: a.update(input_offset=np.zeros(4)), "input_offset"),
    (lambda h, a: a.update(input_factor=np.ones(5, np.float32)), "input_factor"),
    (lambda h, a: a.pop("input_factor"), "input_factor"),
    (lambda h, a: _input(h).update(scale="log"), "scale must be one of"),
    (lambda h, a: _input(h).update(feature_names=["a"]), "feature_names must list 5"),
    (lambda h, a: _input(h).update(feature_names=[1, 2, 3, 4, 5]), "feature_names"),
    (lambda h, a: _input(h).update(feature_names=list("abcda")), "distinct"),
    (lambda h, a: _input(h).update(feature_names=["", "b", "c", "d", "e"]), "non-empty"),
    (lambda h, a: _input(h).update(target=7), "target must be null or"),
    (lambda h, a: _input(h).update(target="c"), "not a feature's name"),
    (lambda h, a: _input(h).update(target="t" * 300), "at most 256"),
    (lambda h, a: _input(h).update(extra=1), "unknown"),
    (lambda h, a: h.update(input=None), "belong to no input description"),
    (lambda h, a: h.update(input="standard"), "input must be a dict"),
    (lambda h, a: _input(h).update(scale="none"), "belong to no input description"),
])
def test_damaged_input_description_is_refused(tmp_path, rng, edit, message):
    _with_input(tmp_path, rng)
    _tamper(tmp_path / "m.fnn", edit)
    with pytest.raises(_persistence.ModelFileError, match=message):
        _persistence.load_with_input(tmp_path / "m.fnn")


def test_scaling_that_overflows_says_so(tmp_path, rng):
    model_input = _persistence.ModelInput(tuple("ab"), None, "standard",
                                          np.array([-1e308, 0.0]), np.array([1e-300, 1.0]))
    with pytest.raises(ValueError, match="overflows float64"):
        model_input.transform(np.ones((3, 2)))


def test_unfitted_model_takes_no_input_description(tmp_path):
    description = _persistence.ModelInput(None, None, "none")
    with pytest.raises(ValueError, match="unfitted"):
        _persistence.save(fnn.SVC(), tmp_path / "m.fnn", input=description)
    fnn.SVC().save(tmp_path / "m.fnn")
    _tamper(tmp_path / "m.fnn", lambda h, a: h.update(input=description._header()))
    with pytest.raises(_persistence.ModelFileError, match="no state, arrays or input"):
        fnn.load(tmp_path / "m.fnn")


def test_callable_kernels_cannot_be_saved(tmp_path):
    with pytest.raises(TypeError, match="kernel"):
        fnn.SVC(kernel=np.dot).save(tmp_path / "k.fnn")


# ----------------------------------------------------------------------
# Parameters that act on the machine stay out of files
# ----------------------------------------------------------------------
def test_machine_parameters_are_neither_written_nor_read(tmp_path, rng):
    X, y = _blobs(rng)
    mlp = MLPClassifier((4,), max_iter=2, n_jobs=2, checkpoint_every=3,
                        checkpoint_path=tmp_path / "ckpt.fnn", random_state=0).fit(X, y)
    svc = fnn.SVC(cache_size=500).fit(X, y)
    for model, local in ((mlp, {"n_jobs", "checkpoint_path", "checkpoint_every"}),
                         (svc, {"cache_size"})):
        model.save(tmp_path / "m.fnn")
        with np.load(tmp_path / "m.fnn", allow_pickle=False) as archive:
            params = json.loads(archive["header"].tobytes())["params"]
        assert local.isdisjoint(params)
        loaded = fnn.load(tmp_path / "m.fnn")
        defaults = type(model)().get_params()
        assert {k: getattr(loaded, k) for k in local} == {k: defaults[k] for k in local}
        others = set(defaults) - local
        assert {k: getattr(loaded, k) for k in others} == \
            {k: getattr(model, k) for k in others}


def test_files_holding_machine_parameters_load_with_the_defaults(tmp_path, rng):
    """Files written before these parameters were left out (or tampered
    with) still load; what they say about paths and threads is ignored."""
    header, arrays, _ = _v1_regressor(rng)
    header["params"].update(checkpoint_path=str(tmp_path / "victim.csv"),
                            checkpoint_every=1, n_jobs=30_000)
    (tmp_path / "victim.csv").write_text("precious\n")
    _write_v1(tmp_path / "old.fnn", header, arrays)
    model = fnn.load(tmp_path / "old.fnn")
    assert (model.checkpoint_path, model.checkpoint_every, model.n_jobs) == \
        (None, 1, None)
    model.partial_fit(rng.normal(size=(8, 3)), rng.normal(size=(8, 2)))
    assert (tmp_path / "victim.csv").read_text() == "precious\n"
    assert sorted(os.listdir(tmp_path)) == ["old.fnn", "victim.csv"]


# ----------------------------------------------------------------------
# Writing never replaces what is not a model
# ----------------------------------------------------------------------
def test_save_replaces_models_and_empty_files_only(tmp_path, rng):
    model = MLPClassifier((3,), max_iter=2, random_state=0).fit(*_blobs(rng))
    (tmp_path / "data.csv").write_text("a,b\n1,2\n")
    np.save(tmp_path / "X.npy", np.arange(3))
    for name in ("data.csv", "X.npy"):
        before = (tmp_path / name).read_bytes()
        with pytest.raises(ValueError, match=rf"cannot write .*{name}: it exists and "
                                             "is not an fnn model file"):
            model.save(tmp_path / name)
        assert (tmp_path / name).read_bytes() == before
    (tmp_path / "empty.fnn").touch()  # e.g. from tempfile.mkstemp: nothing to lose
    model.save(tmp_path / "empty.fnn")
    model.save(tmp_path / "empty.fnn")  # a model over a model
    assert fnn.load(tmp_path / "empty.fnn").classes_.tolist() == [0, 1, 2]
    assert sorted(os.listdir(tmp_path)) == ["X.npy", "data.csv", "empty.fnn"]


def test_save_refuses_folders_fifos_and_missing_folders(tmp_path, rng):
    model = MLPClassifier((3,), max_iter=2, random_state=0).fit(*_blobs(rng))
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "folder").mkdir()
    for name, message in (("fifo", "it is a FIFO, not a regular file"),
                          ("folder", "it is a folder"),
                          ("nowhere/m.fnn", "no folder")):
        with pytest.raises(ValueError, match=rf"cannot write {tmp_path}/{name}: "
                                             f"{message}"):
            model.save(tmp_path / name)
        with pytest.raises(ValueError, match=message):
            _persistence.check_writable_model_path(tmp_path / name)
    assert stat.S_ISFIFO(os.lstat(tmp_path / "fifo").st_mode)
    assert sorted(os.listdir(tmp_path)) == ["fifo", "folder"]


def test_save_follows_symbolic_links(tmp_path, rng):
    model = MLPClassifier((3,), max_iter=2, random_state=0).fit(*_blobs(rng))
    (tmp_path / "runs").mkdir()
    model.save(tmp_path / "runs" / "3.fnn")
    os.symlink(tmp_path / "runs" / "3.fnn", tmp_path / "latest.fnn")
    model.set_params(alpha=0.5).save(tmp_path / "latest.fnn")
    assert os.path.islink(tmp_path / "latest.fnn")
    assert fnn.load(tmp_path / "runs" / "3.fnn").alpha == 0.5


def test_unwritable_folder_is_named_not_the_temporary(tmp_path, rng, monkeypatch):
    """A folder that accepts no new file (read-only, full): the error names
    the user's path, before anything is written."""
    def refuse(**kwargs):
        raise PermissionError(13, "Permission denied", kwargs["dir"] + "/.tmp123")

    monkeypatch.setattr(_atomic_write.tempfile, "mkstemp", refuse)
    path = tmp_path / "m.fnn"
    for check in (_persistence.check_writable_model_path,
                  _atomic_write.check_output_path,
                  lambda p: MLPClassifier().save(p)):
        with pytest.raises(ValueError) as error:
            check(path)
        assert str(error.value).startswith(f"cannot write {path}: its folder")
        assert "Permission denied" in str(error.value) and ".tmp" not in str(error.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_folder_is_refused(tmp_path):
    (tmp_path / "ro").mkdir()
    os.chmod(tmp_path / "ro", 0o500)
    try:
        with pytest.raises(ValueError, match="ro/m.fnn: its folder .* accepts no new"):
            _persistence.check_writable_model_path(tmp_path / "ro" / "m.fnn")
    finally:
        os.chmod(tmp_path / "ro", 0o700)


# ----------------------------------------------------------------------
# Bounded reading
# ----------------------------------------------------------------------
def test_compressed_model_files_are_refused(model_file):
    with zipfile.ZipFile(model_file) as z:
        members = {name: z.read(name) for name in z.namelist()}
    with zipfile.ZipFile(model_file, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    with pytest.raises(ValueError, match=r"m.fnn: .*'header.npy' is deflated; only "
                                         "stored members are read"):
        fnn.load(model_file)


def test_save_refuses_what_load_would_refuse(tmp_path, rng):
    X, _ = _blobs(rng, n=60)
    labels = np.array(["x" * 300, "y" * 300, "z" * 300])[np.arange(60) % 3]
    model = MLPClassifier((3,), max_iter=2, random_state=0).fit(X, labels)
    with pytest.raises(ValueError, match="labels and feature names in model files have "
                                         "at most 256"):
        model.save(tmp_path / "long.fnn")
    model = MLPClassifier((3,), max_iter=2, random_state=0).fit(X, np.arange(60) % 3)
    model.loss_curve_ = [0.123456789012345] * 500_000  # a 9 MB header
    with pytest.raises(ValueError, match="at most 8,388,608"):
        model.save(tmp_path / "big.fnn")
    assert os.listdir(tmp_path) == []


def test_arrays_are_read_without_a_second_copy(tmp_path, rng):
    """Loading allocates each array once: the peak is the arrays, not twice."""
    import tracemalloc

    header, arrays, _ = _v1_regressor(rng)
    n_features = 250_000  # 1,000,010 parameters, 8 MB in float64
    units = [n_features, 4, 2]
    n_params = (n_features + 1) * 4 + 5 * 2
    header["state"]["layer_units"] = units
    header["state"]["attributes"]["$dict"]["n_features_in_"] = n_features
    flat = rng.normal(size=n_params)
    header["arrays"] = {k: {"dtype": "<f8", "shape": [n_params]}
                        for k in ("params", "best_params")}
    _write_v1(tmp_path / "big.fnn", header, {"params": flat, "best_params": flat})
    tracemalloc.start()
    try:
        model = fnn.load(tmp_path / "big.fnn")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert_array_equal(model._params, flat)
    # params and best_params, plus read chunks and the finiteness checks'
    # masks: less than a third copy of the 8 MB array.
    assert peak < 2.5 * flat.nbytes, peak
