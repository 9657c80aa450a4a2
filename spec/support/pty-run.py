"""Runs a command in a pseudo-terminal (80x24): our stdin goes to it as keystrokes, its screen output
comes to our stdout; exits with the command's exit code. For specs of the interactive client."""
import fcntl, os, pty, select, struct, sys, termios

pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', 24, 80, 0, 0))
    os.execvp(sys.argv[1], sys.argv[1:])

sources = [fd, 0]
while True:
    readable, _, _ = select.select(sources, [], [])
    if 0 in readable:
        data = os.read(0, 1024)
        if data:
            os.write(fd, data)
        else:
            sources.remove(0)  # keep the terminal open: EOF on a pty would be Ctrl-D
    if fd in readable:
        try:
            data = os.read(fd, 4096)
        except OSError:  # EIO: the command closed the terminal
            data = b''
        if not data:
            break
        os.write(1, data)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
