import pytest

from .factories import IpCommandFactory, SmsCommandFactory

pytestmark = pytest.mark.django_db


def test_factories_and_str():
    sms = SmsCommandFactory()
    ip = IpCommandFactory(sim=sms.sim)
    assert str(sms) == sms.sid and str(ip) == ip.sid
    assert sms.sim.sms_commands.get() == sms and sms.sim.ip_commands.get() == ip
    assert sms.status_badge_class == "text-bg-secondary"
