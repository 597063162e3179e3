from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views import View
from django_htmx.http import HttpResponseClientRefresh

from apps.accounts.permissions import (
    PERM_OPERATE,
    AdminRequiredMixin,
    OperatorRequiredMixin,
    ViewerRequiredMixin,
)
from apps.core.htmx import is_htmx
from apps.core.views import ObjectListView

from . import selectors, services
from .filtersets import AlertFilterSet, AlertRuleFilterSet, ChannelFilterSet
from .forms import AlertRuleForm, ChannelForm
from .models import Alert, AlertRule, Channel
from .tables import AlertRuleTable, AlertTable, ChannelTable


class AlertListView(ObjectListView):
    filterset_class = AlertFilterSet
    table_class = AlertTable
    template_name = "alerts/alert_list.html"
    page_title = "Alerts"

    def get_queryset(self):
        qs = selectors.alert_list_queryset()
        one = self.request.GET.get("id", "")
        return qs.filter(pk=int(one)) if one.isdigit() else qs  # a notification's link: that alert


class AlertBellView(ViewerRequiredMixin, View):
    """The nav bar's bell (loaded by htmx once per page): unread count and the newest alerts."""

    def get(self, request):
        response = render(request, "alerts/_bell.html", selectors.alert_bell())
        response["Cache-Control"] = "no-store"
        return response


def _back(request):
    if is_htmx(request):
        return HttpResponseClientRefresh()
    return HttpResponseRedirect(reverse("alerts:alert_list"))


class AlertAcknowledgeView(OperatorRequiredMixin, View):
    def post(self, request, pk):
        alert = get_object_or_404(Alert, pk=pk)
        try:
            services.alert_acknowledge(alert=alert, user=request.user, request=request)
        except services.AlertNotActive as exc:
            messages.warning(request, str(exc))
        else:
            messages.success(request, f"Alert acknowledged: {alert.subject_label or alert.subject_id}.")
        return _back(request)


class AlertSnoozeView(OperatorRequiredMixin, View):
    MAX_MINUTES = 7 * 24 * 60

    def post(self, request, pk):
        alert = get_object_or_404(Alert, pk=pk)
        try:
            minutes = int(request.POST.get("minutes", "60"))
        except ValueError:
            minutes = -1
        if not 0 <= minutes <= self.MAX_MINUTES:
            messages.error(request, "Snooze for 0 to 10080 minutes (a week).")
            return _back(request)
        try:
            services.alert_snooze(alert=alert, minutes=minutes, user=request.user, request=request)
        except services.AlertNotActive as exc:
            messages.warning(request, str(exc))
        else:
            messages.success(request, f"Alert snoozed for {minutes} minutes." if minutes else "Snooze ended.")
        return _back(request)


# --- rules ---------------------------------------------------------------------------------------------
class RuleListView(ObjectListView):
    permission_required = PERM_OPERATE
    filterset_class = AlertRuleFilterSet
    table_class = AlertRuleTable
    template_name = "alerts/rule_list.html"
    page_title = "Alert rules"
    item_name, item_name_plural = "rule", "rules"

    def get_queryset(self):
        return selectors.rule_list_queryset()


class _RuleFormView(AdminRequiredMixin, View):
    template_name = "alerts/rule_form.html"

    def render_form(self, request, form, rule=None, status=200):
        context = {"form": form, "rule": rule, "page_title": f"Rule {rule}" if rule else "New alert rule"}
        response = render(request, self.template_name, context, status=status)
        patch_vary_headers(response, ("HX-Request",))
        return response

    def save(self, request, form, rule=None):
        if not form.is_valid():
            return self.render_form(request, form, rule, status=422)
        try:
            if rule is None:
                rule = services.rule_create(data=form.rule_data(), user=request.user, request=request)
                messages.success(request, f"Rule {rule} created.")
            else:
                rule = services.rule_update(
                    rule=rule, data=form.rule_data(), user=request.user, request=request
                )
                messages.success(request, f"Rule {rule} saved.")
        except services.RuleNotEvaluable as exc:
            for field, message in exc.problems:
                form.add_error(field if field in form.fields else None, message)
            return self.render_form(request, form, rule, status=422)
        return HttpResponseRedirect(reverse("alerts:rule_list"))


class RuleCreateView(_RuleFormView):
    def get(self, request):
        return self.render_form(request, AlertRuleForm())

    def post(self, request):
        return self.save(request, AlertRuleForm(request.POST))


class RuleEditView(_RuleFormView):
    def get(self, request, pk):
        rule = get_object_or_404(AlertRule, pk=pk)
        return self.render_form(request, AlertRuleForm(instance=rule), rule)

    def post(self, request, pk):
        rule = get_object_or_404(AlertRule, pk=pk)
        return self.save(request, AlertRuleForm(request.POST, instance=rule), rule)


class RuleDeleteView(AdminRequiredMixin, View):
    def post(self, request, pk):
        rule = get_object_or_404(AlertRule, pk=pk)
        services.rule_delete(rule=rule, user=request.user, request=request)
        messages.success(request, f"Rule {rule} deleted.")
        return HttpResponseRedirect(reverse("alerts:rule_list"))


class RuleEvaluateView(OperatorRequiredMixin, View):
    """Evaluate one rule now (as beat would)."""

    def post(self, request, pk):
        rule = get_object_or_404(AlertRule, pk=pk)
        result = services.rule_evaluate(rule=rule)
        if result.error:
            messages.error(request, f"Rule {rule} cannot be evaluated: {result.error}")
        else:
            messages.success(
                request,
                f"Rule {rule} evaluated: {len(result.opened) + result.reopened} opened, "
                f"{len(result.resolved)} resolved, {result.firing} firing.",
            )
        return HttpResponseRedirect(reverse("alerts:alert_list") + f"?rule={rule.pk}")


# --- channels ------------------------------------------------------------------------------------------
class ChannelListView(ObjectListView):
    permission_required = PERM_OPERATE
    filterset_class = ChannelFilterSet
    table_class = ChannelTable
    template_name = "alerts/channel_list.html"
    page_title = "Alert channels"
    item_name, item_name_plural = "channel", "channels"

    def get_queryset(self):
        return selectors.channel_list_queryset()


class ChannelDetailView(OperatorRequiredMixin, View):
    def get(self, request, pk):
        channel = get_object_or_404(Channel, pk=pk)
        context = {
            "channel": channel,
            "page_title": f"Channel {channel}",
            "deliveries": selectors.channel_recent_deliveries(channel=channel),
        }
        return render(request, "alerts/channel_detail.html", context)


class _ChannelFormView(AdminRequiredMixin, View):
    template_name = "alerts/channel_form.html"

    def render_form(self, request, form, channel=None, status=200):
        context = {
            "form": form,
            "channel": channel,
            "page_title": f"Channel {channel}" if channel else "New alert channel",
        }
        return render(request, self.template_name, context, status=status)

    def save(self, request, form, channel=None):
        if not form.is_valid():
            return self.render_form(request, form, channel, status=422)
        channel = services.channel_save(
            channel=channel or Channel(),
            data=form.channel_data(),
            secret=form.cleaned_data.get("secret") or "",
            user=request.user,
            request=request,
        )
        messages.success(request, f"Channel {channel} saved.")
        return HttpResponseRedirect(channel.get_absolute_url())


class ChannelCreateView(_ChannelFormView):
    def get(self, request):
        return self.render_form(request, ChannelForm())

    def post(self, request):
        return self.save(request, ChannelForm(request.POST))


class ChannelEditView(_ChannelFormView):
    def get(self, request, pk):
        channel = get_object_or_404(Channel, pk=pk)
        return self.render_form(request, ChannelForm(instance=channel), channel)

    def post(self, request, pk):
        channel = get_object_or_404(Channel, pk=pk)
        return self.save(request, ChannelForm(request.POST, instance=channel), channel)
