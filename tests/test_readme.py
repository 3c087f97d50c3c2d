"""The README's 15-line example runs and prints what its comments say."""

import pathlib
import re


def test_readme_example(capsys):
    text = (pathlib.Path(__file__).parents[1] / "README.md").read_text()
    block = re.search(r"## In 15 lines\n\n```python\n(.*?)```", text, re.S).group(1)
    assert len(block.strip().splitlines()) <= 15
    exec(compile(block, "README", "exec"), {})
    out = capsys.readouterr().out
    assert "handoff Billing Agent" in out and "HANDOFF_INSTRUCTIONS:" in out
