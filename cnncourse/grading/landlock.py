"""Linux Landlock: a process may write files only under the folders it is given.

The runner calls :func:`restrict` after reading its inputs and before running
a notebook: from then on the process (and anything it starts) can read files
as before but create, write, rename or delete files only beneath its own
temporary folder (and ``/dev``'s devices, ``/dev/shm``). Where the kernel has
Landlock ABI 6 or later it also cannot send signals to processes outside (the
grader, other submissions). Unprivileged and irreversible; where the kernel
has no Landlock (not Linux, Linux before 5.13, or Landlock not enabled),
:func:`restrict` returns False and nothing changes.
"""

from __future__ import annotations

import ctypes
import os
import sys

_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446  # the same on every architecture
_VERSION = 1 << 0
_RULE_PATH_BENEATH = 1
_NO_NEW_PRIVS = 38

WRITE_FILE = 1 << 1
_WRITES = (
    WRITE_FILE
    | (1 << 4)  # REMOVE_DIR
    | (1 << 5)  # REMOVE_FILE
    | (1 << 6)  # MAKE_CHAR
    | (1 << 7)  # MAKE_DIR
    | (1 << 8)  # MAKE_REG
    | (1 << 9)  # MAKE_SOCK
    | (1 << 10)  # MAKE_FIFO
    | (1 << 11)  # MAKE_BLOCK
    | (1 << 12)  # MAKE_SYM
)

__all__ = [
    "abi_version",
    "restrict",
]

_REFER, _TRUNCATE = 1 << 13, 1 << 14  # ABI 2, ABI 3
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1 << 0, 1 << 1  # ABI 6


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def abi_version() -> int:
    """The kernel's Landlock ABI version, 0 where there is none.

    Examples
    --------
    >>> abi_version() >= 0
    True
    """
    if not sys.platform.startswith("linux"):
        return 0
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        version = libc.syscall(_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(_VERSION))
    except (OSError, AttributeError):
        return 0
    return max(0, int(version))


def restrict(writable: list[str], devices: bool = True) -> bool:
    """Allow writes only beneath ``writable`` (and to devices); True if the kernel applied it.

    Examples
    --------
    >>> callable(restrict)  # irreversible: not applied to this process here
    True
    """
    abi = abi_version()
    if abi < 1:
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    handled = _WRITES | (_REFER if abi >= 2 else 0) | (_TRUNCATE if abi >= 3 else 0)
    attr = _RulesetAttr(handled, 0, (_SCOPE_SIGNAL | _SCOPE_ABSTRACT_UNIX_SOCKET) * (abi >= 6))
    size = 8 if abi < 4 else (16 if abi < 6 else 24)
    ruleset = libc.syscall(_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), 0)
    if ruleset < 0:
        return False
    try:
        rules = [(path, handled) for path in writable]
        if devices:
            rules.append(("/dev", WRITE_FILE | (_TRUNCATE if abi >= 3 else 0)))
            rules.append(("/dev/shm", handled))
        for path, access in rules:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                rule = _PathBeneathAttr(access, fd)
                if libc.syscall(_ADD_RULE, ruleset, _RULE_PATH_BENEATH, ctypes.byref(rule), 0):
                    return False
            finally:
                os.close(fd)
        if libc.prctl(_NO_NEW_PRIVS, 1, 0, 0, 0):
            return False
        return libc.syscall(_RESTRICT_SELF, ruleset, 0) == 0
    finally:
        os.close(ruleset)
