from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save, pre_save


def _sim_fleet_before(sender, instance, **kwargs) -> None:
    """pre_save: the fleet the SIM is counted in now (its counts change too when it moves)."""
    before = sender.objects.filter(pk=instance.pk) if instance.pk else sender.objects.none()
    instance._counted_fleet = before.values_list("fleet_id", flat=True).first()


def _sims_changed(sender, instance, **kwargs) -> None:
    from .services import sim_counts_refresh

    sim_counts_refresh(fleets={getattr(instance, "_counted_fleet", None), instance.fleet_id})


class SimsConfig(AppConfig):
    name = "apps.sims"
    label = "sims"

    def ready(self) -> None:
        from .models import Sim

        # saves outside apps.sims.services (factories, the Django admin) also invalidate the cached counts
        pre_save.connect(_sim_fleet_before, sender=Sim, dispatch_uid="sims-fleet-before")
        post_save.connect(_sims_changed, sender=Sim, dispatch_uid="sims-data-changed")
        post_delete.connect(_sims_changed, sender=Sim, dispatch_uid="sims-data-changed-delete")
