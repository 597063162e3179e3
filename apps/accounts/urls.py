from django.contrib.auth.decorators import login_not_required
from django.urls import path

from . import mfa_views, oidc, views

app_name = "accounts"

urlpatterns = [
    path("login/", mfa_views.LoginView.as_view(), name="login"),
    path("login/code/", mfa_views.LoginCodeView.as_view(), name="login_code"),
    path("logout/", mfa_views.LogoutView.as_view(), name="logout"),
    path("sso/login/", login_not_required(oidc.SsoLoginView.as_view()), name="sso_login"),
    path("sso/callback/", login_not_required(oidc.SsoCallbackView.as_view()), name="sso_callback"),
    path("password/", views.OwnPasswordChangeView.as_view(), name="password_change"),
    path("2fa/", mfa_views.MfaView.as_view(), name="mfa"),
    path("2fa/setup/", mfa_views.MfaSetupView.as_view(), name="mfa_setup"),
    path("2fa/confirm/", mfa_views.MfaConfirmView.as_view(), name="mfa_confirm"),
    path("2fa/recovery-codes/", mfa_views.MfaRecoveryCodesView.as_view(), name="mfa_recovery_codes"),
    path("2fa/remove/", mfa_views.MfaRemoveView.as_view(), name="mfa_remove"),
    path("users/", views.UserListView.as_view(), name="user_list"),
    path("users/new/", views.UserCreateView.as_view(), name="user_create"),
    path("users/2fa-policy/", views.MfaPolicyView.as_view(), name="mfa_policy"),
    path("users/<int:pk>/", views.UserDetailView.as_view(), name="user_detail"),
    path("users/<int:pk>/role/", views.UserRoleView.as_view(), name="user_role"),
    path("users/<int:pk>/deactivate/", views.UserDeactivateView.as_view(), name="user_deactivate"),
    path("users/<int:pk>/activate/", views.UserActivateView.as_view(), name="user_activate"),
    path("users/<int:pk>/unlock/", views.UserUnlockView.as_view(), name="user_unlock"),
    path("users/<int:pk>/password/", views.UserPasswordResetView.as_view(), name="user_password_reset"),
    path("users/<int:pk>/2fa/reset/", mfa_views.UserMfaResetView.as_view(), name="user_mfa_reset"),
]
