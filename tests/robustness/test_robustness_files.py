"""Hostile files, for model files, the data readers, the command line and
checkpoints: each case in a child process (test_robustness.py's harness),
under a time limit and, where a file claims more than it holds, a memory cap
far below what believing it would take.

Every failure must be a ValueError that names the file (or, for the command
line, one ``fnn: error:`` line naming it, exit status 2); no case may crash,
hang, run out of memory, or change a file it was not asked to write.

The files are made once, in the parent (``_make_files``); large claims are
built without their bulk: a deflate stream of a repeated block, with the
zip's or gzip's CRC combined arithmetically, so a 6.8 MB file that expands
to 6.8 GB takes a second to write.
"""
import contextlib
import copy
import gzip
import io
import json
import os
import random
import shutil
import stat
import struct
import time
import warnings
import zipfile
import zlib

import numpy as np
import pytest

import fnn
import fnn.cli
from test_robustness import AnyOf, Case, Raises, Returns, run_cases, run_in_child

MB = 2 ** 20
CAP = 500 * MB  # the memory a hostile file may make a case take, at most
GROUP = "files"


# ----------------------------------------------------------------------
# Writing files that claim more than they hold
# ----------------------------------------------------------------------
def _crc32_combine(crc1, crc2, len2):
    """zlib.crc32(A + B) from crc32(A), crc32(B) and len(B), as zlib's
    crc32_combine does it: the CRC of A shifted by len(B) zero bytes (a
    linear map over GF(2), applied by repeated squaring), then B's."""
    def times(matrix, vector):
        total, i = 0, 0
        while vector:
            if vector & 1:
                total ^= matrix[i]
            vector >>= 1
            i += 1
        return total

    def square(matrix):
        return [times(matrix, matrix[n]) for n in range(32)]

    odd = [0xEDB88320] + [1 << n for n in range(31)]  # one zero bit
    even = square(odd)
    odd = square(even)
    while len2:
        even = square(odd)
        if len2 & 1:
            crc1 = times(even, crc1)
        len2 >>= 1
        if not len2:
            break
        odd = square(even)
        if len2 & 1:
            crc1 = times(odd, crc1)
        len2 >>= 1
    return crc1 ^ crc2


class Stream:
    """Raw deflate data expanding to ``prefix + chunk * repeats`` (and more
    ``(chunk, repeats)`` pairs after), with that expansion's CRC-32 and
    length, computed without building it."""

    def __init__(self, prefix, chunk=b"", repeats=0, *more):
        def deflate(data):
            c = zlib.compressobj(9, zlib.DEFLATED, -15)
            return c.compress(data) + c.flush(zlib.Z_FULL_FLUSH)

        # A full flush ends each part on a byte, with no reference to what came
        # before: a chunk's blocks can simply be repeated.
        parts = [(prefix, 1), (chunk, repeats), *zip(more[::2], more[1::2])]
        self.data = b"".join(deflate(part) * n for part, n in parts) + \
            zlib.compressobj(9, zlib.DEFLATED, -15).flush()
        self.size = sum(len(part) * n for part, n in parts)
        self.crc = 0
        for part, n in parts:
            power, length = zlib.crc32(part), len(part)
            while n:
                if n & 1:
                    self.crc = _crc32_combine(self.crc, power, length)
                power, length = _crc32_combine(power, power, length), 2 * length
                n >>= 1


def _write_zip(path, members):
    """A zip of ``[(name, method, payload, flags)]``, written by hand: a
    deflated payload is a Stream (zipfile would compress it itself), a
    stored one bytes; sizes past 4 GB get zip64 fields."""
    with open(path, "wb") as f:
        central = []
        for name, method, payload, flags in members:
            name = name.encode()
            if isinstance(payload, Stream):
                data, crc, size = payload.data, payload.crc, payload.size
            else:
                data, crc, size = payload, zlib.crc32(payload), len(payload)
            zip64 = size >= 0xFFFFFFFF
            extra = struct.pack("<HHQQ", 1, 16, size, len(data)) if zip64 else b""
            sizes = (0xFFFFFFFF, 0xFFFFFFFF) if zip64 else (len(data), size)
            offset = f.tell()
            f.write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 45, flags, method, 0,
                                0x21, crc, *sizes, len(name), len(extra)) + name + extra)
            f.write(data)
            central.append(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 45, 45,
                                       flags, method, 0, 0x21, crc, *sizes, len(name),
                                       len(extra), 0, 0, 0, 0, offset) + name + extra)
        directory, start = b"".join(central), f.tell()
        f.write(directory + struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(members),
                                        len(members), len(directory), start, 0))


def _write_gzip(path, stream):
    """A gzip file of a Stream."""
    with open(path, "wb") as f:
        f.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + stream.data +
                struct.pack("<II", stream.crc, stream.size & 0xFFFFFFFF))


def _npy_header(dtype, shape):
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": np.lib.format.dtype_to_descr(
        np.dtype(dtype)), "fortran_order": False, "shape": tuple(shape)})
    return buf.getvalue()


def _npy(array):
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return buf.getvalue()


def _members(path):
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def _header_of(members):
    return json.loads(np.load(io.BytesIO(members["header.npy"])).tobytes())


def _with_header(members, header):
    return {**members, "header.npy": _npy(np.frombuffer(json.dumps(header).encode(),
                                                        np.uint8))}


def _deflated(members, replaced=()):
    """Zip members [(name, ZIP_DEFLATED, Stream, 0)]: every member deflated,
    as np.savez_compressed would, `replaced` ({name: Stream}) as given."""
    replaced = dict(replaced)
    return [(name, zipfile.ZIP_DEFLATED, replaced.get(name, Stream(data)), 0)
            for name, data in members.items()]


def _stored(members):
    return [(name, zipfile.ZIP_STORED, data, 0) for name, data in members.items()]


def _models():
    """Small fitted models of every estimator, and an unfitted one."""
    rng = np.random.RandomState(0)
    X = rng.rand(60, 4)
    y = np.array(["ant", "bee", "cow"])[np.arange(60) % 3]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "MLPClassifier": fnn.MLPClassifier((5,), max_iter=3, random_state=0).fit(X, y),
            "MLPRegressor": fnn.MLPRegressor(hidden_layer_sizes=(5,), solver="sgd", max_iter=3,
                                             random_state=0).fit(X, X @ [1, 2, 3, 4]),
            "Perceptron": fnn.Perceptron(max_iter=3, random_state=0).fit(X, y),
            "SVC": fnn.SVC().fit(X, y),
            "unfitted": fnn.MLPClassifier((5,)),
        }


def _make_files(folder):
    """Every file the cases read, written once in the parent."""
    p = lambda name: os.path.join(folder, name)  # noqa: E731
    rng = np.random.RandomState(0)
    X = rng.rand(60, 4)
    with open(p("d.csv"), "w") as f:
        f.write("a,b,c,d,label\n")
        for row, label in zip(X, np.arange(60) % 3):
            f.write(",".join(f"{v:.4f}" for v in row) + f",{label}\n")
    np.save(p("X.npy"), X)
    for name, model in _models().items():
        model.save(p(f"{name}.fnn"))
    members = _members(p("MLPClassifier.fnn"))
    header = _header_of(members)

    # The three model files: deflated zeros claiming 6.8 GB of
    # parameters in a 6.8 MB file, a header padded with 3 GB of spaces, and
    # class labels of 25 million characters.
    n = 104 * 8 * MB  # float64 values in 104 blocks of 64 MB
    bomb = {**header, "arrays": {**header["arrays"],
                                 "params": {"dtype": "<f8", "shape": [n]}}}
    bomb_members = _with_header(members, bomb)
    _write_zip(p("zeros.fnn"), _deflated(bomb_members, {"params.npy": Stream(
        _npy_header("<f8", (n,)), bytes(64 * MB), 104)}))
    text = json.dumps(header).encode()
    spaces = 48 * 64 * MB  # 3 GB
    _write_zip(p("spaces.fnn"), _deflated(members, {"header.npy": Stream(
        _npy_header("u1", (len(text) + spaces,)) + text, b" " * (64 * MB), 48)}))
    labels = 25 * MB  # characters: 25 blocks of a million
    label_header = {**header, "arrays": {**header["arrays"], "classes": {
        "dtype": f"<U{labels}", "shape": [3]}}}
    a, b, c = ((letter * MB).encode("utf-32-le") for letter in "abc")
    _write_zip(p("labels.fnn"), _deflated(_with_header(members, label_header), {
        "classes.npy": Stream(_npy_header(f"<U{labels}", (3,)), a, 25, b, 25, c, 25)}))
    # The same claims, stored: bounded by the format's limits.
    long = np.array(["a" * 300, "b" * 300, "c" * 300])
    _write_zip(p("long-labels.fnn"), _stored({
        **_with_header(members, {**header, "arrays": {**header["arrays"], "classes": {
            "dtype": long.dtype.str, "shape": [3]}}}), "classes.npy": _npy(long)}))
    padded = json.dumps(header) + " " * (9 * MB)
    _write_zip(p("big-header.fnn"), _stored({**members, "header.npy": _npy(
        np.frombuffer(padded.encode(), np.uint8))}))
    for depth in (100, 100_000):  # json.dumps would recurse: splice the text in
        text = json.dumps({**header, "params": {**header["params"], "alpha": "@"}})
        text = text.replace('"@"', "[" * depth + "]" * depth)
        _write_zip(p(f"deep-{depth}.fnn"), _stored({**members, "header.npy": _npy(
            np.frombuffer(text.encode(), np.uint8))}))
    long_string = {**header, "params": {**header["params"], "activation": "r" * 5000}}
    _write_zip(p("long-string.fnn"), _stored(_with_header(members, long_string)))
    huge_int = {**header, "params": {**header["params"], "max_iter": 10 ** 30}}
    _write_zip(p("huge-int.fnn"), _stored(_with_header(members, huge_int)))
    # Zip features fnn never writes.
    for name, method, flags in (("lzma", zipfile.ZIP_LZMA, 0),
                                ("bzip2", zipfile.ZIP_BZIP2, 0),
                                ("encrypted", zipfile.ZIP_STORED, 1)):
        _write_zip(p(f"{name}.fnn"), [(n, method if n == "params.npy" else 0, data,
                                       flags if n == "params.npy" else 0)
                                      for n, data in members.items()])
    _write_zip(p("members.fnn"), _stored(members) + [
        (f"x{i}.npy", zipfile.ZIP_STORED, b"", 0) for i in range(30_000)])
    _write_zip(p("twice.fnn"), _stored(members) + _stored(
        {"params.npy": members["params.npy"]}))
    # A tampered file that names a victim to overwrite and asks for 30,000
    # threads (and an old file that simply holds these parameters).
    with open(p("victim.csv"), "w") as f:
        f.write("precious\n")
    tampered = {**header, "params": {**header["params"], "checkpoint_path": p("victim.csv"),
                                     "checkpoint_every": 1, "n_jobs": 30_000}}
    _write_zip(p("tampered.fnn"), _stored(_with_header(members, tampered)))

    # Readers.
    _write_gzip(p("zeros.csv.gz"), Stream(b"", bytes(64 * MB), 16))
    row = (",".join(["0"] * 5000) + "\n").encode()
    _write_gzip(p("rows.csv.gz"), Stream(b"", row * (64 * MB // len(row)), 32))
    _write_gzip(p("zeros.svm.gz"), Stream(b"", bytes(64 * MB), 16))
    with open(p("wide.svm"), "w") as f:
        f.write("1 1000000000:1\n")  # the 26-byte file, give or take
    with open(p("huge-index.svm"), "w") as f:
        f.write("1 1000000000000000000000000000000:1\n")
    with open(p("latin1.csv"), "wb") as f:
        f.write(b"a,b\n1,2\n3,\xe9\n")
    idx_header = bytes([0, 0, 8, 1]) + (2 ** 31).to_bytes(4, "big")
    _write_gzip(p("zeros-idx1-ubyte.gz"), Stream(idx_header, bytes(64 * MB), 32))
    _write_gzip(p("claims-idx3-ubyte.gz"), Stream(
        bytes([0, 0, 8, 3]) + b"\xff\xff\xff\xff" * 3, bytes(1000)))
    with open(p("claims-idx3-ubyte"), "wb") as f:
        f.write(bytes([0, 0, 8, 3]) + b"\xff\xff\xff\xff" * 3 + bytes(100))
    good_gz = gzip.compress(idx_header[:4] + (1000).to_bytes(4, "big") + bytes(1000))
    with open(p("truncated-idx1-ubyte.gz"), "wb") as f:
        f.write(good_gz[:len(good_gz) // 2])
    with open(p("not-gzip-idx1-ubyte.gz"), "wb") as f:
        f.write(b"this is not gzip data at all")
    with open(p("claims.npy"), "wb") as f:
        f.write(_npy_header("<f8", (10 ** 6, 10 ** 6)) + bytes(100))
    n = 32 * 8 * MB
    _write_zip(p("zeros.npz"), [("X.npy", zipfile.ZIP_DEFLATED, Stream(
        _npy_header("<f8", (n // 128, 128)), bytes(64 * MB), 32), 0)])
    liar = Stream(_npy_header("<f8", (10 ** 9,)) + bytes(1000))
    liar.size = 8 * 10 ** 9 + len(_npy_header("<f8", (10 ** 9,)))  # beyond 1032:1
    _write_zip(p("ratio.npz"), [("X.npy", zipfile.ZIP_DEFLATED, liar, 0)])
    _write_zip(p("lzma.npz"), [("X.npy", zipfile.ZIP_LZMA, b"\0" * 50, 0)])
    _write_zip(p("members.npz"), [(f"x{i}.npy", zipfile.ZIP_STORED, b"", 0)
                                  for i in range(30_000)])
    np.savez(p("ok.npz"), X=X, y=np.arange(60))
    with open(p("ok.npz"), "rb") as f:
        whole = f.read()
    with open(p("truncated.npz"), "wb") as f:
        f.write(whole[:len(whole) - 40])


# ----------------------------------------------------------------------
# What the cases run on, in the child
# ----------------------------------------------------------------------
class Workspace:
    """The folder of files made by _make_files; each case that changes files
    works in a fresh subfolder."""

    def __init__(self, folder):
        self.folder = folder
        self._count = 0

    def path(self, name):
        return os.path.join(self.folder, name)

    def fresh(self, *names):
        """A new subfolder holding copies of the named files."""
        self._count += 1
        sub = os.path.join(self.folder, f"case-{os.getpid()}-{self._count}")
        os.mkdir(sub)
        for name in names:
            shutil.copy(self.path(name), sub)
        return sub


def child_main(group, ids):
    run_in_child(_cases(), ids, Workspace(os.environ["FNN_CASE_DIR"]))


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def _cli(*argv):
    """Run `fnn ARGV` in this process: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = fnn.cli.main([str(a) for a in argv])
        except SystemExit as exc:
            status = exc.code
    return status, out.getvalue(), err.getvalue()


def _cli_error(*argv):
    """The one-line error of `fnn ARGV`; a ValueError, as the cases expect,
    when it fails as it should (status 2, one line, no MemoryError)."""
    status, out, err = _cli(*argv)
    lines = err.strip().splitlines()
    if status == 2 and len(lines) == 1 and lines[0].startswith("fnn: error: ") \
            and "MemoryError" not in err:
        raise ValueError(lines[0])
    return f"status {status}; stdout {out[-300:]!r}; stderr {err[-300:]!r}"


def _refused_and_unchanged(w, files, argv, kept):
    """Run the command in a fresh folder holding `files`; ValueError (its
    error line) when it fails and every file in `kept` is as it was."""
    sub = w.fresh(*files)
    before = {name: _read(os.path.join(sub, name)) for name in kept}
    try:
        return _cli_error(*[a.format(sub=sub) for a in argv])
    finally:
        for name in kept:
            assert _read(os.path.join(sub, name)) == before[name], f"{name} changed"


def _out_onto_a_link(w, kind):
    sub = w.fresh("d.csv")
    (os.symlink if kind == "symbolic" else os.link)(os.path.join(sub, "d.csv"),
                                                    os.path.join(sub, "alias.csv"))
    before = _read(os.path.join(sub, "d.csv"))
    try:
        return _cli_error("train", os.path.join(sub, "d.csv"), "--max-iter", 1,
                          "--out", os.path.join(sub, "alias.csv"))
    finally:
        assert _read(os.path.join(sub, "d.csv")) == before


def _out_onto(w, kind):
    """train --out onto a FIFO, a folder or a device node: refused, and the
    node is still what it was."""
    sub = w.fresh("d.csv")
    out = os.path.join(sub, "node")
    if kind == "FIFO":
        os.mkfifo(out)
    elif kind == "folder":
        os.mkdir(out)
    else:
        try:  # a node like /dev/null's, in the case's own folder
            os.mknod(out, 0o600 | stat.S_IFCHR, os.makedev(1, 3))
        except PermissionError:
            return "cannot make device nodes here"
    mode = os.lstat(out).st_mode
    try:
        return _cli_error("train", os.path.join(sub, "d.csv"), "--max-iter", 1,
                          "--out", out)
    finally:
        assert stat.S_IFMT(os.lstat(out).st_mode) == stat.S_IFMT(mode)


def _cli_predicts(w, name):
    """predict and evaluate with a saved, fitted model of any estimator."""
    status, out, err = _cli("predict", w.path(f"{name}.fnn"), w.path("d.csv"),
                            "--target", "label")
    if status != 0:
        return f"predict: status {status}: {err.strip()}"
    model = fnn.load(w.path(f"{name}.fnn"))
    X, _ = fnn.data.read_csv(w.path("d.csv"), target="label")
    if out.split() != [str(v) for v in model.predict(X)]:
        return "predictions differ from model.predict"
    status, out, err = _cli("evaluate", w.path(f"{name}.fnn"), w.path("d.csv"),
                            "--target", "label")
    return "predicts and evaluates" if status == 0 else \
        f"evaluate: status {status}: {err.strip()}"


def _tampered_machine_parameters(w):
    """A file naming a checkpoint path and 30,000 threads: loaded with the
    caller's defaults, and training it writes nothing."""
    sub = w.fresh("tampered.fnn", "victim.csv")
    before = _read(w.path("victim.csv"))
    model = fnn.load(os.path.join(sub, "tampered.fnn"))
    defaults = fnn.MLPClassifier()
    got = {k: getattr(model, k) for k in ("checkpoint_path", "checkpoint_every",
                                          "n_jobs")}
    if got != {k: getattr(defaults, k) for k in got}:
        return f"parameters from the file: {got}"
    X = np.random.RandomState(0).rand(30, 4)
    model.partial_fit(X, np.array(["ant", "bee", "cow"])[np.arange(30) % 3])
    if _read(w.path("victim.csv")) != before or sorted(os.listdir(sub)) != \
            ["tampered.fnn", "victim.csv"]:
        return "training wrote a file"
    return "caller's defaults"


def _read_npy_write_modes(w, mode):
    sub = w.fresh("X.npy")
    path = os.path.join(sub, "X.npy")
    before = _read(path)
    try:
        fnn.data.read_npy(path, mmap_mode=mode)
    finally:
        assert _read(path) == before, "the file changed"


def _wide_svmlight(w):
    X, y = fnn.data.read_svmlight(w.path("wide.svm"))
    return f"{X.format} {X.shape} nnz={X.nnz}"


def _checkpoint_onto(w, what):
    """MLP fit with checkpoint_path on an existing CSV, in a missing folder
    or over a folder: a ValueError naming the path, raised before the first
    epoch (the model is then still unfitted), and nothing written."""
    sub = w.fresh("d.csv")
    path = {"csv": os.path.join(sub, "d.csv"),
            "missing folder": os.path.join(sub, "nowhere", "m.fnn"),
            "folder": sub}[what]
    before = _read(os.path.join(sub, "d.csv"))
    model = fnn.MLPClassifier((3,), max_iter=2, checkpoint_path=path)
    X, y = np.random.RandomState(0).rand(20, 4), np.arange(20) % 2
    try:
        model.fit(X, y)
        return "fit wrote the checkpoint"
    except ValueError as exc:
        if path not in str(exc):
            return f"the error does not name {path}: {exc}"
    finally:
        assert _read(os.path.join(sub, "d.csv")) == before
        assert sorted(os.listdir(sub)) == ["d.csv"]
    return "refused before training" if not model.__sklearn_is_fitted__() else \
        "refused after training began"


_MUTATIONS = []


def _mutation(function):
    _MUTATIONS.append(function)
    return function


@_mutation
def _flip_bits(raw, rng, members):
    data = bytearray(raw)
    for _ in range(rng.randint(1, 8)):
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    return bytes(data)


@_mutation
def _overwrite(raw, rng, members):
    start = rng.randrange(len(raw))
    return raw[:start] + os.urandom(rng.randint(1, 64)) + raw[start + 64:]


@_mutation
def _truncate(raw, rng, members):
    return raw[:rng.randrange(len(raw))]


@_mutation
def _replace_member(raw, rng, members):
    """One member replaced (with valid CRCs, so parsing goes deep)."""
    name = rng.choice(sorted(members))
    other = members[rng.choice(sorted(members))]
    dtype = rng.choice(["<f8", "<f4", "<i8", "|u1", "|b1", "<U3", "<U100000", ">f8"])
    shape = rng.choice([(0,), (3,), (1, 1), (10 ** 12,), (2, 3, 4), ()])
    replacement = rng.choice([
        os.urandom(rng.randint(0, 300)), other, _npy_header(dtype, shape),
        _npy_header(dtype, shape) + os.urandom(rng.randint(0, 200)),
        _npy(np.zeros(rng.randint(0, 50), dtype=dtype.replace("100000", "5")))])
    return _zipped({**members, name: replacement}, rng)


_JSON_VALUES = [None, True, False, 0, -1, 1, 2 ** 31, 2 ** 63, 10 ** 30, -10 ** 30, 0.5,
                1e308, -1e308, "", "x" * 5000, "relu", "os.system", [], {}, [[[[[]]]]],
                {"$tuple": 5}, {"$tuple": [1, [2]]}, {"$items": [[[1], 2]]},
                {"$items": [[{"$tuple": [[1]]}, 2]]}, {"$float": "nan"}, {"$dict": []},
                {"$random_state": {"key": [2 ** 40] * 624, "pos": 0, "has_gauss": 0,
                                   "cached_gaussian": 0.0}},
                {"$random_state": {"key": list(range(624)), "pos": 10 ** 9,
                                   "has_gauss": 0, "cached_gaussian": 0.0}},
                {"a": 1, "b": 2}, list(range(100)), {"dtype": "<f8", "shape": [3]},
                {"dtype": "|O", "shape": [1]}, {"dtype": "<f8", "shape": [-1]}]


@_mutation
def _mutate_header(raw, rng, members):
    """One value anywhere in the JSON header replaced."""
    header = _header_of(members)
    for _ in range(rng.randint(1, 3)):
        node, parent, key = header, None, None
        while isinstance(node, (dict, list)) and node:
            parent, (key, node) = node, rng.choice(
                list(node.items()) if isinstance(node, dict) else list(enumerate(node)))
            if rng.random() < 0.3:
                break
        if parent is None:
            continue
        if isinstance(parent, dict) and rng.random() < 0.2:
            key = rng.choice(["checkpoint_path", "n_jobs", "cache_size", "evil", "$tuple"])
        parent[key] = copy.deepcopy(rng.choice(_JSON_VALUES))
    return _zipped(_with_header(members, header), rng)


def _zipped(members, rng):
    buf = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if rng.random() < 0.05 else zipfile.ZIP_STORED
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def _fuzz_load(w, seconds=25.0, limit=3000, seed=0):
    """fnn.load on mutated model files of every estimator: only ValueErrors
    may come out, and a model that loads must predict without crashing."""
    rng = random.Random(seed)
    originals = {name: _read(w.path(f"{name}.fnn")) for name in
                 ("MLPClassifier", "MLPRegressor", "Perceptron", "SVC", "unfitted")}
    members = {name: _members(w.path(f"{name}.fnn")) for name in originals}
    path = os.path.join(w.fresh(), "m.fnn")
    X = np.random.RandomState(0).rand(5, 4)
    deadline, count = time.monotonic() + seconds, 0
    while count < limit and time.monotonic() < deadline:
        name = rng.choice(sorted(originals))
        mutate = rng.choice(_MUTATIONS)
        with open(path, "wb") as f:
            f.write(mutate(originals[name], rng, members[name]))
        count += 1
        try:
            model = fnn.load(path)
        except ValueError as exc:
            if not str(exc).startswith(path):
                return f"a ValueError not naming the file: {exc}"
            continue
        except Exception as exc:
            return (f"{type(exc).__name__} from {mutate.__name__} of {name} (file "
                    f"{count}, seed {seed}): {exc}")
        try:
            model.predict(X)
        except Exception:
            pass  # an error is fine; a crash would end the child
    return "only ValueError" if count >= 300 else f"only {count} files in {seconds} s"


#: (case, function, file, what its ValueError says after naming the file):
#: every failure to read a hostile file, under a 500 MB memory cap.
_REFUSED = [
    # fnn.load: bounded by the file, every failure a ValueError naming it.
    ("load: 6.8 MB of deflated zeros claiming 6.8 GB", fnn.load, "zeros.fnn",
     "is deflated; only stored"),
    ("load: header padded with 3 GB of spaces", fnn.load, "spaces.fnn",
     "'header.npy' is deflated"),
    ("load: labels of 25 million characters", fnn.load, "labels.fnn", "is deflated"),
    ("load: stored labels of 300 characters", fnn.load, "long-labels.fnn",
     "labels and feature names in model files have at most 256"),
    ("load: 9 MB header", fnn.load, "big-header.fnn",
     r"the header has 9,\d+,\d+ bytes; model files have at most 8,388,608"),
    ("load: JSON 100 deep", fnn.load, "deep-100.fnn", "nested deeper than 32"),
    ("load: JSON 100,000 deep", fnn.load, "deep-100000.fnn", "not valid JSON"),
    ("load: 5,000-character string", fnn.load, "long-string.fnn",
     "a string of 5,000 characters"),
    ("load: integer beyond 64 bits", fnn.load, "huge-int.fnn", "beyond 64 bits"),
    ("load: lzma member", fnn.load, "lzma.fnn", "is lzma"),
    ("load: bzip2 member", fnn.load, "bzip2.fnn", "is bzip2"),
    ("load: encrypted member", fnn.load, "encrypted.fnn", "is encrypted"),
    ("load: 30,000 members", fnn.load, "members.fnn", "zip directory claims"),
    ("load: a member twice", fnn.load, "twice.fnn", "appears twice"),
    ("load: /dev/zero", fnn.load, "/dev/zero", "not a regular file"),
    # Readers: headers first, bodies streamed, a ValueError naming the file.
    *[(f"{read.__name__}: /dev/zero", read, "/dev/zero", "")
      for read in (fnn.data.read_idx, fnn.data.read_csv, fnn.data.read_svmlight,
                   fnn.data.read_npy, fnn.data.read_npz)],
    ("read_idx: header claims 79 TB, file has 116 bytes", fnn.data.read_idx,
     "claims-idx3-ubyte", r"announces shape .* but the file has 116"),
    ("read_idx: gzip claims more than deflate can expand to", fnn.data.read_idx,
     "claims-idx3-ubyte.gz", "more than its .* compressed bytes"),
    ("read_idx: gzip bomb of 2 GB", fnn.data.read_idx, "zeros-idx1-ubyte.gz",
     "memory available"),
    ("read_idx: truncated gzip", fnn.data.read_idx, "truncated-idx1-ubyte.gz",
     "damaged"),
    ("read_idx: not gzip", fnn.data.read_idx, "not-gzip-idx1-ubyte.gz", "damaged"),
    ("read_csv: gzip bomb of NULs", fnn.data.read_csv, "zeros.csv.gz", "line 1"),
    ("read_csv: not UTF-8", fnn.data.read_csv, "latin1.csv", "line 3: not UTF-8 text"),
    ("read_svmlight: gzip bomb of NULs", fnn.data.read_svmlight, "zeros.svm.gz",
     "line 1"),
    ("read_svmlight: feature index beyond 2**31", fnn.data.read_svmlight,
     "huge-index.svm", "line 1: feature index .* beyond"),
    ("read_npy: header claims 8 TB", fnn.data.read_npy, "claims.npy", "truncated"),
    ("read_npz: deflate bomb of 2 GB", fnn.data.read_npz, "zeros.npz",
     "array 'X': .*memory available"),
    ("read_npz: member claims more than deflate can expand to", fnn.data.read_npz,
     "ratio.npz", "more than deflate can expand to"),
    ("read_npz: lzma member", fnn.data.read_npz, "lzma.npz", "is lzma"),
    ("read_npz: 30,000 members", fnn.data.read_npz, "members.npz",
     "zip directory claims"),
    ("read_npz: truncated", fnn.data.read_npz, "truncated.npz", ""),
]


def _cases():
    P = lambda w, name: w.path(name)  # noqa: E731
    named = lambda name, pattern: Raises(ValueError, rf"{name}\b.*{pattern}")  # noqa: E731
    cases = [
        *[Case(title, lambda w, read=read, name=name: read(w.path(name)),
               named(name, pattern), memory=CAP)
          for title, read, name, pattern in _REFUSED],
        Case("load: tampered checkpoint_path and n_jobs", _tampered_machine_parameters,
             Returns("caller's defaults"), memory=CAP),
        Case("load: mutated files", _fuzz_load, Returns("only ValueError"),
             memory=CAP, timeout=120),
        Case("read_csv: gzip bomb of valid rows, under a 150 MB cap",
             lambda w: fnn.data.read_csv(w.path("rows.csv.gz")),
             named("rows.csv.gz", r"line \d+: .*memory"), memory=150 * MB, timeout=120),
        Case("read_svmlight: feature 1,000,000,000 in 15 bytes", _wide_svmlight,
             Returns("csr (1, 1000000000) nnz=1"), memory=CAP),
        Case("read_svmlight: n_features=2**40", lambda w: fnn.data.read_svmlight(
            w.path("wide.svm"), n_features=2 ** 40), Raises(ValueError, "n_features"),
            memory=CAP),
        Case("read_npy: mmap_mode='w+'", lambda w: _read_npy_write_modes(w, "w+"),
             Raises(ValueError, "mmap_mode"), memory=CAP),
        Case("read_npy: mmap_mode='r+'", lambda w: _read_npy_write_modes(w, "r+"),
             Raises(ValueError, "mmap_mode"), memory=CAP),

        # The command line: bounded, and never overwriting its inputs.
        Case("fnn train /dev/zero --format csv",
             lambda w: _cli_error("train", "/dev/zero", "--format", "csv"),
             named("/dev/zero", "line 1: longer than"), memory=CAP),
        Case("fnn train /dev/zero", lambda w: _cli_error("train", "/dev/zero"),
             Raises(ValueError, "cannot tell the format of /dev/zero .* give it with --format"),
             memory=CAP),
        Case("fnn train on feature 1,000,000,000",
             lambda w: _cli_error("train", P(w, "wide.svm")),
             Raises(ValueError, "memory available; fnn's networks need dense input"),
             memory=CAP),
        Case("fnn train d.csv --out d.csv", lambda w: _refused_and_unchanged(
            w, ["d.csv"], ["train", "{sub}/d.csv", "--out", "{sub}/d.csv"], ["d.csv"]),
            Raises(ValueError, "--out .*d.csv is the input .*d.csv"), memory=CAP),
        Case("fnn train --labels y.npy --out y.npy", lambda w: _refused_and_unchanged(
            w, ["X.npy"], ["train", "{sub}/X.npy", "--labels", "{sub}/X.npy", "--out",
                           "{sub}/X.npy"], ["X.npy"]),
            Raises(ValueError, "is the input"), memory=CAP),
        Case("fnn predict m.fnn d.csv --out m.fnn", lambda w: _refused_and_unchanged(
            w, ["MLPClassifier.fnn", "d.csv"],
            ["predict", "{sub}/MLPClassifier.fnn", "{sub}/d.csv", "--target", "label",
             "--out", "{sub}/MLPClassifier.fnn"], ["MLPClassifier.fnn", "d.csv"]),
            Raises(ValueError, "is the input"), memory=CAP),
        Case("fnn train --out a symbolic link to the data",
             lambda w: _out_onto_a_link(w, "symbolic"), Raises(ValueError, "is the input"),
             memory=CAP),
        Case("fnn train --out a hard link to the data",
             lambda w: _out_onto_a_link(w, "hard"), Raises(ValueError, "is the input"),
             memory=CAP),
        Case("fnn train --out a FIFO", lambda w: _out_onto(w, "FIFO"),
             Raises(ValueError, "node: it is a FIFO, not a regular file"), memory=CAP),
        Case("fnn train --out a folder", lambda w: _out_onto(w, "folder"),
             Raises(ValueError, "node: it is a folder"), memory=CAP),
        Case("fnn train --out a device node", lambda w: _out_onto(w, "device"),
             AnyOf(Raises(ValueError, "node: it is a character device"),
                   Returns("cannot make device nodes here")), memory=CAP),
        Case("fnn train --out an existing CSV", lambda w: _refused_and_unchanged(
            w, ["d.csv", "victim.csv"], ["train", "{sub}/d.csv", "--out",
                                         "{sub}/victim.csv"], ["victim.csv"]),
            Raises(ValueError, "victim.csv: it exists and is not an fnn model file"),
            memory=CAP),
        Case("fnn train --out in a missing folder", lambda w: _refused_and_unchanged(
            w, ["d.csv"], ["train", "{sub}/d.csv", "--out", "{sub}/nowhere/m.fnn"], []),
            Raises(ValueError, "cannot write .*nowhere/m.fnn: no folder"), memory=CAP),
        *[Case(f"fnn predict and evaluate a {name}", lambda w, name=name:
               _cli_predicts(w, name), Returns("predicts and evaluates"), memory=CAP)
          for name in ("MLPClassifier", "Perceptron", "SVC")],
        Case("fnn predict an unfitted model",
             lambda w: _cli_error("predict", P(w, "unfitted.fnn"), P(w, "d.csv")),
             Raises(ValueError, "holds an unfitted MLPClassifier"), memory=CAP),
        *[Case(f"fnn train --n-jobs {n}", lambda w, n=n: _cli_error(
            "train", P(w, "d.csv"), "--n-jobs", n), Raises(ValueError, "--n-jobs: "),
            memory=CAP) for n in (2 ** 31, 30_000, 0, -100_000, "many")],

        # Checkpoints never replace what is not a model, and fail early.
        *[Case(f"checkpoint_path onto {what}", lambda w, what=what:
               _checkpoint_onto(w, what), Returns("refused before training"), memory=CAP)
          for what in ("csv", "missing folder", "folder")],
    ]
    return {case.id: case for case in cases}


# ----------------------------------------------------------------------
# In the parent
# ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def results(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("hostile"))
    _make_files(folder)
    cases = _cases()
    try:
        yield run_cases(GROUP, list(cases), cases=cases, module=__file__,
                        env={"FNN_CASE_DIR": folder})
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _params():
    return [pytest.param(case.id, id=case.id, marks=[pytest.mark.xfail(
        strict=True, reason=case.xfail[GROUP])] if GROUP in case.xfail else [])
        for case in _cases().values()]


@pytest.mark.parametrize("case_id", _params())
def test_case(results, case_id):
    _cases()[case_id].expect.check(results[case_id])


def test_streams_expand_to_what_they_claim():
    """The bomb builder's streams and CRCs are what zlib computes."""
    for prefix, chunk, repeats in ((b"head", b"ab" * 1000, 5), (b"", bytes(4096), 13),
                                   (b"x" * 77, b"", 0), (b"", b"y", 1)):
        stream = Stream(prefix, chunk, repeats)
        whole = prefix + chunk * repeats
        assert zlib.decompress(stream.data, -15) == whole
        assert (stream.crc, stream.size) == (zlib.crc32(whole), len(whole))


def test_hand_written_zips_are_read_by_zipfile(tmp_path):
    members = {"a.npy": _npy(np.arange(5)), "b.npy": b"\0" * 100}
    _write_zip(tmp_path / "z.zip", _deflated(members))
    assert _members(tmp_path / "z.zip") == members
    _write_zip(tmp_path / "s.zip", _stored(members))
    assert _members(tmp_path / "s.zip") == members
    # A member of more than 4 GB: zip64 sizes, read without expanding it.
    _write_zip(tmp_path / "big.zip", [("big.npy", zipfile.ZIP_DEFLATED,
                                       Stream(b"", bytes(64 * MB), 70), 0)])
    with zipfile.ZipFile(tmp_path / "big.zip") as z:
        assert z.getinfo("big.npy").file_size == 70 * 64 * MB
        with z.open("big.npy") as member:
            assert member.read(MB) == bytes(MB)
