from django.urls import path

from . import views_facilitator as run
from . import views_participant as take_part
from . import views_public as public

app_name = "surgeries"
urlpatterns = [
    path("", public.index, name="index"),
    path("grievances/", public.grievances, name="grievances"),
    path("join/", take_part.join, name="join"),
    # Participants: a surgery by its random slug; the seat cookie is scoped to this path.
    path("s/<str:slug>/", take_part.board, name="board"),
    path("s/<str:slug>/rules/", take_part.rules, name="rules"),
    path("s/<str:slug>/board/", take_part.board_fragment, name="board_fragment"),
    path("s/<str:slug>/problems/", take_part.problem_add, name="problem_add"),
    path("s/<str:slug>/problems/<int:problem_id>/dot/", take_part.dot, name="dot"),
    path("s/<str:slug>/notes/", take_part.note_add, name="note_add"),
    path("s/<str:slug>/actions/", take_part.action_add, name="action_add"),
    path("s/<str:slug>/plan/", take_part.plan, name="plan"),
    path("s/<str:slug>/plan.pdf", take_part.plan_pdf, name="plan_pdf"),
    # Facilitators.
    path("new/", run.create, name="create"),
    path("<int:pk>/", run.run, name="run"),
    path("<int:pk>/board/", run.run_board, name="run_board"),
    path("<int:pk>/stage/", run.stage, name="stage"),
    path("<int:pk>/top/", run.choose_top, name="choose_top"),
    path("<int:pk>/<str:kind>/<int:item_id>/hide/", run.hide, name="hide"),
    path("<int:pk>/problem/<int:item_id>/choose/", run.choose, name="choose"),
    path("<int:pk>/action/<int:item_id>/done/", run.done, name="done"),
    path("<int:pk>/delete-on/", run.delete_on, name="delete_on"),
    path("<int:pk>/delete/", run.purge, name="purge"),
    path("<int:pk>/plan/", run.run_plan, name="run_plan"),
    path("<int:pk>/plan.pdf", run.run_plan_pdf, name="run_plan_pdf"),
]
