#!/usr/bin/env python3
"""Runs a program on a fresh pseudo-terminal for examples/sshd.ts (Node has no pty API).

    pty-helper.py [--control FD] ROWS COLS WIDTH_PX HEIGHT_PX MODES -- PROGRAM [ARG...]

MODES is "" or "opcode=value,..." with RFC 4254 section 8 terminal-mode opcodes (from the client's
pty-req); the modes this system knows are applied to the terminal before PROGRAM starts, as is the window
size (TIOCSWINSZ). The program becomes a session leader with the pty as its controlling terminal, and
SSH_TTY names the device.

fd 0 is copied to the pty and the pty's output to fd 1. The --control descriptor carries control lines:
    winsize ROWS COLS WIDTH_PX HEIGHT_PX    (RFC 4254 section 6.7 window-change)
    signal NAME                             (section 6.9, NAME without "SIG", sent to the program)
The helper exits with the program's status, or kills itself with the program's terminating signal so that
its parent sees the same outcome (RFC 4254 section 6.10 exit-status / exit-signal).
"""

import errno
import fcntl
import os
import resource
import select
import signal
import struct
import sys
import termios

MAX_CONTROL_LINE = 256
MAX_PENDING_INPUT = 64 * 1024
SIGNALS = {"ABRT", "ALRM", "FPE", "HUP", "ILL", "INT", "KILL", "PIPE", "QUIT", "SEGV", "TERM", "USR1", "USR2"}

# RFC 4254 section 8 opcodes: control characters, then flags by termios field (plus IUTF8, RFC 8160).
CC = {1: "VINTR", 2: "VQUIT", 3: "VERASE", 4: "VKILL", 5: "VEOF", 6: "VEOL", 7: "VEOL2", 8: "VSTART",
      9: "VSTOP", 10: "VSUSP", 11: "VDSUSP", 12: "VREPRINT", 13: "VWERASE", 14: "VLNEXT", 15: "VFLUSH",
      16: "VSWTCH", 17: "VSTATUS", 18: "VDISCARD"}
IFLAG = {30: "IGNPAR", 31: "PARMRK", 32: "INPCK", 33: "ISTRIP", 34: "INLCR", 35: "IGNCR", 36: "ICRNL",
         37: "IUCLC", 38: "IXON", 39: "IXANY", 40: "IXOFF", 41: "IMAXBEL", 42: "IUTF8"}
LFLAG = {50: "ISIG", 51: "ICANON", 52: "XCASE", 53: "ECHO", 54: "ECHOE", 55: "ECHOK", 56: "ECHONL",
         57: "NOFLSH", 58: "TOSTOP", 59: "IEXTEN", 60: "ECHOCTL", 61: "ECHOKE", 62: "PENDIN"}
OFLAG = {70: "OPOST", 71: "OLCUC", 72: "ONLCR", 73: "OCRNL", 74: "ONOCR", 75: "ONLRET"}
CFLAG = {90: "CS7", 91: "CS8", 92: "PARENB", 93: "PARODD"}
# termios.tcgetattr list positions
IFLAG_I, OFLAG_I, CFLAG_I, LFLAG_I, ISPEED_I, OSPEED_I, CC_I = range(7)


def set_winsize(fd, rows, cols, xpix, ypix):
    clamp = lambda v: max(0, min(int(v), 0xFFFF))  # struct winsize holds unsigned shorts
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", clamp(rows), clamp(cols), clamp(xpix), clamp(ypix)))


def apply_modes(fd, text):
    if not text:
        return
    attrs = termios.tcgetattr(fd)
    for item in text.split(","):
        opcode, _, value = item.partition("=")
        opcode, value = int(opcode), int(value)
        if opcode in CC:
            index = getattr(termios, CC[opcode], None)
            if index is not None and index < len(attrs[CC_I]):
                # 255 means "disabled" on the wire; Linux disables with 0 (_POSIX_VDISABLE).
                attrs[CC_I][index] = bytes([0 if value == 255 else value & 0xFF])
            continue
        for table, field in ((IFLAG, IFLAG_I), (LFLAG, LFLAG_I), (OFLAG, OFLAG_I), (CFLAG, CFLAG_I)):
            flag = getattr(termios, table.get(opcode, ""), None)
            if flag is not None:
                if field == CFLAG_I and opcode in (90, 91):
                    if value:
                        attrs[field] = (attrs[field] & ~termios.CSIZE) | flag
                elif value:
                    attrs[field] |= flag
                else:
                    attrs[field] &= ~flag
    termios.tcsetattr(fd, termios.TCSANOW, attrs)


def write_all(fd, data):
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def start(argv, slave):
    pid = os.fork()
    if pid != 0:
        return pid
    try:
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        os.environ["SSH_TTY"] = os.ttyname(0)
        os.closerange(3, 1024)
        # Python ignores SIGPIPE and catches SIGINT; the program must start with default dispositions.
        for sig in (signal.SIGPIPE, signal.SIGINT, signal.SIGCHLD, signal.SIGHUP, signal.SIGTERM):
            signal.signal(sig, signal.SIG_DFL)
        os.execvp(argv[0], argv)
    except OSError as e:
        os.write(2, f"{argv[0]}: {e.strerror}\r\n".encode())
    os._exit(127)


def control(line, pid, master):
    words = line.split()
    if len(words) == 5 and words[0] == b"winsize":
        set_winsize(master, *(int(w) for w in words[1:]))  # the kernel sends SIGWINCH to the foreground group
    elif len(words) == 2 and words[0] == b"signal" and words[1].decode() in SIGNALS:
        os.kill(pid, getattr(signal, "SIG" + words[1].decode()))


def relay(pid, master, wake_r, ctl):
    os.set_blocking(master, False)
    ctl_buf = b""
    to_master = bytearray()
    stdin_open = True
    status = None
    while True:
        if status is None:
            done, st = os.waitpid(pid, os.WNOHANG)
            if done:
                status = st
        rlist = [master, wake_r]
        if stdin_open and len(to_master) < MAX_PENDING_INPUT:
            rlist.append(0)
        if ctl is not None:
            rlist.append(ctl)
        # Once the program is gone, only drain what it left in the pty.
        timeout = 0 if status is not None else None
        r, w, _ = select.select(rlist, [master] if to_master else [], [], timeout)
        if status is not None and master not in r:
            return status
        if wake_r in r:
            os.read(wake_r, 512)
        if master in w:
            try:
                del to_master[: os.write(master, to_master)]
            except BlockingIOError:
                pass
        if 0 in r:
            data = os.read(0, 65536)
            if data:
                to_master += data
            else:
                stdin_open = False  # a terminal has no half-close: the program keeps running
        if ctl is not None and ctl in r:
            try:
                data = os.read(ctl, 1024)
            except OSError:
                data = b""
            if not data:
                ctl = None
            ctl_buf += data
            while b"\n" in ctl_buf:
                line, ctl_buf = ctl_buf.split(b"\n", 1)
                try:
                    control(line, pid, master)
                except (ValueError, OSError):
                    pass  # a bad line or a program already gone: nothing to do
            ctl_buf = ctl_buf[-MAX_CONTROL_LINE:]
        if master in r:
            try:
                data = os.read(master, 65536)
            except BlockingIOError:
                continue
            except OSError as e:
                if e.errno != errno.EIO:  # EIO: every slave descriptor is closed
                    raise
                data = b""
            if not data:
                return status if status is not None else os.waitpid(pid, 0)[1]
            write_all(1, data)


def main():
    args = sys.argv[1:]
    ctl = None
    if args[:1] == ["--control"] and len(args) > 1:
        ctl = int(args[1])
        args = args[2:]
    if "--" not in args or args.index("--") != 5 or len(args) < 7:
        sys.stderr.write(__doc__)
        return 2
    rows, cols, xpix, ypix = (int(a) for a in args[:4])
    master, slave = os.openpty()
    set_winsize(slave, rows, cols, xpix, ypix)
    try:
        apply_modes(slave, args[4])
    except (ValueError, termios.error):
        pass  # modes are advice (RFC 4254 section 8): a bad list does not stop the session
    # SIGCHLD wakes select() through this pipe; set up before the fork so an early exit is not missed.
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # the parent went away: die quietly
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    pid = start(args[6:], slave)
    os.close(slave)
    status = relay(pid, master, wake_r, ctl)
    os.close(master)
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)
        return 128 + sig
    return os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1


if __name__ == "__main__":
    sys.exit(main())
