app_name = "surgeries"
urlpatterns: list = []
