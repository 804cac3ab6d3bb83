"""The package's layout: every module named in the README's map, none too long, no import cycle
(function-local imports included), the model called from the runner only."""

from __future__ import annotations

import ast
import re
import sys

from conftest import ROOT

SIM = ROOT / "sim"
MAX_LINES = 450


def modules() -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for p in SIM.rglob("*.py"))


def test_every_module_is_named_in_the_readmes_map():
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("## Where things live"):readme.index("## Documentation")]
    rows = {}
    for line in table.splitlines():
        cells = line.split("|")
        if len(cells) > 2 and cells[1].strip().startswith("`sim/"):
            rows[cells[1].strip().strip("`")] = cells[2]
    missing = []
    for module in modules():
        path = module
        folder, name = path.rsplit("/", 1)
        named = (path in rows                                    # its own row
                 or any(path.startswith(row) and row.endswith("/") and f"`{path[len(row):]}`" in text
                        for row, text in rows.items())           # in its folder's row, by its path there
                 or any(f"`{path}`" in text for text in rows.values())
                 or (name == "__init__.py" and f"{folder}/" in rows)
                 or (name == "__init__.py" and any(f"`{folder.split('/')[-1]}/`" in t for t in rows.values())))
        if not named:
            missing.append(module)
    assert not missing, f"modules the README's map does not name: {missing}"


def test_every_file_the_docs_name_exists():
    # a file moved (a module into a folder, a test beside its module) must take its mentions along
    named = re.compile(r"\b(?:sim|tests|benchmarks|scenarios|docs|notebooks)/[\w/.-]+\.(?:py|toml|md|ipynb|png|svg)\b")
    missing = sorted({f"{doc.relative_to(ROOT)}: {path}" for doc in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]
                      for path in named.findall(doc.read_text()) if not (ROOT / path).exists()})
    assert not missing, f"files the docs name that do not exist: {missing}"


def test_no_module_is_longer_than_the_limit():
    long = {m: n for m in modules() if (n := len((ROOT / m).read_text().splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def imports(path) -> set[str]:
    """The sim modules a file imports, at its top or inside functions (absolute names)."""
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    package = parts[-1] == "__init__"
    here = parts[:-1] if package else parts[:-1]
    if package:
        here = parts[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = (parts[:-1] if package else parts[:-1])[: len(here) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                found.add(f"{base}.{alias.name}")
                found.add(base)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {f for f in found if f == "sim" or f.startswith("sim.")}


def test_no_import_cycles_even_through_function_local_imports():
    names = {}
    for p in SIM.rglob("*.py"):
        parts = list(p.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = p
    edges = {}
    for name, p in names.items():
        targets = set()
        for t in imports(p):
            while t not in names and "." in t:
                t = t.rsplit(".", 1)[0]
            if t in names and t != name and not name.startswith(t + ".") and t != "sim":
                targets.add(t)
        edges[name] = targets
    # depth-first search for a cycle
    state, stack = {}, []

    def visit(v):
        state[v] = 1
        stack.append(v)
        for w in edges[v]:
            if state.get(w) == 1:
                raise AssertionError("import cycle: " + " -> ".join(stack[stack.index(w):] + [w]))
            if w not in state:
                visit(w)
        stack.pop()
        state[v] = 2

    for v in edges:
        if v not in state:
            visit(v)


def test_only_the_runner_calls_the_model():
    callers = set()
    for p in SIM.rglob("*.py"):
        if p.is_relative_to(SIM / "model"):
            continue
        if re.search(r"\bsimulate\(", p.read_text()):
            callers.add(str(p.relative_to(ROOT)))
    assert callers == {"sim/runner/__init__.py"}


def test_every_function_local_import_says_why_it_is_deferred():
    """An import inside a function is there for a reason (start-up: ``--help`` and a small run
    load no more than they use; an optional extra; pyplot after the backend is chosen): the
    reason is written on its line, or on the nearest line above its block of imports."""
    silent = []
    for p in SIM.rglob("*.py"):
        lines = p.read_text().splitlines()
        for fn in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(fn):
                if not isinstance(node, (ast.Import, ast.ImportFrom)):
                    continue
                i = node.lineno - 1
                above = i - 1
                while above >= 0 and (not lines[above].strip() or lines[above].strip().startswith(("import ", "from "))):
                    above -= 1
                if "#" not in lines[i] and "#" not in lines[above]:
                    silent.append(f"{p.relative_to(ROOT)}:{node.lineno}")
    assert not silent, f"function-local imports with no reason given: {silent}"


def test_no_standard_library_module_is_imported_inside_a_function():
    """The standard library's modules cost nothing worth deferring: they are imported at the top."""
    inside = []
    for p in SIM.rglob("*.py"):
        for fn in ast.walk(ast.parse(p.read_text())):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for node in ast.walk(fn):
                    if isinstance(node, ast.Import):
                        names = [a.name for a in node.names]
                    elif isinstance(node, ast.ImportFrom) and not node.level:
                        names = [node.module]
                    else:
                        continue
                    inside += [f"{p.relative_to(ROOT)}:{node.lineno} {n}" for n in names
                               if n.split(".")[0] in sys.stdlib_module_names]
    assert not inside, f"standard-library imports inside functions: {inside}"


# test files about the whole rather than one module: published arithmetic end to end, fuzzed
# scenario files, the package's layout, the notebooks, the README's commands and the docs' forecasts
WHOLE = {"test_devries.py", "test_docs_forecasts.py", "test_fuzz.py", "test_layout.py", "test_notebooks.py",
         "test_readme.py"}


def test_the_tests_mirror_the_modules():
    """tests/model/test_fleet.py tests sim/model/fleet.py: a test file in a folder is named for a
    module of the package of that name (or for the package), and one at the top for a top-level
    module, or is about the whole (``WHOLE``)."""
    tests = ROOT / "tests"
    strays = []
    for path in tests.rglob("test_*.py"):
        folder = path.parent.relative_to(tests)
        package = SIM / folder
        name = path.stem.removeprefix("test_")
        if folder == type(folder)("."):
            ok = (SIM / f"{name}.py").exists() or path.name in WHOLE
        else:
            ok = package.is_dir() and ((package / f"{name}.py").exists() or (package / name).is_dir()
                                       or name == package.name)
        if not ok:
            strays.append(str(path.relative_to(ROOT)))
    assert not strays, f"test files that mirror no module: {strays}"
