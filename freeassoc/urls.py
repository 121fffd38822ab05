from django.contrib import admin
from django.urls import include, path

from freeassoc.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("privacy/", core_views.privacy, name="privacy"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("org/", include("freeassoc.surveys.urls_organiser")),
    path("org/", include("freeassoc.orgs.urls")),
    path("org/", include("freeassoc.imports.urls")),
    path("org/", include("freeassoc.api.urls_keys")),
    path("s/", include("freeassoc.surveys.urls_respond")),
    path("", include("freeassoc.findings.urls")),
    path("groups/", include("freeassoc.groups.urls")),
    path("surgeries/", include("freeassoc.surgeries.urls")),
    path("pools/", include("freeassoc.pools.urls")),
    path("api/", include("freeassoc.api.urls")),
    path("admin/", admin.site.urls),
]

handler500 = core_views.server_error
