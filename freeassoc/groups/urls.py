from django.urls import path

from . import views

app_name = "groups"
urlpatterns = [
    path("", views.index, name="index"),
    path("search", views.search, name="search"),
    path("search/", views.search),
    path("start/", views.start, name="start"),
    path("ask-to-be-listed/", views.ask, name="ask"),
    path("ask-to-be-listed/sent/", views.ask_sent, name="ask_sent"),
    path("new/", views.create, name="create"),
    path("mine/", views.mine, name="mine"),
    path("reply/", views.reply, name="reply"),
    path("networks/<slug:slug>/", views.network, name="network"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/sent/", views.join_sent, name="join_sent"),
    path("<slug:slug>/edit/", views.edit, name="edit"),
    path("<slug:slug>/remove/", views.remove, name="remove"),
    path("<slug:slug>/history/", views.history, name="history"),
]
