from django.urls import path, register_converter

from . import views


class SlugConverter:
    """Slugs as the models make them: letters (any script), digits, `-` and `_`."""

    regex = r"[-\w]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(SlugConverter, "uslug")

urlpatterns = [
    path("", views.home, name="home"),
    path("claims/", views.claim_list, name="claim_list"),
    path("claims/<uslug:slug>/", views.claim_detail, name="claim_detail"),
    path("actors/", views.actor_list, name="actor_list"),
    path("actors/<uslug:slug>/", views.actor_detail, name="actor_detail"),
    path("sources/", views.source_list, name="source_list"),
    path("sources/<uslug:slug>/", views.source_detail, name="source_detail"),
    path("passages/<int:pk>/", views.passage_detail, name="passage_detail"),
    path("passages/<int:pk>.json", views.passage_json, name="passage_json"),
    path("topics/<uslug:slug>/", views.topic_detail, name="topic_detail"),
]
