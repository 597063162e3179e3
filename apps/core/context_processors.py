from django.conf import settings
from django.urls import NoReverseMatch, reverse

from apps.accounts.permissions import PERM_ADMIN, user_role

#: The main navigation: (label, URL name). An entry whose page does not exist yet is shown disabled.
NAV_ITEMS = [
    ("SIMs", "sims:sim_list"),
    ("Fleets", "fleets:fleet_list"),
    ("Network Access Profiles", "networks:nap_list"),
    ("Networks", "networks:network_list"),
    ("eSIM Profiles", "esims:esimprofile_list"),
    ("Commands", "commands:command_list"),
    ("Usage", "usage:usage_overview"),
    ("Events", "events:event_list"),
    ("Sync", "sync:syncrun_list"),
    ("Jobs", "core:job_list"),
    ("Alerts", "alerts:alert_list"),
    ("Audit log", "audit:auditevent_list"),
    ("Tags", "annotations:tag_list"),
    ("Notes", "annotations:note_list"),
]
#: entries shown to admins only, after the others
ADMIN_NAV_ITEMS = [("Users", "accounts:user_list"), ("Custom fields", "annotations:customfield_list")]


def _nav(request):
    items = []
    admin_items = ADMIN_NAV_ITEMS if request.user.has_perm(PERM_ADMIN) else []
    for label, name in NAV_ITEMS + admin_items:
        try:
            url = reverse(name)
        except NoReverseMatch:
            url = None
        items.append({"label": label, "url": url, "active": False})
    # the entry whose URL is the longest prefix of this page is the active one (/networks/profiles/ is NAPs)
    matching = [i for i in items if i["url"] and i["url"] != "/" and request.path.startswith(i["url"])]
    if matching:
        max(matching, key=lambda i: len(i["url"]))["active"] = True
    return items


def site(request):
    user = getattr(request, "user", None)
    return {
        "SANDBOX_ENABLED": settings.SANDBOX_ENABLED,
        "API_BASE_URL": settings.SUPERSIM_API_BASE_URL,
        "PRODUCTION": settings.PRODUCTION,
        "nav_items": _nav(request) if user is not None and user.is_authenticated else [],
        "user_role": user_role(user) if user is not None and user.is_authenticated else "",
    }
