"""The scheduler: jobs that act on their own, through the application service.

- reminding.py: the reminders job (what is due today, recorded once as ReminderSent);
- mailer.py: e-mail of the notices those reminders leave;
- leader.py: the database lock that lets one scheduler act at a time;
- runner.py: both jobs on APScheduler, run only by the leader;
- cli.py: `procurement scheduler run | once | status`.
"""
