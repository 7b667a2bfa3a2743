"""/api/v1/: included with namespace "v1", which DRF's NamespaceVersioning reads as the version."""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib.auth.decorators import login_required
from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from hr import api

app_name = "v1"

# ReDoc styles itself by injecting <style> elements, renders in a worker started from a blob: URL
# and shows its maker's logo from the maker's site (hard-coded; it hides itself when that site is
# unreachable, as offline); this page alone allows the three.
redoc_view = csp_update(
    {"style-src": [UNSAFE_INLINE], "worker-src": [SELF, "blob:"], "img-src": ["https://cdn.redoc.ly"]}
)(SpectacularRedocView.as_view(url_name="v1:schema"))

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
    path("reports/hours/", api.ReportHoursView.as_view(), name="report-hours"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The docs are pages: a browser that is not logged in is sent to the login page. The split view
    # serves Swagger UI's start-up script as a file, since the Content-Security-Policy forbids inline ones.
    path("docs/", login_required(SpectacularSwaggerSplitView.as_view(url_name="v1:schema")), name="docs"),
    path("redoc/", login_required(redoc_view), name="redoc"),
]
