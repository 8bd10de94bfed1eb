"""The WSGI application for gunicorn (``gunicorn app:app``)."""

from guard.web import create_app

app = create_app()
