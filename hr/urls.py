from django.urls import path, re_path

from hr import report_views, views

app_name = "hr"
urlpatterns = [
    path("", views.home, name="home"),
    path("timer/", views.week, name="week"),
    path("timer/send-inn/", views.week_submit, name="week_submit"),
    path("timer/kopier-forrige-uke/", views.week_copy, name="week_copy"),
    path("timer/<int:entry_id>/endre/", views.entry_edit, name="entry_edit"),
    path("timer/<int:entry_id>/slett/", views.entry_delete, name="entry_delete"),
    path("godkjenning/", views.approval, name="approval"),
    path("rapporter/", report_views.report_hours, name="reports"),
    re_path(
        r"^rapporter/eksport\.(?P<file_format>csv|xlsx)$", report_views.report_export, name="report_export"
    ),
    path("innstillinger/", views.settings_general, name="settings_general"),
    path("innstillinger/ansatte/", views.settings_employees, name="settings_employees"),
    path("innstillinger/ansatte/ny/", views.settings_employee, name="settings_employee_new"),
    path("innstillinger/ansatte/<int:employee_id>/", views.settings_employee, name="settings_employee"),
    path(
        "innstillinger/ansatte/<int:employee_id>/opphev-sperre/",
        views.settings_employee_unlock,
        name="settings_employee_unlock",
    ),
    path(
        "innstillinger/ansatte/<int:employee_id>/send-invitasjon/",
        views.settings_employee_invite_again,
        name="settings_employee_invite_again",
    ),
    path("innstillinger/avdelinger/", views.settings_departments, name="settings_departments"),
    path("innstillinger/avdelinger/ny/", views.settings_department, name="settings_department_new"),
    path(
        "innstillinger/avdelinger/<int:department_id>/", views.settings_department, name="settings_department"
    ),
    path("innstillinger/prosjekter/", views.settings_projects, name="settings_projects"),
    path("innstillinger/prosjekter/ny/", views.settings_project, name="settings_project_new"),
    path("innstillinger/prosjekter/<int:project_id>/", views.settings_project, name="settings_project"),
    path("innstillinger/lonnsarter/", views.settings_wage_types, name="settings_wage_types"),
    path("innstillinger/lonnsarter/ny/", views.settings_wage_type, name="settings_wage_type_new"),
    path("innstillinger/lonnsarter/<int:wage_type_id>/", views.settings_wage_type, name="settings_wage_type"),
]
