"""The README's commands work, in order, as a newcomer types them (at small draw counts)."""

import re
import shlex

from conftest import ROOT
from sim.cli import main

README = (ROOT / "README.md").read_text()


def block(after: str) -> list[str]:
    """The shell lines of the first code block after a heading."""
    text = README[README.index(after):]
    code = text[text.index("```") + 3:]
    return [line for line in code[:code.index("```")].splitlines() if line.strip()]


def small(line: str) -> list[str]:
    """A command's arguments, its comment dropped, at small draw counts and samples."""
    args = shlex.split(line.split("  #")[0])[3:]          # after "python -m sim"
    args = [("40" if previous == "--draws" else a) for previous, a in zip([""] + args, args)]
    if args[0] in ("run", "brief") and "--draws" not in args:
        args += ["--draws", "40"]
    if "--method" in args and "sobol" in args:
        args += ["--samples", "16"]
    return args


def test_the_readme_commands_run_in_order(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios")
    setup = [line.split("&&")[-1].strip() for line in block("## Set up and run") if "sim run" in line]
    commands = setup + [line for line in block("## Using it") if line.startswith("python -m sim")]
    assert len(commands) >= 12
    for line in commands:
        args = small(line)
        if args[0] == "validate":   # every scenario's checks: test_validation runs them, at 200 draws
            continue
        assert main(args) == 0, (line, capsys.readouterr().err)
    assert (tmp_path / "nvidia.csv").exists() and list((tmp_path / "outputs" / "nvidia_2027").glob("*.svg"))
    # the two --set runs did not write over each other or over the base run
    results = sorted(p.name for p in (tmp_path / "outputs" / "nvidia_2027").glob("*.nc"))
    assert len([r for r in results if re.fullmatch(r"nvidia_2027-set-[0-9a-f]{8}-seed2027[.]nc", r)]) == 1


def test_the_readmes_pytest_options_are_ones_pytest_takes():
    """The README said ``-p no:xdist`` runs the suite in one process; with the project's
    ``addopts`` (``-n auto``) pytest refused it. Each option it names is tried on one small file."""
    import subprocess
    import sys

    said = re.findall(r"`python -m pytest ([^`]*)`|`(-[^`]+)` runs everything", README)
    options = [shlex.split(a or b) for a, b in said]
    assert ["-n", "0"] in options and len(options) >= 2
    for extra in options:
        done = subprocess.run([sys.executable, "-m", "pytest", *extra, "-q", "-p", "no:cacheprovider", "--co",
                               "tests/test_readme.py"], cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, (extra, done.stdout[-500:], done.stderr[-500:])
