"""Reports people can hand on: statistics tables (page, API, CSV, XLSX), SVG charts, and
PDF reports rendered with WeasyPrint from HTML templates that a browser shows as well.

    statistics.py   the statistics tables of an authority and year, suppressed (<5)
    spreadsheets.py CSV and XLSX of any table
    charts.py       SVG charts drawn on the server
    follow_up.py    the follow-up report of one procurement
    audit_extract.py every event of a case or a period, and the digest of that history
    rendering.py    templates (this package's templates/) to HTML and PDF
    jobs.py         long reports in the background: a jobs table, run by the scheduler
    service.py      who may have which report (domain/access.py), the one entry point
    routes.py       the portal's pages and downloads of them

Labels of codes come from web/labels.py and web/portals/vocabulary.py: one list of names
for the portal and its reports. The scheduler runs the background jobs (jobs.py).
"""
