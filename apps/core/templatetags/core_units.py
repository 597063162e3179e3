"""``{% load core_units %}``: ``{{ n|data_size }}`` (bytes) and ``{{ fleet.data_limit|data_size_mb }}``
(megabytes), both through apps.core.units - the one way data sizes are written."""

from django import template

from apps.core import units

register = template.Library()
register.filter("data_size", units.data_size)
register.filter("data_size_mb", units.data_size_mb)
