"""The diagrams in docs/ are the step tables drawn (`python -m handlers.flow_diagrams` redraws them)."""

from __future__ import annotations

import pytest

from handlers.flow_diagrams import DIAGRAMS, DOCS, mermaid


@pytest.mark.parametrize("name", sorted(DIAGRAMS))
def test_the_committed_diagram_is_the_table(name: str) -> None:
    flow, header = DIAGRAMS[name]
    committed = (DOCS / name).read_text(encoding="utf-8")
    assert committed == mermaid(flow, header), f"docs/{name} drifted: run python -m handlers.flow_diagrams"


def test_every_move_of_a_diagram_goes_to_a_step_of_its_dialogue() -> None:
    for flow, _header in DIAGRAMS.values():
        names = {step.name for step in flow.steps} | {"[*]"}
        for step in flow.steps:
            assert {edge.to for edge in step.edges} <= names, (flow.name, step.name)
        assert {edge.to for edge in flow.entries} <= names, flow.name
