from django.urls import path

from . import views

app_name = "orgs"
urlpatterns = [
    path("register/", views.register, name="register"),
    path("approvals/", views.approvals, name="approvals"),
    path("approvals/<int:pk>/", views.review, name="review"),
    path("organisations/", views.mine, name="mine"),
    path("organisations/<slug:slug>/members/", views.members, name="members"),
    path(
        "organisations/<slug:slug>/members/<int:membership_id>/role/",
        views.member_role,
        name="member_role",
    ),
    path(
        "organisations/<slug:slug>/members/<int:membership_id>/remove/",
        views.member_remove,
        name="member_remove",
    ),
    path(
        "organisations/<slug:slug>/members/<int:membership_id>/reset-two-factor/",
        views.member_two_factor_reset,
        name="member_two_factor_reset",
    ),
    path(
        "organisations/<slug:slug>/invitations/<int:pk>/withdraw/",
        views.invitation_withdraw,
        name="invitation_withdraw",
    ),
    path("organisations/<slug:slug>/audit/", views.audit, name="audit"),
    path("invitation/<str:token>/", views.invitation, name="invitation"),
    path("two-factor/", views.two_factor, name="two_factor"),
    path("two-factor/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/backup-codes/", views.backup_codes, name="backup_codes"),
]
