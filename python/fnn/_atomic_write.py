"""Atomic file writes that never replace what the caller may not replace.

Layer: file system helpers, below the model format (fnn._persistence) and the
command line; imports nothing of fnn.

A write goes into a temporary file in the target's folder, which is flushed,
fsynced and renamed over the target (then the folder is fsynced), so a crash
or a full disk never leaves a torn file.  Temporary files are named
``.<name>.<host>.<pid>.<random>.tmp``; one left by a writer killed
mid-write is deleted by the next write to the same path on the same host.
The target must be a regular file (or absent) in an existing folder that
accepts new files; a caller may refuse to replace more (the model format
replaces only models).
"""
import os
import re
import socket
import stat
import tempfile
from collections.abc import Callable
from typing import IO, Any


def _umask() -> int:
    """The process's umask, read without changing it where Linux allows
    (os.umask sets it, which another thread could observe)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _host() -> str:
    """This machine's name, reduced to characters safe in a file name."""
    return re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname()) or "host"


def _temporary_prefix(path: str) -> str:
    """Start of the names of path's temporary files written on this host;
    the writer's pid and a random part follow."""
    return f".{os.path.basename(path)}.{_host()}."


def _create_temporary(target: str) -> tuple[int, str]:
    """A new temporary file next to target: (fd, its path)."""
    return tempfile.mkstemp(dir=os.path.dirname(target), suffix=".tmp",
                            prefix=f"{_temporary_prefix(target)}{os.getpid()}.")


def _remove_orphaned_temporaries(path: str) -> None:
    """Delete temporary files of ``path`` whose writer died mid-write.

    A process killed between creating its temporary file and renaming it
    (SIGKILL, power loss) leaves the file behind, the size of a model; a
    training run that checkpoints and is killed again and again would fill
    the folder.  The temporary's name holds its writer's host and pid, so
    the files of a writer on this host that no longer runs can go; files of
    live processes (another fit saving to the same path) and of other hosts
    (a shared folder) are left alone.
    """
    if os.name != "posix":  # os.kill(pid, 0) probes only on POSIX
        return
    folder = os.path.dirname(os.path.abspath(path))
    pattern = re.compile(re.escape(_temporary_prefix(path)) + r"(\d+)\.[^.]+\.tmp")
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        match = pattern.fullmatch(name)
        if match is None or _process_exists(int(match.group(1))):
            continue
        try:
            os.unlink(os.path.join(folder, name))
        except OSError:
            pass


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):  # another user's process; not a pid
        return True  # either way, not ours to delete
    return True


_FILE_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISCHR, "a character device"),
               (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a FIFO"),
               (stat.S_ISSOCK, "a socket"))


def _output_target(path: "str | os.PathLike[str]") -> str:
    """The file a write to path replaces (symbolic links followed), or a
    ValueError naming path when it is not a regular file or has no folder."""
    path = os.fspath(path)
    if not path:
        raise ValueError("the output path is empty.")
    target = os.path.realpath(path)
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise ValueError(f"cannot write {path}: {exc.strerror}.") from None
    if mode is not None and not stat.S_ISREG(mode):
        kind = next((kind for test, kind in _FILE_KINDS if test(mode)), "special")
        raise ValueError(f"cannot write {path}: it is {kind}, not a regular file.")
    if not os.path.isdir(os.path.dirname(target)):
        raise ValueError(f"cannot write {path}: no folder "
                         f"{os.path.dirname(os.path.abspath(path))}.")
    return target


def _no_new_file(path: Any, target: str, exc: OSError) -> ValueError:
    return ValueError(f"cannot write {path}: its folder {os.path.dirname(target)} "
                      f"accepts no new file ({exc.strerror or exc}).")


def check_output_path(path: "str | os.PathLike[str]") -> str:
    """Raise ValueError, naming ``path``, unless a file can be written there.

    The folder must exist and accept a new file (tried by creating and
    deleting a temporary one), and ``path``, if it exists, must be a regular
    file, not a folder, device, FIFO or socket.  Returns the file a write
    will replace (symbolic links followed).
    """
    target = _output_target(path)
    try:
        fd, tmp = _create_temporary(target)
    except OSError as exc:
        raise _no_new_file(path, target, exc) from None
    os.close(fd)
    os.unlink(tmp)
    return target


def write_atomically(path: "str | os.PathLike[str]", write: Callable[[IO[bytes]], Any],
                     replaceable: Callable[[str, Any], Any] | None = None) -> None:
    """Create or replace the file at ``path`` with what ``write(f)`` writes
    to a binary file object, atomically.

    The bytes go into a temporary file in the same folder, which is
    flushed, fsynced and renamed over ``path``.  Symbolic links are followed
    (the file they point to is replaced).  ``replaceable(target, path)``,
    when given, may refuse (ValueError) to replace the existing file.
    Errors name ``path``, never the temporary file.
    """
    target = _output_target(path)
    if replaceable is not None:
        replaceable(target, path)
    # Before creating ours, so that a writer killed mid-write leaves at most
    # its own temporary behind, whatever happened to the writers before it.
    _remove_orphaned_temporaries(target)
    try:
        fd, tmp = _create_temporary(target)
    except OSError as exc:
        raise _no_new_file(path, target, exc) from None
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        # mkstemp creates the file 0600; give it the mode a plain open() would.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(os.path.dirname(target), os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


