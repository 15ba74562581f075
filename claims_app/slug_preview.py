"""The slug a new object will get, shown while its name is typed (issue 17, item 7).

A slug left blank is made on save from the object's name (`models.Slugged`): the change form
asks the server, as the name is typed, what that would be now, so the preview is the save's own
rule (`slugify` with Unicode kept, cut to 80, "-2" when taken), never a copy of it in JavaScript.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from .models import _unique_slug


class SlugPreviewed:
    """A ModelAdmin mixin for a model whose blank slug is made from the fields `slug_from`
    (those its `str` is made of): its form's slug field shows what the slug will be."""

    slug_from: list[str] = []

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "slug/",
                self.admin_site.admin_view(self.slug_preview_view),
                name=f"{opts.app_label}_{opts.model_name}_slug",
            ),
            *super().get_urls(),
        ]

    @property
    def media(self):
        return super().media + forms.Media(js=["admin/claims/slug_preview.js"])

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        field = form.base_fields.get("slug")
        if field is None or field.disabled:
            return form
        opts = self.model._meta
        names = [str(opts.get_field(name).verbose_name) for name in self.slug_from]
        field.help_text = (
            f"Left blank, it is made from the {' or the '.join(names)} when saved: "
            "shown below as it will be."
        )
        field.widget.attrs.update(
            {
                "data-slug-url": reverse(
                    f"admin:{opts.app_label}_{opts.model_name}_slug",
                    current_app=self.admin_site.name,
                ),
                "data-slug-from": " ".join(self.slug_from),
                **({"data-slug-pk": str(obj.pk)} if obj is not None and obj.pk else {}),
            }
        )
        return form

    @staticmethod
    def _posted_pk(value):
        value = str(value or "")
        return int(value) if value.isascii() and value.isdecimal() and len(value) < 19 else None

    def slug_preview_view(self, request):
        """POST the name fields (and `pk`, editing a saved object) → {"slug": what a save with
        the slug left blank would give now}. A POST, as a long claim's text may not fit in a
        URL."""
        return require_POST(self._slug_preview)(request)

    def _slug_preview(self, request):
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        instance = self.model(**{name: request.POST.get(name, "") for name in self.slug_from})
        instance.pk = self._posted_pk(request.POST.get("pk"))
        return JsonResponse({"slug": _unique_slug(instance)})
