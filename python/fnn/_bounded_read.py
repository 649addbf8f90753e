"""Reading files whose sizes the file itself claims, without trusting it.

Shared by fnn.data's readers and by model files (fnn._persistence): memory
is checked before it is taken (what the process and its cgroup may still
use), arrays are read straight into their final buffer in bounded chunks,
``.npy`` headers are parsed by NumPy's parser (which evaluates nothing),
and a zip archive's directory and members are checked (size, compression
method, what deflate can expand to) before they are read.  Every function
raises ValueError, or one of ``DAMAGE`` that its caller turns into a
ValueError naming the file.
"""
from __future__ import annotations

import io
import math
import os
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol, cast

import numpy as np
from numpy.typing import NDArray


class Reader(Protocol):
    """A binary stream the array readers fill buffers from: a file, a gzip
    stream or a zip member."""

    def read(self, size: int = ..., /) -> bytes: ...

    def readinto(self, buffer: memoryview, /) -> int: ...


#: Bytes per read when an array is filled from a file.
_READ_CHUNK = 1 << 20
#: Deflate (gzip, zip) turns one compressed byte into at most 1032: its
#: longest match, 258 bytes, takes at least 2 bits.  A header announcing more
#: than that many times the compressed size cannot be telling the truth.
DEFLATE_MAX_RATIO = 1032
#: Bytes of a zip's central directory (about 10,000 members), checked before
#: zipfile reads it whole.
_MAX_ZIP_DIRECTORY = 1 << 20
#: Zip compression methods np.savez (stored) and np.savez_compressed
#: (deflated) write; readers refuse the others.
_ZIP_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated",
                zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "lzma"}

#: What reading a damaged, truncated or foreign file raises besides
#: ValueError; readers turn these into ValueErrors naming the file.
DAMAGE = (OSError, EOFError, zlib.error, zipfile.BadZipFile, struct.error,
           OverflowError)


# ----------------------------------------------------------------------
# Bounded reading: sizes checked before memory is taken
# ----------------------------------------------------------------------
def reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) < 200 else text[:197] + "..."


def size_text(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1000:
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:.3g} {unit}"
        n /= 1000
    return f"{n:.3g} TB"


def _meminfo(*fields: str) -> int | None:
    """Sum of /proc/meminfo fields, in bytes (None off Linux)."""
    try:
        with open("/proc/meminfo") as f:
            values = {line.split(":")[0]: int(line.split()[1]) * 1024 for line in f}
        return sum(values[name] for name in fields)
    except (OSError, ValueError, IndexError, KeyError):
        return None


def _address_space_left() -> int | None:
    """Bytes this process may still map under its address-space limit
    (RLIMIT_AS), or None when it has none."""
    try:
        import resource
        limit = resource.getrlimit(resource.RLIMIT_AS)[0]
        if limit == resource.RLIM_INFINITY:
            return None
        with open("/proc/self/status") as f:
            used = next(int(line.split()[1]) * 1024 for line in f
                        if line.startswith("VmSize:"))
        return limit - used
    except (ImportError, OSError, ValueError, StopIteration):
        return None


def cgroup_memory_left() -> int | None:
    """Bytes left under the memory limit of this process's control group (a
    container's limit; cgroup v2, else v1), or None when it has none."""
    for limit, usage in (("memory.max", "memory.current"),
                         ("memory/memory.limit_in_bytes",
                          "memory/memory.usage_in_bytes")):
        try:
            with open(f"/sys/fs/cgroup/{limit}") as f:
                text = f.read().strip()
            with open(f"/sys/fs/cgroup/{usage}") as f:
                used = int(f.read())
            # "max", or v1's "no limit" (the largest page-aligned int64).
            if text != "max" and int(text) < 2 ** 62:
                return int(text) - used
        except (OSError, ValueError):
            pass
    return None


def memory_available() -> int | None:
    """Bytes this process can allocate without exhausting the machine: what
    the system reports available (Linux: MemAvailable + SwapFree; elsewhere
    the physical memory), or less under a container's memory limit or an
    address-space limit; None when unknown."""
    available = _meminfo("MemAvailable", "SwapFree")
    if available is None:
        try:
            available = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (AttributeError, ValueError, OSError):
            pass
    for left in (cgroup_memory_left(), _address_space_left()):
        if left is not None:
            available = left if available is None else min(available, left)
    return available


def check_memory(nbytes: int, what: str) -> None:
    """Raise ValueError when nbytes more would not fit in the memory available."""
    available = memory_available()
    if available is not None and nbytes > available:
        raise ValueError(f"{what} needs {size_text(nbytes)}, more than the "
                         f"{size_text(max(available, 0))} of memory available")


def allocate(shape: Sequence[int], dtype: np.dtype[Any],
              fortran: bool = False) -> NDArray[Any]:
    """np.empty(shape, dtype), or a ValueError (never a MemoryError) when it
    would not fit in the memory available."""
    what = f"an array of shape {tuple(shape)} and dtype {dtype}"
    check_memory(math.prod(shape) * dtype.itemsize, what)
    try:
        return np.empty(shape, dtype, order="F" if fortran else "C")
    except MemoryError:
        raise ValueError(f"{what} could not be allocated (out of memory)") from None


def fill(f: Reader, out: NDArray[Any]) -> int:
    """Read out's bytes from file object f straight into out (C-contiguous),
    a chunk at a time; returns the bytes read, fewer than out.nbytes when f
    ends first."""
    view = out.reshape(-1).view(np.uint8).data
    done = 0
    while done < len(view):
        n = f.readinto(view[done:done + _READ_CHUNK])
        if not n:
            break
        done += n
    return done


def read_exactly(f: Reader, n: int) -> bytes:
    """n bytes of f, fewer only at its end."""
    parts: list[bytes] = []
    got = 0
    while got < n:
        part = f.read(n - got)
        if not part:
            break
        parts.append(part)
        got += len(part)
    return b"".join(parts)


def npy_header(f: Reader) -> tuple[tuple[int, ...], bool, np.dtype[Any]]:
    """(shape, fortran_order, dtype) from the .npy header at f's position.

    numpy's parser evaluates no code and bounds the header's length; object
    dtypes (which only unpickling could read) and negative or empty sizes are
    refused here.  Raises ValueError.
    """
    try:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
        else:
            raise ValueError(f"unsupported .npy version {version}")
    except DAMAGE as exc:
        raise ValueError(f"damaged ({reason(exc)})") from None
    except (ValueError, TypeError) as exc:
        raise ValueError(f"not a readable .npy header ({reason(exc)})") from None
    if any(n < 0 for n in shape):
        raise ValueError(f"the .npy header announces shape {shape}")
    if dtype.hasobject:
        raise ValueError(f"dtype {dtype} holds Python objects, which only unpickling "
                         "could read; fnn never unpickles")
    if dtype.itemsize == 0:
        raise ValueError(f"dtype {dtype} has no size")
    return tuple(shape), bool(fortran), dtype


def _check_zip_directory(f: io.BufferedReader, size: int) -> None:
    """Refuse (ValueError) an archive whose central directory is larger than
    _MAX_ZIP_DIRECTORY, reading its size where zipfile will (the end record,
    or the zip64 one just before it), before zipfile reads it whole."""
    f.seek(max(size - 22, 0))
    record, position = f.read(22), size - 22
    if not (len(record) == 22 and record[:4] == b"PK\x05\x06"
            and record[-2:] == b"\0\0"):
        start = max(size - 22 - (1 << 16), 0)
        f.seek(start)
        tail = f.read(size - start)
        at = tail.rfind(b"PK\x05\x06")
        record, position = tail[at:at + 22], start + at
        if at < 0 or len(record) < 22:
            raise ValueError("not a zip archive (no end-of-directory record)")
    directory = struct.unpack_from("<I", record, 12)[0]
    if position >= 76:
        f.seek(position - 76)
        zip64 = f.read(76)
        if zip64[56:60] == b"PK\x06\x07" and zip64[:4] == b"PK\x06\x06":
            directory = struct.unpack_from("<Q", zip64, 40)[0]
    if directory > _MAX_ZIP_DIRECTORY:
        raise ValueError(f"its zip directory claims {size_text(directory)}; an archive "
                         f"of arrays needs at most {size_text(_MAX_ZIP_DIRECTORY)}")


def open_zip(f: io.BufferedReader, methods: Iterable[int]) -> zipfile.ZipFile:
    """zipfile.ZipFile over the open binary file f, with every member checked
    before any is read: compression among `methods` (zipfile constants), no
    encryption, no name twice, sizes that fit in the file.  Raises
    ValueError."""
    size = os.fstat(f.fileno()).st_size
    _check_zip_directory(f, size)
    try:
        f.seek(0)
        archive = zipfile.ZipFile(f)
    except (ValueError, *DAMAGE) as exc:
        raise ValueError(f"not a readable zip archive ({reason(exc)})") from None
    try:
        seen: set[str] = set()
        for info in archive.infolist():
            name = info.filename
            if name in seen:
                raise ValueError(f"member {name!r} appears twice")
            seen.add(name)
            if info.flag_bits & 0x1:
                raise ValueError(f"member {name!r} is encrypted")
            if info.compress_type not in methods:
                method = _ZIP_METHODS.get(info.compress_type,
                                          f"method {info.compress_type}")
                raise ValueError(
                    f"member {name!r} is {method}; only "
                    f"{' or '.join(_ZIP_METHODS[m] for m in methods)} members are read")
            if info.compress_type == zipfile.ZIP_STORED and \
                    info.compress_size != info.file_size:
                raise ValueError(f"member {name!r} is stored but claims "
                                 f"{info.file_size} bytes in {info.compress_size}")
            if not 0 <= info.header_offset <= size - info.compress_size:
                raise ValueError(f"member {name!r} claims {info.compress_size} bytes at "
                                 f"offset {info.header_offset}, outside the file")
    except BaseException:
        archive.close()
        raise
    return archive


def read_npy_member(
        archive: zipfile.ZipFile, info: zipfile.ZipInfo,
        accept: Callable[[np.dtype[Any], tuple[int, ...], bool], object] | None = None,
) -> NDArray[Any]:
    """The array in zip member `info` (an .npy file) of `archive`.

    Its header is read first; ``accept(dtype, shape, fortran)``, when given,
    may refuse it before anything else is read.  The data must fill the
    member exactly, a compressed member cannot claim more than deflate can
    expand to, the array must fit in memory, and it is read straight into
    its buffer (the zip's CRC is checked at the end).  Raises ValueError.
    """
    try:
        # A ZipExtFile, which has readinto (typeshed says only IO[bytes]).
        with cast("zipfile.ZipExtFile", archive.open(info)) as member:
            shape, fortran, dtype = npy_header(member)
            if accept is not None:
                accept(dtype, shape, fortran)
            nbytes = math.prod(shape) * dtype.itemsize
            held = info.file_size - member.tell()
            if nbytes != held:
                raise ValueError(f"its header announces shape {shape} of {dtype} "
                                 f"({nbytes} bytes) but it holds {held} bytes")
            if info.compress_type != zipfile.ZIP_STORED and \
                    info.file_size > DEFLATE_MAX_RATIO * info.compress_size + 1024:
                raise ValueError(f"it claims {size_text(info.file_size)} compressed into "
                                 f"{size_text(info.compress_size)}, more than deflate can "
                                 "expand to")
            out = allocate(shape, dtype, fortran)
            if fill(member, out.T if fortran else out) != nbytes:
                raise ValueError("its data end early")
    except DAMAGE as exc:
        raise ValueError(f"damaged ({reason(exc)})") from None
    return out


# ----------------------------------------------------------------------
# IDX
# ----------------------------------------------------------------------
