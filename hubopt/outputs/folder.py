"""Result folders: claimed atomically, replaced only when hubopt wrote them, never lost.

Every hubopt output folder (a solve, a comparison, a frontier, a sweep) is written by
:func:`atomic_folder`:

* the content goes to a hidden temporary folder ``.<name>.tmp-<pid>-<random>`` beside the
  target and appears at the target path only by one ``rename`` once complete, so a kill
  at any moment never leaves a complete-looking folder that is not;
* without ``force`` the name is *claimed* by that rename, which refuses an existing
  target (``renameat2(RENAME_NOREPLACE)`` on Linux; elsewhere ``os.rename``, which also
  refuses a non-empty folder): two runs of one scenario started together land in
  ``name`` and ``name-2``, never one over the other;
* with ``force`` the target is replaced only if it is a folder hubopt wrote (its
  ``manifest.json`` says ``"written_by": "hubopt"``, or it is a solve folder of release
  0.1), never a file, a foreign folder, or a folder holding any input of the run; the
  swap is one ``renameat2(RENAME_EXCHANGE)`` where the file system offers it, so at every
  instant either the old or the new folder is at the target path;
* leftovers of killed runs (temporary folders whose process is gone) are removed, or
  restored when they hold the only copy of a replaced result, by the next run.

:func:`check_target` runs the same checks *before* a solve, so a wrong ``--out`` is
reported in seconds with exit code 2, not after the solve.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import json
import os
import re
import secrets
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

from hubopt.errors import HubDataError, Issue
from hubopt.outputs.jsonio import write_json

__all__ = [
    "OWNER_KEY",
    "atomic_folder",
    "check_target",
    "claim_folder",
    "clean_leftovers",
    "free_folder",
    "is_hubopt_folder",
]

OWNER_KEY = "written_by"
_PROBE_BYTES = 64 * 1024
_RENAME_NOREPLACE, _RENAME_EXCHANGE = 1, 2
_AT_FDCWD = -100


def _renameat2_function() -> Callable[[bytes, bytes, int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError, TypeError):  # pragma: no cover - not glibc/Linux
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int

    def call(src: bytes, dst: bytes, flags: int) -> int:
        if fn(_AT_FDCWD, src, _AT_FDCWD, dst, flags) == 0:
            return 0
        return ctypes.get_errno()

    return call


_renameat2 = _renameat2_function()


def _rename_flags(src: Path, dst: Path, flags: int) -> bool:
    """``renameat2`` with ``flags``; False when the system or file system lacks it."""
    if _renameat2 is None:
        return False
    code = _renameat2(os.fsencode(src), os.fsencode(dst), flags)
    if code == 0:
        return True
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(dst))


def _claim(tmp: Path, target: Path) -> bool:
    """Rename ``tmp`` to ``target`` unless ``target`` exists; True if it was claimed."""
    try:
        if _rename_flags(tmp, target, _RENAME_NOREPLACE):
            return True
    except FileExistsError:
        return False
    if target.exists() or target.is_symlink():
        return False
    try:
        os.rename(tmp, target)  # refuses a non-empty folder; the window is tiny
    except OSError as exc:
        if exc.errno in (errno.EEXIST, errno.ENOTEMPTY, errno.EISDIR, errno.ENOTDIR):
            return False
        raise
    return True


def is_hubopt_folder(path: Path) -> bool:
    """Tell whether ``path`` is a real folder whose ``manifest.json`` shows hubopt wrote it."""
    path = Path(path)
    if path.is_symlink() or not path.is_dir():
        return False
    man = path / "manifest.json"
    if not man.is_file() or man.is_symlink():
        return False
    try:
        data = json.loads(man.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(data, dict):
        return False
    if data.get(OWNER_KEY) == "hubopt":
        return True
    # release 0.1 solve folders: manifest with these keys next to a summary
    legacy = {"manifest_version", "input_sha256", "solver_options"} <= set(data)
    return legacy and (path / "summary.json").is_file()


def _inside(child: Path, parent: Path) -> bool:
    try:
        child.relative_to(parent)
    except ValueError:
        return False
    return True


def _issue(check: str, message: str, target: Path) -> HubDataError:
    return HubDataError([Issue(check, message, str(target), column="--out")])


def _check_protected(target: Path, protect: Iterable[str | Path | None]) -> None:
    real = target.resolve()
    for p in protect:
        if p is None:
            continue
        q = Path(p).resolve()
        if real == q or _inside(q, real):
            raise _issue(
                "check_output_not_input",
                f"the output folder '{target}' is or holds an input of this run ('{p}'); "
                "choose another --out",
                target,
            )


def check_target(
    target: str | Path, *, force: bool, protect: Iterable[str | Path | None] = ()
) -> None:
    """Check an output location before any work is done.

    Parameters
    ----------
    target : str or Path
        The folder a run will write (or the base name of its numbered variants).
    force : bool
        Whether an existing ``target`` is to be replaced.
    protect : iterable of path
        Inputs of the run (data package, scenario file): the target may not be one of
        them nor hold one.

    Raises
    ------
    HubDataError
        ``check_output_not_file`` (the target or a parent is a file),
        ``check_output_not_input``, ``check_force_owned`` (``force`` on a folder hubopt
        did not write), ``check_output_writable`` (cannot create a probe folder with a
        small file beside the target: read-only, full, or no permission).
    """
    target = Path(target)
    _check_protected(target, protect)
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise _issue(
            "check_output_not_file",
            f"'{target}' exists and is not a folder; choose another --out (nothing was changed)",
            target,
        )
    for parent in target.parents:
        if parent.exists():
            if not parent.is_dir():
                raise _issue(
                    "check_output_not_file",
                    f"'{parent}' is a file, so '{target}' cannot be created under it",
                    target,
                )
            break
    if force and target.exists() and not is_hubopt_folder(target):
        raise _issue(
            "check_force_owned",
            f"--force replaces only a folder hubopt wrote; '{target}' has no hubopt "
            "manifest.json (it may hold your own files). Remove it yourself or choose "
            "another --out",
            target,
        )
    _probe(target)


def _probe(target: Path) -> None:
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = parent / f".{target.name}.tmp-{os.getpid()}-probe{secrets.token_hex(4)}"
        tmp.mkdir()
        try:
            with (tmp / "probe").open("wb") as fh:
                fh.write(b"\0" * _PROBE_BYTES)
                fh.flush()
                os.fsync(fh.fileno())
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    except OSError as exc:
        raise _issue(
            "check_output_writable",
            f"cannot write results beside '{target}': {exc.strerror or exc} "
            "(read-only, full, or no permission); choose another --out",
            target,
        ) from None


def free_folder(target: Path) -> Path:
    """Return ``target`` if it does not exist, else the first free ``target-2``, ``-3``, ..."""
    target = Path(target)
    if not (target.exists() or target.is_symlink()):
        return target
    n = 2
    while (cand := target.with_name(f"{target.name}-{n}")).exists() or cand.is_symlink():
        n += 1
    return cand


_LEFTOVER = re.compile(r"^\.(?P<name>.+)\.(?P<kind>tmp|old)-(?P<pid>\d+)-")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_leftovers(parent: Path, name: str) -> None:
    """Remove temporary folders of ``name`` left by killed runs; restore a lost result.

    A ``.<name>.old-<pid>-…`` folder holds a replaced result during the fallback
    (two-rename) replacement; if its run died and no folder is at the target path, it is
    renamed back so the earlier result is not lost.
    """
    if not parent.is_dir():
        return
    for p in parent.iterdir():
        m = _LEFTOVER.match(p.name)
        if not m or m["name"] != name or not p.is_dir() or p.is_symlink():
            continue
        if _alive(int(m["pid"])):
            continue
        target = parent / name
        held = p / name
        if m["kind"] == "old" and held.is_dir() and not target.exists():
            with contextlib.suppress(OSError):
                os.rename(held, target)
        shutil.rmtree(p, ignore_errors=True)


def _mark_owned(folder: Path, kind: str) -> None:
    man = folder / "manifest.json"
    data: dict = {}
    if man.is_file():
        data = json.loads(man.read_text(encoding="utf-8"))
    data = {OWNER_KEY: "hubopt", "kind": data.get("kind", kind), **data}
    data[OWNER_KEY] = "hubopt"
    write_json(man, data)


def _replace(tmp: Path, target: Path) -> None:
    """Put ``tmp`` at ``target`` (an existing hubopt folder) so one of them is always there."""
    if _rename_flags(tmp, target, _RENAME_EXCHANGE):
        shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the old result
        return
    old = target.parent / f".{target.name}.old-{os.getpid()}-{secrets.token_hex(4)}"
    old.mkdir()
    os.rename(target, old / target.name)
    try:
        os.rename(tmp, target)
    except BaseException:
        os.rename(old / target.name, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def claim_folder(target: str | Path, *, force: bool, kind: str) -> Path:
    """Claim a folder that is filled step by step (a sweep) and mark it as hubopt's.

    Without ``force`` the first free name of ``target``, ``target-2``, ... is created
    with ``mkdir``, which fails if another run made it first, so two runs never share a
    folder. With ``force`` an existing hubopt folder is reused (its points replaced one
    by one). Call :func:`check_target` first.

    Returns
    -------
    Path
        The folder claimed.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if force and is_hubopt_folder(target):
        return target
    cand = target
    while True:
        try:
            cand.mkdir()
            break
        except FileExistsError:
            cand = free_folder(target)
    _mark_owned(cand, kind)
    return cand


def atomic_folder(
    target: str | Path,
    writer: Callable[[Path], None],
    *,
    force: bool,
    kind: str = "result",
    protect: Iterable[str | Path | None] = (),
) -> Path:
    """Fill a folder atomically: the one place every hubopt output folder is written.

    Parameters
    ----------
    target : str or Path
        Folder to write.
    writer : callable
        ``writer(tmp)`` writes the content into the temporary folder ``tmp``.
    force : bool
        Replace ``target`` if it is a folder hubopt wrote (see :func:`check_target`);
        without it an existing ``target`` is kept and the next free ``target-2``, ... is
        claimed.
    kind : str, default "result"
        Recorded in ``manifest.json`` (``"solve"``, ``"compare"``, ...) unless the writer
        wrote its own manifest with a kind.
    protect : iterable of path
        Inputs of the run that the target may not be, nor hold.

    Returns
    -------
    Path
        The folder actually written.

    Raises
    ------
    HubDataError
        When the target cannot be used (see :func:`check_target`); nothing is changed.
    """
    target = Path(target)
    check_target(target, force=force, protect=protect)
    parent = target.parent
    clean_leftovers(parent, target.name)
    tmp = parent / f".{target.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
    tmp.mkdir()  # the usual permissions (0o777 less the umask): a report is meant to be read
    try:
        writer(tmp)
        _mark_owned(tmp, kind)
        if force and target.exists():
            if not is_hubopt_folder(target):  # changed while we worked
                raise _issue(
                    "check_force_owned", f"'{target}' is no longer a hubopt folder", target
                )
            _replace(tmp, target)
            return target
        cand = target
        while not _claim(tmp, cand):  # another run took the name first: take the next
            cand = free_folder(target)
        return cand
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
