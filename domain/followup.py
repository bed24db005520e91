"""The day-after follow-up: how a donor may answer "how do you feel?" (in button order)."""

from __future__ import annotations

from typing import Final

FEELINGS: Final = ("fine", "dizzy", "bruise", "other")
"""Answers to the follow-up in button order: queued by scheduler/planner.py, read by handlers/reminders.py."""
