"""The `fnn` command line."""
import re
import shutil
import subprocess
import sys

import fnn
from fnn.cli import main


def test_demo_reports_accuracy_and_speed(capsys):
    assert main(["demo", "--epochs", "10"]) == 0
    out = capsys.readouterr().out
    accuracy = float(re.search(r"test accuracy\s+([0-9.]+)", out).group(1))
    assert accuracy > 0.9
    assert re.search(r"examples/s\s+[0-9,]+", out)
    assert re.search(r"training time\s+[0-9.]+ s", out)


def test_console_script_is_installed():
    exe = shutil.which("fnn")
    assert exe is not None, "the `fnn` console script is not on PATH"
    result = subprocess.run([exe, "--version"], capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout.strip() == f"fnn {fnn.__version__}"


def test_bad_arguments_fail_with_a_message():
    result = subprocess.run([sys.executable, "-m", "fnn.cli", "demo", "--epochs", "0"],
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert "--epochs must be at least 1" in result.stderr
    assert "Traceback" not in result.stderr
