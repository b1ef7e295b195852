"""What says a file is unchanged since it was last read: size, mtime, ctime, inode and device.

Size and mtime alone miss a file rewritten with the same size while its mtime is
put back (rsync -t, cp -p, tar and many editors restore or keep it) and a file
replaced by another one of the same size and mtime (an atomic save, a restore).
The status-change time (ctime) cannot be set by programs and the inode and device
change with a replacement, so git (its index) and rsync compare all five.
"""

from __future__ import annotations

import os

__all__ = ["Stamp", "stamp"]

#: (size, mtime_ns, ctime_ns, inode, device) of a file
Stamp = tuple[int, int, int, int, int]


def stamp(st: os.stat_result) -> Stamp:
    """The :data:`Stamp` of a ``stat`` result."""
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)
