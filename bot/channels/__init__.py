"""Channel adapters. Only this package imports a platform library."""

import os

# python-telegram-bot 22 reports RetryAfter.retry_after as a timedelta when this is set (the behaviour of
# its next major version); our sender reads both forms. Opting in now silences the deprecation warning.
os.environ.setdefault("PTB_TIMEDELTA", "1")
