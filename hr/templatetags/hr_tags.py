from decimal import Decimal

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def hours(value: Decimal | None) -> str:
    """7.50 → "7,5" in Norwegian, "7.5" in English: at most two decimals, no trailing zeros."""
    if value is None or value == "":
        return ""
    normalized = Decimal(value).normalize()
    exponent = normalized.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return number_format(normalized, decimal_pos=min(places, 2))


@register.filter
def get_item(mapping: dict, key: object) -> object:
    return mapping.get(key, 0) if mapping else 0


@register.filter
def get_index(sequence: list, index: int) -> object:
    try:
        return sequence[index]
    except (IndexError, TypeError):
        return ""


@register.filter
def absolute(value: Decimal) -> Decimal:
    return abs(value)
