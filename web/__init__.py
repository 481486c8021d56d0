"""The web UI and JSON API: `create_app` builds a Flask app over the services of a Container."""

from web.app import create_app

__all__ = ["create_app"]
