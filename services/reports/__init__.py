"""Reports: the numbers, charts and workbook a steering committee is judged by (issue 15).

The modules here render plain values — tuples and small dataclasses of their own — so they know nothing
of the tables or the figures' queries: `numbers` (Vietnamese and English number and percent formatting),
`charts` (PNG charts, headless), `workbook` (the year-end .xlsx and CSV tables). Only this package imports
matplotlib and openpyxl (an import-linter contract checks it).
"""
