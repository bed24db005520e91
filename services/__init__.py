"""Application services: the write paths that dialogues, jobs and CLIs share.

Dialogues, jobs and CLIs call these, never each other.
"""
