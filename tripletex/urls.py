from django.urls import path

from tripletex import views

app_name = "tripletex"
urlpatterns = [
    path("koble-til/", views.wizard_begin, name="wizard_begin"),
    path("oppsett/avbryt/", views.wizard_cancel, name="wizard_cancel"),
    path("oppsett/nokkel/", views.wizard_key, name="wizard_key"),
    path("oppsett/oppsummering/", views.wizard_summary, name="wizard_summary"),
    path("oppsett/<slug:slug>/", views.wizard_step, name="wizard_step"),
    path("oppsett/<slug:slug>/status/", views.wizard_fetch_status, name="wizard_fetch_status"),
    path("fjern/", views.connection_remove, name="connection_remove"),
    path("logg/", views.audit_log, name="audit"),
    path("overforinger/", views.transfers, name="transfers"),
    path("avstemming/", views.reconciliation, name="reconciliation"),
]
