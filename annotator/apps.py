from django.apps import AppConfig


class AnnotatorConfig(AppConfig):
    name = "annotator"
    verbose_name = "Annotation"

    def ready(self) -> None:
        # Register the job handlers in every process: the web enqueues by kind, workers run them.
        from . import handlers  # noqa: F401
