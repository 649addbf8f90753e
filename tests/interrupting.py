"""Run a script in a child Python, press Ctrl-C during it, collect the output."""
import json
import signal
import subprocess
import sys
import time


def ctrl_c_child(script, *args, after):
    """Start `script` (it prints "started" when training begins), send SIGINT
    `after` seconds later and wait for it to finish.

    Returns (return code, the JSON object on its last stdout line or None,
    stderr, the time SIGINT was sent).  A child still running after 60 s
    fails the test and is killed: it must not outlive the test.
    """
    # A shell starts background jobs with SIGINT ignored, and a Python
    # started so keeps it ignored: give the child the terminal's default, so
    # that SIGINT raises KeyboardInterrupt in it however the tests were run.
    child = subprocess.Popen([sys.executable, "-c", script, *map(str, args)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        assert child.stdout.readline().strip() == "started"
        time.sleep(after)
        sent = time.time()
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=60)
    finally:
        child.kill()
        child.wait()
    lines = out.strip().splitlines()
    return child.returncode, json.loads(lines[-1]) if lines else None, err, sent
