"""/api/v1/: included with namespace "v1", which DRF's NamespaceVersioning reads as the version."""

from django.contrib.auth.decorators import login_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from hr import api

app_name = "v1"

urlpatterns = [
    path("auth/token/", api.TokenObtainView.as_view(), name="token"),
    path("entries/", api.EntryListCreateView.as_view(), name="entries"),
    path("entries/<int:entry_id>/", api.EntryDetailView.as_view(), name="entry"),
    path("weeks/submit/", api.WeekSubmitView.as_view(), name="week-submit"),
    path("weeks/copy-previous/", api.WeekCopyPreviousView.as_view(), name="week-copy-previous"),
    path("approvals/", api.ApprovalQueueView.as_view(), name="approvals"),
    path("approvals/approve/", api.ApproveView.as_view(), name="approve"),
    path("approvals/reject/", api.RejectView.as_view(), name="reject"),
    path("approvals/reopen/", api.ReopenView.as_view(), name="reopen"),
    path("projects/", api.ProjectListView.as_view(), name="projects"),
    path("wage-types/", api.WageTypeListView.as_view(), name="wage-types"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The docs are pages: a browser that is not logged in is sent to the login page. The split view
    # serves Swagger UI's start-up script as a file, since the Content-Security-Policy forbids inline ones.
    path("docs/", login_required(SpectacularSwaggerSplitView.as_view(url_name="v1:schema")), name="docs"),
    path("redoc/", login_required(SpectacularRedocView.as_view(url_name="v1:schema")), name="redoc"),
]
