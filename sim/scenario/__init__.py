"""Scenarios: a TOML file in, a checked, frozen :class:`Scenario` out.

- :mod:`.load`: the schema, its checks and :func:`load_scenario` (``resolve``, ``from_dict``);
- :mod:`.includes`: reading files (regular files only) and the shared tables they include;
- :mod:`.values`: typed access to a scenario's values; :mod:`.distributions`: the
  distributions a value may be; :mod:`.correlations`: rank correlations between them;
- :mod:`.overrides`: ``--set`` and ``[variants]``; :mod:`.catalogue`: hardware generations;
- :mod:`.published`: the ``[[validation]]`` figures and ``[[observation]]`` tables;
- :mod:`.sources`: where each value comes from (its ``source`` key, or the file's comment);
- :mod:`.library`: the scenario files that ship with sim (``sim/scenarios/``, data).
"""

from .load import Scenario, check_options, from_dict, load_scenario, resolve

__all__ = ["Scenario", "check_options", "from_dict", "load_scenario", "resolve"]
