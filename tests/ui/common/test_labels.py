from erpconsole.services.models import LOCAL_HOST, Health
from erpconsole.ui.common.labels import display_name, health_text


def test_health_text_names_the_state_once():
    assert health_text(Health.UNREACHABLE, "cannot connect to h:22") == "unreachable: cannot connect to h:22"
    msg = "unknown host key for 127.0.0.1:2222: ssh-ed25519 SHA256:abc"
    assert health_text(Health.HOSTKEY_UNKNOWN, msg) == msg
    assert health_text(Health.OK, "ignored") == "ok"


def test_local_host_display_name():
    assert display_name(LOCAL_HOST) == "This workstation" and display_name("erp-1") == "erp-1"
