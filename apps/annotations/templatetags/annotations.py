from django import template

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


@register.inclusion_tag("annotations/_tag_badges.html")
def tag_badges(tags):
    """Tag badges (a table cell, a CSV-free list): ``{% tag_badges record.tag_list %}``."""
    return {"tags": tags or []}
