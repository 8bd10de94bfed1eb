"""How gunicorn listens: one socket shared by its processes, or a socket per process (``SO_REUSEPORT``).

With one shared socket, whichever process accepts first keeps a kept-alive connection, so one process
can hold them all and be bound by its interpreter lock while the others idle. With a socket per process
the kernel spreads connections evenly, but connections still queued on a process that exits (a restart
after ``max_requests``) are reset unless Linux migrates them to a sibling (``net.ipv4.tcp_migrate_req``).
"""

from __future__ import annotations

MIGRATE_QUEUED = "/proc/sys/net/ipv4/tcp_migrate_req"


def spread_connections(choice: str, migrate_setting: str = MIGRATE_QUEUED) -> bool:
    """Whether each process gets a socket of its own (``GUNICORN_REUSE_PORT``: 1, 0 or auto).

    ``auto``, the default, spreads only when the kernel migrates queued connections, so nothing is reset.
    """
    if choice in ("0", "1"):
        return choice == "1"
    try:
        with open(migrate_setting) as setting:
            return setting.read().strip() == "1"
    except OSError:
        return False
