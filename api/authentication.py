"""Token authentication that loads the user's labeler row with the token: every labeler request
checks it, and saving a segment is latency-bound by its queries (bench/save_segments.py)."""

from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


class LabelerTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        model = self.get_model()
        try:
            token = model.objects.select_related("user__labeler").get(key=key)
        except model.DoesNotExist:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        return (token.user, token)
