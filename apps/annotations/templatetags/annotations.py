from django import template
from django.utils.html import format_html_join

register = template.Library()


@register.inclusion_tag("annotations/_panel.html", takes_context=True)
def annotations_panel(context, obj, object_type: str):
    """The tags, custom fields and notes of a SIM or fleet page (``{% annotations_panel sim "sim" %}``)."""
    from apps.annotations.views import panel_context

    request = context["request"]
    return {
        **panel_context(request, object_type=object_type, obj=obj),
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "perms": context.get("perms"),
    }


def tag_badges_html(tags) -> str:
    """The badges of ``tags`` (a table cell, a detail page): one ``span.annotations-tag`` per tag, coloured
    by its class, its description as the title."""
    return format_html_join(
        " ",
        '<span class="badge annotations-tag {}" data-tag="{}" title="{}">{}</span>',
        ((tag.css_class, tag.name, tag.description, tag.name) for tag in tags or ()),
    )


@register.simple_tag
def tag_badges(tags):
    """``{% tag_badges record.tag_list %}``: :func:`tag_badges_html` in a template."""
    return tag_badges_html(tags)
