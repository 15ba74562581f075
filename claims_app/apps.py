from django.apps import AppConfig


class ClaimsAppConfig(AppConfig):
    name = "claims_app"
    verbose_name = "Claims and disputes"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import caching

        caching.connect()
