"""The Mermaid diagrams in docs/ drawn from the dialogues' step tables, so they cannot drift.

`python -m handlers.flow_diagrams` writes them; tests/unit/test_flow_diagrams.py fails when a committed
diagram differs from its table. docs/signup.mmd (buttons outside a dialogue) and callout_lifecycle.mmd
(a call-out once sent, services/callouts/) are drawn by hand.
"""

from __future__ import annotations

import sys
from pathlib import Path

from handlers import (
    announce,
    callouts,
    campaigns,
    checkin,
    clubs,
    desk,
    organiser_drives,
    privacy,
    profile,
    registration,
    selfcheck,
)
from handlers.flow import END, Dialogue, Edge

DOCS = Path(__file__).resolve().parents[1] / "docs"

DIAGRAMS: dict[str, tuple[Dialogue, tuple[str, ...]]] = {
    "registration.mmd": (
        registration.FLOW,
        (
            'Registration dialogue (handlers/registration.py): at most 10 turns from /start to "registered".',
            "Nothing is written to the donor tables before Confirm; the answers so far wait in",
            "`conversations` for at most bot.conversation_ttl_hours (24), as the consent text says.",
        ),
    ),
    "profile.mmd": (
        profile.FLOW,
        ("/hoso edits (handlers/profile.py): one question per field, saved as soon as it is valid.",),
    ),
    "erase.mmd": (
        privacy.FLOW,
        ("/xoa (handlers/privacy.py): everything stored about the person, once confirmed.",),
    ),
    "announce.mmd": (
        announce.FLOW,
        ("/thongbao (handlers/announce.py): an announcement to donors, queued once confirmed.",),
    ),
    "drive_create.mmd": (
        organiser_drives.CREATE_FLOW,
        (
            "/taodot (handlers/organiser_drives.py): a new session, written once confirmed; the summary",
            "offers the address, slot length and audience as defaults, each changed by a button.",
        ),
    ),
    "campaign_create.mmd": (
        campaigns.FLOW,
        (
            "/taochiendich (handlers/campaigns.py): a campaign, its targets and ward quotas, written once",
            "confirmed.",
        ),
    ),
    "drive_move.mmd": (
        organiser_drives.MOVE_FLOW,
        ("Moving a session (handlers/organiser_drives.py): the donors signed up are told.",),
    ),
    "selfcheck.mmd": (
        selfcheck.FLOW,
        (
            "/kiemtra self-check (handlers/selfcheck.py). Answers live only in the dialogue and are dropped",
            "at the verdict.",
        ),
    ),
    "club_create.mmd": (
        clubs.CREATE_FLOW,
        ("/taoclb (handlers/clubs.py): a club's name and kind; the answer is its join code.",),
    ),
    "callout.mmd": (
        callouts.FLOW,
        ("/khancap (handlers/callouts.py): an emergency call-out, described, previewed, then sent.",),
    ),
    "desk_weight.mmd": (
        checkin.WEIGHT_FLOW,
        ("The weight measured at the check-in desk (handlers/checkin.py).",),
    ),
    "desk_walk_in.mmd": (
        desk.WALK_IN_FLOW,
        ("A walk-in at the check-in desk (handlers/desk.py): stored only once the paper form is signed.",),
    ),
}


def _edge(source: str, edge: Edge) -> str:
    return f"    {source} --> {edge.to}" + (f": {edge.label}" if edge.label else "")


def mermaid(flow: Dialogue, header: tuple[str, ...] = ()) -> str:
    """A state diagram: how the dialogue starts, each step's moves, and the notes on one step."""
    lines = [f"%% {line}" for line in header]
    lines.append("%% Generated from the step table by `python -m handlers.flow_diagrams`: do not edit.")
    lines.append("stateDiagram-v2")
    lines += [_edge(END, entry) for entry in flow.entries]
    drawn = [step for step in flow.steps if step.edges or isinstance(step.then, str)]
    for step in drawn:
        edges = step.edges or (Edge(str(step.then)),)
        lines += [_edge(step.name, edge) for edge in edges]
    if flow.notes and drawn:
        lines.append(f"    note right of {flow.note_on or drawn[-1].name}")
        lines += [*(f"        {note}" for note in flow.notes), "    end note"]
    return "\n".join(lines) + "\n"


def main() -> int:
    for name, (flow, header) in DIAGRAMS.items():
        (DOCS / name).write_text(mermaid(flow, header), encoding="utf-8")
        sys.stdout.write(f"docs/{name}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
