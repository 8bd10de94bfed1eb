"""The WSGI application for gunicorn (``gunicorn app:app``).

gunicorn.conf.py writes an access line for every request; each delivery's answer is added to that line.
"""

from guard.web import create_app

app = create_app(server_logs_requests=True)
