"""`python -m bot.cli ...`, as the `donorbot` command."""

from bot.cli.main import main

raise SystemExit(main())
