from django.urls import path

from . import views_respond as views

app_name = "respond"
urlpatterns = [
    path("<str:slug>/", views.intro, name="intro"),
    path("<str:slug>/start/", views.start, name="start"),
    path("<str:slug>/resume/", views.resume, name="resume"),
    path("<str:slug>/p/<str:page_id>/", views.page, name="page"),
    path("<str:slug>/review/", views.review, name="review"),
    path("<str:slug>/thanks/", views.thanks, name="thanks"),
]
