"""Emergency call-outs: the write paths the /khancap dialogue, the donors' answers, the scheduler's job and
`donorbot callout` share.

* :mod:`.need` — what an organiser asks for (groups, component, units, place, deadline), read the same way
  in the chat and on the command line;
* :mod:`.matching` — who is asked: the SQL narrows (``models.callout_matching``), ``domain.decision``
  decides each candidate;
* :mod:`.waves` — creating a call-out and messaging its waves through the outbox (call-outs go first and
  ignore quiet hours), every ``wave_interval_minutes`` until enough donors accept or the deadline passes;
* :mod:`.answers` — a donor's Accept / Can't come / withdrawal, and what it tells the organiser;
* :mod:`.tally` — the organiser's tally, refreshed in place (counts only: names are shown on request);
* :mod:`.closing` — ending a call-out early or moving its deadline.

They take explicit arguments (database session, settings, catalogs, rules, now, actor) and never a
dialogue's context, and they never commit: the caller's unit of work does.
"""
