"""Lists brought in from spreadsheets: past campaigns' donors, the blood centre's results (and, later, a
club's members), read as a stream (`reader`), checked row by row (`donor_rows`, `result_rows`) and written
in batches (`donors`, `results`); and the lists given out (`exports`). The only importer of openpyxl
besides `services.reports` (an import-linter contract): reading a workbook is this package's business."""
