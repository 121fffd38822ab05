from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("surveys/<int:pk>/import/", views.start, name="start"),
    path("surveys/<int:pk>/import/<str:token>/", views.check, name="check"),
    path("surveys/<int:pk>/import/<str:token>/problems.csv", views.problems_csv, name="problems"),
    path("surveys/<int:pk>/import/<str:token>/confirm/", views.confirm, name="confirm"),
    path("surveys/<int:pk>/import/<str:token>/cancel/", views.cancel, name="cancel"),
    path("surveys/<int:pk>/imports/", views.batches, name="batches"),
    path("surveys/<int:pk>/imports/<int:batch_id>/", views.batch, name="batch"),
    path("surveys/<int:pk>/imports/<int:batch_id>/withdraw/", views.withdraw, name="withdraw"),
]
