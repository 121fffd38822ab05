from django.urls import path

from . import views

app_name = "pools"
urlpatterns = [
    path("", views.index, name="index"),
    path("survey/<int:pk>/", views.survey, name="survey"),
    path("survey/<int:pk>/consent/<int:pool_id>/", views.consent, name="consent"),
    path("survey/<int:pk>/withdraw/<int:pool_id>/", views.withdraw, name="withdraw"),
    path("survey/<int:pk>/decline/<int:pool_id>/", views.decline, name="decline"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/invitations/", views.invitations, name="invitations"),
]
