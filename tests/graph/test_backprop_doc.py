"""docs/backprop.md runs: its ```python blocks are executed in order in one
namespace, and a ```text block right after a python block must equal what
that block printed."""
import contextlib
import io
import re
import traceback
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "backprop.md"
FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```[ \t]*$", re.S | re.M)


def fenced_blocks(text):
    """(language, body, line number of the body's first line) of each block."""
    return [(m.group(1).strip(), m.group(2), text.count("\n", 0, m.start(2)) + 1)
            for m in FENCE.finditer(text)]


def test_fence_parser_reads_languages_bodies_and_lines():
    text = "intro\n```python\nx = 1\n```\nprose\n```text\n1\n```\n"
    assert fenced_blocks(text) == [("python", "x = 1\n", 3), ("text", "1\n", 7)]


def test_every_block_is_code_or_the_output_of_the_block_before():
    blocks = fenced_blocks(DOC.read_text())
    assert sum(lang == "python" for lang, _, _ in blocks) >= 10
    for index, (lang, _, line) in enumerate(blocks):
        assert lang in ("python", "text"), f"line {line}: unexpected block type {lang!r}"
        if lang == "text":
            assert index and blocks[index - 1][0] == "python", \
                f"line {line}: an output block must follow a python block"
    # No unclosed or stray fence hides a block from the parser.
    assert DOC.read_text().count("```") == 2 * len(blocks)


def test_code_blocks_run_and_print_what_the_page_shows():
    text = DOC.read_text()
    namespace = {"__name__": "backprop_doc"}
    printed = None
    for lang, body, line in fenced_blocks(text):
        if lang == "text":
            assert printed == body, f"{DOC.name}:{line}: the block above printed\n{printed}"
            continue
        # Padding with newlines makes tracebacks point at the page's lines.
        code = compile("\n" * (line - 1) + body, str(DOC), "exec")
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                exec(code, namespace)
        except Exception:
            pytest.fail(f"the code block at {DOC.name}:{line} failed:\n"
                        f"{traceback.format_exc()}")
        printed = out.getvalue()
