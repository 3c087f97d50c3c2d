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


def test_launch_badges_stay_hidden_until_launch_links_points_them_at_a_repository(tmp_path, monkeypatch):
    import importlib.util
    root = pathlib.Path(__file__).parents[1]
    text = (root / "README.md").read_text()
    visible = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    assert "OWNER/handoff_nb" in text and "OWNER/handoff_nb" not in visible  # no badge leads nowhere
    (tmp_path / "notebooks" / "src").mkdir(parents=True)
    (tmp_path / "README.md").write_text(text)
    (tmp_path / "notebooks" / "src" / "00.py").write_text('# %pip install "x @ git+https://github.com/OWNER/handoff_nb"\n')
    spec = importlib.util.spec_from_file_location("launch_links", root / "scripts" / "launch_links.py")
    links = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(links)
    monkeypatch.setattr(links, "ROOT", tmp_path)
    links.main(["me/handoff_nb"])
    readme = (tmp_path / "README.md").read_text()
    assert "<!-- launch links" not in readme and "OWNER" not in readme.split("## Two commands")[0].replace(
        "takes `OWNER/REPO`", "")
    assert "[![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/me/handoff_nb/HEAD" in readme
    assert "colab.research.google.com/github/me/handoff_nb/blob/main" in readme
    assert "github.com/me/handoff_nb" in (tmp_path / "notebooks" / "src" / "00.py").read_text()
