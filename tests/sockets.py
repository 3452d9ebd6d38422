"""Who listens where, as the kernel says (/proc/net/tcp and tcp6), for the tests that check that a
server is reachable from this host only."""
from __future__ import annotations

import ipaddress
import os
import socket
import subprocess

LISTEN = "0A"


def _address(hex_addr: str) -> str:
    raw = bytes.fromhex(hex_addr)
    if len(raw) == 4:
        return str(ipaddress.IPv4Address(raw[::-1]))
    # IPv6: four 32-bit words, each in host (little-endian) order
    words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
    return str(ipaddress.IPv6Address(words))


def listeners() -> list[tuple[str, int, int]]:
    """(address, port, socket inode) of every listening TCP socket of this host's network namespace."""
    out = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as fh:
                rows = fh.read().splitlines()[1:]
        except FileNotFoundError:
            continue
        for row in rows:
            cols = row.split()
            if cols[3] != LISTEN:
                continue
            addr, port = cols[1].split(":")
            out.append((_address(addr), int(port, 16), int(cols[9])))
    return out


def socket_inodes(pid: int) -> set[int]:
    inodes = set()
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return inodes
    for fd in fds:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def listening(pid: int) -> set[tuple[str, int]]:
    """(address, port) of every socket process `pid` listens on."""
    mine = socket_inodes(pid)
    return {(addr, port) for addr, port, inode in listeners() if inode in mine}


def on_port(port: int) -> set[str]:
    """The addresses anything listens on at `port`."""
    return {addr for addr, p, _ in listeners() if p == port}


def is_loopback(addr: str) -> bool:
    ip = ipaddress.ip_address(addr)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def outside_addresses() -> list[str]:
    """This machine's own IPv4 addresses other than loopback (another host would use one of them)."""
    try:
        out = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    found = []
    for word in out.split():
        try:
            ip = ipaddress.ip_address(word)
        except ValueError:
            continue
        if isinstance(ip, ipaddress.IPv4Address) and not ip.is_loopback:
            found.append(word)
    return found


def refused(addr: str, port: int) -> bool:
    """True when a TCP connection to addr:port is refused (nothing listens there)."""
    with socket.socket() as s:
        s.settimeout(3)
        try:
            s.connect((addr, port))
        except ConnectionRefusedError:
            return True
        except OSError:
            return True  # unreachable: not reachable either
        return False
