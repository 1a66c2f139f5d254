"""df, sensors and slow facts from the probe."""

from __future__ import annotations

import pytest

from erpconsole.services.hosts import sysparse as sp
from erpconsole.services.hosts.probe_answer import ProbeParseError
from erpconsole.services.models import Temperature
from tests.services.hosts.procfs_fixtures import sample

KIB = 1024


def test_df_debian12_sample_without_type_column():
    rows = sp.parse_df(sample("debian12-vm", "df_Pk"))
    assert [r.mount for r in rows] == [
        "/dev", "/dev/shm", "/", "/mnt/sandboxing/model_tools_env/v1/python", "/sys/fs/cgroup"]
    root = rows[2]
    assert (root.source, root.fstype) == ("/dev/vda", "")
    assert root.total_bytes == 264212084 * KIB and root.used_bytes == 23176544 * KIB
    assert root.avail_bytes == 83214368 * KIB
    # df's own ratio (used / (used + available)); it prints 22% after rounding up.
    assert root.used_percent == pytest.approx(100 * 23176544 / (23176544 + 83214368))
    usages = sp.disk_usages(rows)
    assert [u.mount for u in usages] == ["/", "/mnt/sandboxing/model_tools_env/v1/python"]


def test_df_gnu_with_type_column_spaces_and_escapes():
    text = (
        "Filesystem     Type 1024-blocks     Used Available Capacity Mounted on\n"
        "/dev/sda1      ext4     1000000   250000    700000      27% /\n"
        "tmpfs          tmpfs       1000        0      1000       0% /run\n"
        "//nas/erp share cifs    2000000  1000000   1000000      50% /mnt/erp files\n"
        "/dev/sdb1      xfs      3000000        0   3000000       0% /srv/odoo\\040data\n"
        "/dev/sda1      ext4     1000000   250000    700000      27% /var/lib/docker/bind\n"
        "proc_like      -              0        0         0       -  /weird\n"
    )
    rows = sp.parse_df(text)
    assert rows[2].source == "//nas/erp share" and rows[2].mount == "/mnt/erp files"
    assert rows[2].fstype == "cifs" and rows[2].used_percent == 50.0
    assert rows[3].mount == "/srv/odoo data"
    usages = sp.disk_usages(rows)
    # tmpfs out, the bind mount of /dev/sda1 counted once, the empty file system out.
    assert [u.mount for u in usages] == ["/", "/mnt/erp files", "/srv/odoo data"]
    assert usages[0].fstype == "ext4" and usages[0].total_bytes == 1000000 * KIB


def test_df_busybox_wrapped_source_name():
    text = (
        "Filesystem           1024-blocks      Used Available Capacity Mounted on\n"
        "/dev/mapper/vg0-a-very-long-logical-volume-name\n"
        "                        5000      1000      4000  20% /data\n"
        "overlay                 100        10        90  10% /\n"
    )
    rows = sp.parse_df(text)
    assert rows[0].source == "/dev/mapper/vg0-a-very-long-logical-volume-name"
    assert rows[0].mount == "/data"
    assert [u.mount for u in sp.disk_usages(rows)] == ["/data"]  # overlay is a pseudo source


@pytest.mark.parametrize("bad", [
    "Dateisystem 1K-Blöcke Benutzt\n/dev/sda 1 1 0 100% /\n",  # not LC_ALL=C: refused clearly
    "Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/sda 10 5 5 50% relative\n",
    "Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/sda\n",
])
def test_df_garbage_is_a_parse_error(bad):
    with pytest.raises(ProbeParseError) as err:
        sp.parse_df(bad)
    assert err.value.message.startswith("df -P -k from the host could not be read")


def test_temperatures_from_hwmon_and_thermal_zones():
    text = (
        "thermal\tthermal_zone0\tacpitz\t27800\n"
        "thermal\tthermal_zone1\tx86_pkg_temp\t45000\n"
        "thermal\tthermal_zone2\tiwlwifi_1\t\n"  # the driver refused the read
        "hwmon\tacpitz\ttemp1\t\t27800\t\t\n"
        "hwmon\tcoretemp\ttemp1\tPackage id 0\t45000\t84000\t100000\n"
        "hwmon\tnvme\ttemp1\tComposite\t-128000\t\t\n"  # a disconnected probe
    )
    temps = sp.parse_temperatures(text)
    assert temps == (
        Temperature("acpitz temp1", 27.8),
        Temperature("coretemp Package id 0", 45.0, 84.0, 100.0),
        Temperature("x86_pkg_temp", 45.0),  # acpitz's thermal zone is the same sensor
    )
    assert sp.parse_temperatures("") == ()


@pytest.mark.parametrize("bad", ["hwmon\tchip\ttemp1\tlabel\tforty\t\t", "thermal\tz\tt\n",
                                 "fan\t1200", "thermal\tz\tt\t1e9"])
def test_temperature_garbage_is_a_parse_error(bad):
    with pytest.raises(ProbeParseError):
        sp.parse_temperatures(bad)


def _facts_sections(**over: str) -> dict[str, str]:
    base = {
        "os_release": sample("debian12-vm", "os-release"),
        "uname": "Linux 6.1.0-18-amd64 x86_64",
        "kernel": "6.1.0-18-amd64",
        "cpuinfo": "processor\t: 0\nmodel name\t: AMD EPYC 7B13\nprocessor\t: 1\n"
                   "model name\t: AMD EPYC 7B13\n",
        "cpus": "2",
        "memtotal": "MemTotal:       24684096 kB",
        "reboot": "",
        "kernels": "6.1.0-9-amd64\n6.1.0-18-amd64\n",
    }
    return base | over


def test_facts_debian12():
    f = sp.parse_facts(_facts_sections())
    assert f.os_name == "Debian GNU/Linux 12 (bookworm)"
    assert (f.os_id, f.os_version) == ("debian", "12")
    assert (f.kernel, f.arch, f.cpu_model, f.cpu_count) == ("6.1.0-18-amd64", "x86_64",
                                                            "AMD EPYC 7B13", 2)
    assert f.mem_total_bytes == 24684096 * KIB
    assert f.newest_kernel == "6.1.0-18-amd64" and not f.reboot_required


def test_reboot_required_by_flag_file_or_newer_kernel():
    assert sp.parse_facts(_facts_sections(reboot="required")).reboot_required
    newer = _facts_sections(kernel="6.1.0-9-amd64")
    assert sp.parse_facts(newer).reboot_required
    rhel = _facts_sections(
        kernel="5.14.0-70.13.1.el9_0.x86_64",
        kernels="0-rescue-4a1b\n5.14.0-70.13.1.el9_0.x86_64\n5.14.0-362.8.1.el9_3.x86_64\n")
    assert sp.parse_facts(rhel).newest_kernel == "5.14.0-362.8.1.el9_3.x86_64"
    assert sp.parse_facts(rhel).reboot_required
    # A kernel booted from outside /boot (a VM's own, like debian12-vm's) is no reason.
    assert not sp.parse_facts(_facts_sections(kernel="6.18.44-fc-v595", kernels="")).reboot_required


def test_facts_all_missing_gives_empty_facts():
    assert sp.parse_facts({}) == sp.HostFacts()
    old_arm = "Processor\t: ARMv7 Processor rev 10 (v7l)\nprocessor\t: 0\nprocessor\t: 1\n"
    f = sp.parse_facts({"cpuinfo": old_arm})
    assert (f.cpu_model, f.cpu_count) == ("ARMv7 Processor rev 10 (v7l)", 2)


def test_facts_garbage_numbers_are_parse_errors():
    with pytest.raises(ProbeParseError):
        sp.parse_facts(_facts_sections(cpus="two"))
    with pytest.raises(ProbeParseError):
        sp.parse_facts(_facts_sections(memtotal="MemTotal: lots"))
    assert sp.parse_os_release('NAME="Unbalanced\n# comment\nID=x') == {"NAME": "Unbalanced",
                                                                          "ID": "x"}
