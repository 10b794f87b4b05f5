"""Model fields specific to candidature forms."""

from django import forms
from django.db import models

from .choices import FileKind


class FileKindsFormField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.pop("max_length", None)
        kwargs.pop("empty_value", None)
        super().__init__(choices=FileKind.choices, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, str):
            return [kind for kind in value.split(",") if kind]
        return value

    def to_python(self, value):
        return super().to_python(self.prepare_value(value) or [])

    def clean(self, value):
        return ",".join(super().clean(value))


class FileKindsField(models.CharField):
    """A comma-separated list of file kinds, edited as checkboxes."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        return FileKindsFormField(
            required=not self.blank, label=self.verbose_name, help_text=self.help_text
        )
