"""Runtime: the app factory, the WSGI app and /healthz, gunicorn, logging."""
