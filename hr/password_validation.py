"""Password rules with messages in the product's catalogue where Django's own fall short.

Django 5.2 words the minimum-length error with `%d`; its Norwegian catalogue still translates an
older wording (`%(min_length)d`), so Norwegian pages showed that one rule in English. The same rule
here says it in Norwegian, with the English in locale/en.
"""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return ngettext(
            "Passordet er for kort. Det må bestå av minst %(min_length)d tegn.",
            "Passordet er for kort. Det må bestå av minst %(min_length)d tegn.",
            self.min_length,
        ) % {"min_length": self.min_length}
