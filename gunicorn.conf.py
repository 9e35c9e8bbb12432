"""Gunicorn settings for `gunicorn -c gunicorn.conf.py app:app` (used by `make serve`).

Environment overrides: GUNICORN_BIND (default 127.0.0.1:5000) and
WEB_CONCURRENCY (number of worker processes).
"""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:5000")
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * multiprocessing.cpu_count() + 1, 8))
timeout = 30
graceful_timeout = 30
# Load the application once in the master; workers share the imported code.
preload_app = True
accesslog = "-"
errorlog = "-"
wsgi_app = "app:app"
# No runtime control socket: several instances on one host would share its default path.
control_socket_disable = True


def post_fork(server, worker):
    """Give each worker its own database connections.

    The app (and its SQLAlchemy engine) was built before the fork; pooled
    connections inherited from the master must not be shared between processes.
    close=False leaves the parent's sockets alone and only drops the references.
    """
    from models import db

    app = worker.app.wsgi()
    with app.app_context():
        db.engine.dispose(close=False)
