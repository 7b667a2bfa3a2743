"""Django admin for support staff: look up and correct data across companies."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from hr.models import (
    ApiToken,
    Company,
    Department,
    Employee,
    HourEntry,
    Project,
    ReminderSent,
    User,
    WageType,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    ordering = ["email"]
    list_display = ["email", "is_active", "is_staff", "last_login"]
    search_fields = ["email"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Tilgang", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Datoer", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin[Company]):
    list_display = ["name", "organisation_number", "created_at"]
    search_fields = ["name", "organisation_number"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin[Department]):
    list_display = ["name", "company"]
    list_filter = ["company"]
    filter_horizontal = ["managers"]


@admin.register(Employee)
class EmployeeAdmin(admin.ModelAdmin[Employee]):
    list_display = ["full_name", "employee_number", "email", "company", "department", "role", "is_active"]
    list_filter = ["company", "role", "is_active"]
    search_fields = ["first_name", "last_name", "email", "employee_number"]
    list_select_related = ["company", "department"]
    raw_id_fields = ["user"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin[Project]):
    list_display = ["number", "name", "company", "is_closed", "start_date", "end_date"]
    list_filter = ["company", "is_closed"]
    search_fields = ["number", "name"]


@admin.register(WageType)
class WageTypeAdmin(admin.ModelAdmin[WageType]):
    list_display = ["number", "name", "company", "is_active", "is_builtin"]
    list_filter = ["company", "is_active"]


@admin.register(HourEntry)
class HourEntryAdmin(admin.ModelAdmin[HourEntry]):
    list_display = ["employee", "date", "project", "wage_type", "hours", "status", "company"]
    list_filter = ["company", "status"]
    date_hierarchy = "date"
    search_fields = ["employee__first_name", "employee__last_name", "project__number"]
    list_select_related = ["employee", "project", "wage_type", "company"]
    raw_id_fields = ["employee", "project", "wage_type", "submitted_by", "decided_by"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    """Support staff can see and delete (revoke) keys; the key itself is never stored."""

    list_display = ["name", "user", "prefix", "created_at", "expires_at", "last_used_at"]
    search_fields = ["user__email", "name", "prefix"]
    fields = ["user", "name", "prefix", "created_at", "expires_at", "last_used_at"]
    readonly_fields = ["user", "name", "prefix", "created_at", "expires_at", "last_used_at"]

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(ReminderSent)
class ReminderSentAdmin(admin.ModelAdmin[ReminderSent]):
    """Weekly reminders; one claimed but never sent (empty «sendt») was lost to a crash."""

    list_display = ["employee", "week", "kind", "claimed_at", "sent_at", "company"]
    list_filter = ["company", "kind", "week"]
    list_select_related = ["employee", "company"]
    raw_id_fields = ["employee"]
