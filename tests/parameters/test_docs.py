"""docs/parameters.md is the registry's (sim.parameters.docs): generated from it, never drifting."""

from conftest import ROOT

from sim import parameters as registry


def test_parameter_docs_are_generated_from_the_registry():
    text = (ROOT / "docs" / "parameters.md").read_text()
    assert text == registry.docs_text(), "regenerate docs/parameters.md with sim.parameters.docs_text()"
