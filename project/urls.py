from django.contrib import admin
from django.urls import include, path, re_path

from claims_app.admin import view_on_site

urlpatterns = [
    # Before the admin's own, and for every address under admin/r/ (the admin's would answer
    # "+7" or "%207" too): "view on site" only for staff who may view the object.
    re_path(
        r"^admin/r/(?P<content_type_id>[^/]+)/(?P<object_id>.+)/$",
        admin.site.admin_view(view_on_site),
    ),
    path("admin/", admin.site.urls),
    path("", include("claims_app.urls")),
]
