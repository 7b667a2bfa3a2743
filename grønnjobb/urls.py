from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy

from grønnjobb.health import health
from hr import account_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("helse/", health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("logg-inn/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logg-ut/", auth_views.LogoutView.as_view(), name="logout"),
    path("glemt-passord/", account_views.PasswordResetView.as_view(), name="password_reset"),
    path("glemt-passord/sendt/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "passord/<uidb64>/<token>/",
        account_views.PasswordResetConfirmView.as_view(success_url=reverse_lazy("password_set_done")),
        name="password_set",
    ),
    path("passord/ferdig/", auth_views.PasswordResetCompleteView.as_view(), name="password_set_done"),
    path("profil/", account_views.profile, name="profile"),
    path("profil/passord/", account_views.PasswordChangeView.as_view(), name="password_change"),
    path("api/v1/", include("hr.api_urls", namespace="v1")),
    path("innstillinger/tripletex/", include("tripletex.urls")),
    path("", include("hr.urls")),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()

# Under /api/ these answer in the API's JSON error shape; elsewhere with Django's pages.
handler400 = "hr.api_errors.bad_request"
handler403 = "hr.api_errors.permission_denied"
handler404 = "hr.api_errors.page_not_found"
handler500 = "hr.api_errors.server_error"
