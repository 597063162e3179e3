from django import template

from apps.networks.selectors import country_name
from apps.networks.tables import identifiers_text

register = template.Library()


@register.filter
def country(code: str) -> str:
    """``"DE"|country`` -> ``"Germany"``."""
    return country_name(code)


@register.filter
def mcc_mnc(identifiers) -> str:
    """``[{"mcc": "262", "mnc": "02"}]|mcc_mnc`` -> ``"262-02"``."""
    return identifiers_text(identifiers)
