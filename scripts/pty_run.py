#!/usr/bin/env python3
"""Run a command on a pseudo-terminal, as a person at a terminal would.

usage: pty_run.py [--cols N] [--reply PROMPT=TEXT]... [--interrupt PROMPT] -- COMMAND...

stdin, stdout and stderr of COMMAND are the terminal (N columns, default 80).
Each time the output shows PROMPT (in the order given), TEXT and a newline are
typed; at --interrupt's PROMPT, Ctrl-C is typed instead. Prints everything the
terminal showed (CRLF as LF), then one line: "[exit STATUS echo on|off]"
where STATUS is the exit status (128+N after signal N) and echo is the
terminal's ECHO flag after the command ended.
"""
import fcntl, os, pty, select, struct, sys, termios, time

args = sys.argv[1:]
cols = 80
steps = []
while args and args[0] != "--":
    flag = args.pop(0)
    if flag == "--cols":
        cols = int(args.pop(0))
    elif flag == "--reply":
        prompt, _, text = args.pop(0).partition("=")
        steps.append((prompt.encode(), text.encode() + b"\n"))
    elif flag == "--interrupt":
        steps.append((args.pop(0).encode(), b"\x03"))
    else:
        sys.exit("pty_run.py: unknown option " + flag)
command = args[1:]

pid, fd = pty.fork()
if pid == 0:
    os.execvp(command[0], command)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))

out = b""
status = None
seen = 0
deadline = time.time() + 30
while time.time() < deadline:
    if steps and steps[0][0] in out[seen:]:
        seen = out.index(steps[0][0], seen) + len(steps[0][0])
        time.sleep(0.1)  # let the command switch echo off before typing
        os.write(fd, steps.pop(0)[1])
    r, _, _ = select.select([fd], [], [], 0.2)
    if not r:
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = st
            break
        continue
    try:
        data = os.read(fd, 65536)
    except OSError:
        break
    if not data:
        break
    out += data
echo = termios.tcgetattr(fd)[3] & termios.ECHO
if status is None:
    if time.time() >= deadline:
        os.kill(pid, 9)  # still waiting for input after 30 s: a test failure, not a hang
        out += b"\n[killed after 30 s]\n"
    _, status = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(status)
code = 128 - code if code < 0 else code
sys.stdout.write(out.decode("utf-8", "replace").replace("\r\n", "\n"))
print("[exit %d echo %s]" % (code, "on" if echo else "off"))
