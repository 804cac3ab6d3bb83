"""``[[correlation]]`` tables: rank correlations between uncertain parameters, checked.

Sampling induces them with Iman-Conover (:func:`sim.sampling.iman_conover`); here each pair
is checked and the matrix kept positive definite, naming the pair that breaks it.
"""

from __future__ import annotations

import numpy as np

from ..errors import ScenarioError, suggest


def check(tables, file, scenario) -> tuple:
    """``[[correlation]]`` tables: two uncertain parameters and a rank correlation each;
    the whole matrix must be positive definite (the pair that breaks it is named)."""
    if tables is None:
        return ()
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ScenarioError(file, "correlation", "expected [[correlation]] tables with a, b and rank")
    allowed = ("a", "b", "rank", "source", "note")
    uncertain = scenario.uncertain
    pairs = []
    for i, table in enumerate(tables):
        key = f"correlation[{i}]"
        for k in table:
            if k not in allowed:
                raise ScenarioError(file, f"{key}.{k}", "unknown key" + suggest(k, allowed))
        for side in ("a", "b"):
            name = table.get(side)
            if not isinstance(name, str):
                raise ScenarioError(file, f"{key}.{side}", "required: the dotted key of an uncertain parameter")
            if name not in scenario.parameters:
                raise ScenarioError(file, f"{key}.{side}", f"'{name}' is not a parameter of this scenario"
                                    + suggest(name, list(scenario.parameters)))
            if name not in uncertain:
                raise ScenarioError(file, f"{key}.{side}", f"'{name}' is a constant; only parameters "
                                    "given as distributions can be correlated")
        a, b, rank = table["a"], table["b"], table.get("rank")
        if a == b:
            raise ScenarioError(file, f"{key}.b", "a parameter cannot be correlated with itself")
        if not isinstance(rank, (int, float)) or isinstance(rank, bool) or not -1 < rank < 1:
            raise ScenarioError(file, f"{key}.rank", f"must be a number between -1 and 1 (exclusive), got {rank!r}")
        if any({a, b} == {x, y} for x, y, _ in pairs):
            raise ScenarioError(file, key, f"the pair {a} / {b} is given twice")
        pairs.append((a, b, float(rank)))
        # add pairs one at a time: the first that makes the matrix invalid is the culprit
        index = {k: j for j, k in enumerate(uncertain)}
        matrix = np.eye(len(index))
        for x, y, r in pairs:
            matrix[index[x], index[y]] = matrix[index[y], index[x]] = 2 * np.sin(np.pi * r / 6)
        if np.linalg.eigvalsh(matrix).min() <= 1e-10:
            raise ScenarioError(file, key, f"the correlation of {a} and {b} ({rank:g}) makes the "
                                "correlation matrix invalid (not positive definite) together with the "
                                "correlations before it; weaken it or one of those")
    return tuple(pairs)
