from django.apps import AppConfig
from django.contrib.auth import get_user_model
from django.db.models.signals import pre_save


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "REST API"

    def ready(self) -> None:
        from api.authentication import revoke_tokens_on_credential_change

        pre_save.connect(
            revoke_tokens_on_credential_change,
            sender=get_user_model(),
            dispatch_uid="api.revoke_tokens_on_credential_change",
        )
