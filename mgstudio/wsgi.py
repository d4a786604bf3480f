import gc
import os
import sys
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

from mgstudio.data_dirs import ensure_data_dirs

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mgstudio.settings")


def _refuse_the_development_key() -> None:
    """A real WSGI server (gunicorn, in the demo and docker-compose.yml) never signs sessions
    with the published development key; only manage.py's development server may, for the
    embedded default (docs/security.md)."""
    from django.conf import settings

    served_by_manage_py = Path(sys.argv[0]).name == "manage.py"
    if settings.SECRET_KEY == settings.DEV_SECRET_KEY and not served_by_manage_py:
        raise ImproperlyConfigured(
            "refusing to serve with the published development key: set DJANGO_SECRET_KEY"
        )


_refuse_the_development_key()
ensure_data_dirs()
application = get_wsgi_application()


def _freeze_loaded_objects() -> None:
    """Import every view now and move what is loaded out of the garbage collector's sight.

    A loaded app holds some 200,000 long-lived objects (Django, DRF, numpy, the URL
    patterns); each full collection walked them all, about 100 ms that landed on whichever
    request triggered it (bench/save_segments.py: the slowest saves). Frozen objects are never
    collected, which costs nothing here: they live as long as the process.
    """
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports the views and their serializers
    gc.collect()
    gc.freeze()


_freeze_loaded_objects()
