"""Who may open each URL: a table of facts, written out (not read from the views), that the authorization
walks in ``test_security_authz.py`` and ``test_url_walk.py`` check every view against.

A new URL must be placed here (one line: ``"namespace:name": ROLE``), else those tests fail naming it. The
roles, lowest first: ANONYMOUS (anyone), SIGNED_IN (any signed-in user, no role needed), VIEWER, OPERATOR,
ADMIN (apps/accounts/permissions.py). Namespaces with their own authentication (Django admin, the sandbox,
webhooks: ``apps.core.testing.OWN_AUTH_NAMESPACES``) are not walked and not listed.
"""

from __future__ import annotations

ANONYMOUS, SIGNED_IN, VIEWER, OPERATOR, ADMIN = "anonymous", "signed-in", "viewer", "operator", "admin"
#: lowest first
RANKS = {ANONYMOUS: 0, SIGNED_IN: 1, VIEWER: 2, OPERATOR: 3, ADMIN: 4}
WHERE = "tests/url_roles.py (URL_ROLES)"

URL_ROLES: dict[str, str] = {
    "accounts:login": ANONYMOUS,
    "accounts:logout": SIGNED_IN,
    "accounts:password_change": SIGNED_IN,
    "accounts:user_activate": ADMIN,
    "accounts:user_create": ADMIN,
    "accounts:user_deactivate": ADMIN,
    "accounts:user_detail": ADMIN,
    "accounts:user_list": ADMIN,
    "accounts:user_password_reset": ADMIN,
    "accounts:user_role": ADMIN,
    "accounts:user_unlock": ADMIN,
    "audit:auditevent_detail": VIEWER,
    "audit:auditevent_list": VIEWER,
    "commands:command_feed": VIEWER,
    "commands:command_list": VIEWER,
    "commands:ip_send": OPERATOR,
    "commands:ipcommand_detail": VIEWER,
    "commands:sms_send": OPERATOR,
    "commands:smscommand_detail": VIEWER,
    "core:first_sync_progress": VIEWER,
    "core:health": ANONYMOUS,
    "core:home": VIEWER,
    "core:job_detail": VIEWER,
    "core:job_list": VIEWER,
    "core:job_results_csv": VIEWER,
    "core:job_retry": OPERATOR,
    "esims:esimprofile_create": OPERATOR,
    "esims:esimprofile_detail": VIEWER,
    "esims:esimprofile_list": VIEWER,
    "esims:esimprofile_print_sheet": VIEWER,
    "esims:esimprofile_qr_png": VIEWER,
    "esims:esimprofile_qr_svg": VIEWER,
    "esims:esimprofile_status_poll": VIEWER,
    "fleets:fleet_create": ADMIN,
    "fleets:fleet_detail": VIEWER,
    "fleets:fleet_edit": ADMIN,
    "fleets:fleet_list": VIEWER,
    "networks:nap_create": ADMIN,
    "networks:nap_detail": VIEWER,
    "networks:nap_list": VIEWER,
    "networks:nap_network_add": ADMIN,
    "networks:nap_network_remove": ADMIN,
    "networks:nap_rename": ADMIN,
    "networks:network_detail": VIEWER,
    "networks:network_list": VIEWER,
    "sims:sim_bulk": OPERATOR,
    "sims:sim_detail": VIEWER,
    "sims:sim_export_csv": VIEWER,
    "sims:sim_list": VIEWER,
    "sims:sim_onboard_confirm": OPERATOR,
    "sims:sim_onboard_csv": OPERATOR,
    "sims:sim_onboard_preview": OPERATOR,
    "sims:sim_register": OPERATOR,
    "sims:sim_sandbox_inventory": OPERATOR,
    "sims:sim_rename": OPERATOR,
    "sims:sim_status_poll": VIEWER,
    "sims:sim_sync_details": OPERATOR,
    "sims:sim_update_fleet": OPERATOR,
    "sims:sim_update_status": OPERATOR,
    "sync:sync_now": OPERATOR,
    "sync:syncrun_detail": VIEWER,
    "sync:syncrun_list": VIEWER,
    "usage:fleet_near_limit": VIEWER,
    "usage:usage_chart_data": VIEWER,
    "usage:usage_export_csv": VIEWER,
    "usage:usage_overview": VIEWER,
}
