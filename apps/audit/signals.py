from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .services import audit_record


@receiver(user_logged_in, dispatch_uid="audit_login")
def on_login(sender, request, user, **kwargs):
    audit_record(
        action="auth.login",
        user=user,
        request=request,
        object_type="user",
        object_id=str(user.pk),
        object_repr=user.get_username(),
    )


@receiver(user_logged_out, dispatch_uid="audit_logout")
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record(
            action="auth.logout",
            user=user,
            request=request,
            object_type="user",
            object_id=str(user.pk),
            object_repr=user.get_username(),
        )


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def on_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    audit_record(
        action="auth.login_failed",
        request=request,
        success=False,
        object_type="user",
        object_repr=username,
        message=f"failed login for {username!r}",
    )
