"""/api/v1/: included with namespace "v1", which DRF's NamespaceVersioning reads as the version."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from hr import api

app_name = "v1"

urlpatterns = [
    path("auth/token/", api.TokenObtainView.as_view(), name="token"),
    path("entries/", api.EntryListCreateView.as_view(), name="entries"),
    path("entries/<int:entry_id>/", api.EntryDetailView.as_view(), name="entry"),
    path("weeks/submit/", api.WeekSubmitView.as_view(), name="week-submit"),
    path("weeks/copy-previous/", api.WeekCopyPreviousView.as_view(), name="week-copy-previous"),
    re_path(r"^weeks/(?P<week>[0-9]{4}-W[0-9]{1,2})/$", api.WeekGridView.as_view(), name="week"),
    path("approvals/", api.ApprovalQueueView.as_view(), name="approvals"),
    path("approvals/approve/", api.ApproveView.as_view(), name="approve"),
    path("approvals/reject/", api.RejectView.as_view(), name="reject"),
    path("approvals/reopen/", api.ReopenView.as_view(), name="reopen"),
    path("projects/", api.ProjectListView.as_view(), name="projects"),
    path("wage-types/", api.WageTypeListView.as_view(), name="wage-types"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="v1:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="v1:schema"), name="redoc"),
]
