import gc
import os

from django.core.wsgi import get_wsgi_application

from mgstudio.data_dirs import ensure_data_dirs

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mgstudio.settings")
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
