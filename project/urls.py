from django.contrib import admin
from django.urls import include, path

from claims_app.admin import view_on_site

urlpatterns = [
    # Before the admin's own: "view on site" only for staff who may view the object.
    path("admin/r/<int:content_type_id>/<path:object_id>/", admin.site.admin_view(view_on_site)),
    path("admin/", admin.site.urls),
    path("", include("claims_app.urls")),
]
