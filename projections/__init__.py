"""Read models that follow the event store's notification log with tracking (issue 4).

One module per projection: audit_trail, case_list (case lists and inboxes), compliance,
statistics, reminders; each owns its tables in the events' own database and has query
functions beside it. The machinery: runner (batches, the follower, status, rebuild,
wait_for), log (reading in order; PostgreSQL id gaps), view (the library's tracking
recorders with the projection's tables), casefile (folding a case's events), db (one SQL
text for SQLite and PostgreSQL). Entry points: cli (`projections run | status | rebuild`)
and background (threads inside `procurement serve`).
"""
