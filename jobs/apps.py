from django.apps import AppConfig


class JobsConfig(AppConfig):
    """Long work as rows: the Job model, its runner and the handler registry.

    This app knows no domain. Domain apps register their handlers in their own
    ``AppConfig.ready()``, so any process that loads Django (web or worker) has them.
    """

    name = "jobs"
    verbose_name = "Jobs"
