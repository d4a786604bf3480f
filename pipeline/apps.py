from django.apps import AppConfig


class PipelineConfig(AppConfig):
    name = "pipeline"
    verbose_name = "Jobs and media pipeline"

    def ready(self) -> None:
        # Register the job handlers in every process: the web enqueues by kind, workers run them.
        from . import baseline_handlers, clip_handlers, handlers, release_handlers  # noqa: F401
