"""The case as Open Contracting Data Standard (OCDS 1.1) releases and a compiled record.

`releases.py` turns a case's events into releases, `package.py` wraps them in release and
record packages (the record compiled by the standard's own merger, `ocdsmerge`), and
`schema.py` loads the standard's schemas shipped in `schema/` (with their licence) and
validates packages against them offline.
"""
