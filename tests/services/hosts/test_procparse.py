"""Parsers of the probe's /proc sections, on the real samples, cut short and on garbage."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from erpconsole.services.errors import CollectorError
from erpconsole.services.hosts import procparse as pp
from erpconsole.services.hosts import sysparse as sp
from erpconsole.services.hosts.probe_answer import ProbeParseError, excerpt, split_sections
from erpconsole.services.models import Health
from tests.services.hosts.procfs_fixtures import SYSTEMS, probe_answer, sample, samples

KIB = 1024

# Every parser of one section's text, with the sample file it reads.
PARSERS: dict[str, tuple[str, Callable[[str], object]]] = {
    "stat": ("stat", pp.parse_stat),
    "meminfo": ("meminfo", pp.parse_meminfo),
    "loadavg": ("loadavg", pp.parse_loadavg),
    "uptime": ("uptime", pp.parse_uptime),
    "net_dev": ("net_dev", pp.parse_net_dev),
    "diskstats": ("diskstats", pp.parse_diskstats),
    "df": ("df_Pk", sp.parse_df),
    "temp": ("", sp.parse_temperatures),
    "procs": ("", pp.parse_proc_count),
    "os_release": ("os-release", sp.parse_os_release),
}
# Sections a host may lack, and what each parser gives for an empty one.
OPTIONAL: dict[str, object] = {
    "net_dev": {}, "diskstats": {}, "df": [], "temp": (), "procs": None, "os_release": {}}


# --- the real samples -----------------------------------------------------------------------


def test_every_sample_parses():
    parsed = 0
    for section, (name, parse) in PARSERS.items():
        if not name:
            continue
        for _system, text in samples(name):
            assert parse(text) is not None, section
            parsed += 1
    # stat, meminfo, loadavg, diskstats: 3 systems each; net_dev 2; uptime, df, os-release 1.
    assert parsed == 17


def test_stat_debian12():
    st = pp.parse_stat(sample("debian12-vm", "stat"))
    # user+nice+system+idle+iowait+irq+softirq+steal; guest columns are inside user already.
    assert st.cpu == pp.CpuTimes(busy=66188 - 60638 - 430, total=66188)
    assert st.cores[0] == pp.CpuTimes(busy=33082 - 31799 - 33, total=33082)
    assert len(st.cores) == 2
    assert (st.ctxt, st.processes, st.procs_running, st.procs_blocked) == (283030, 5512, 2, 0)
    assert st.btime == 1795459750


def test_stat_with_guest_columns_does_not_count_them_twice():
    st = pp.parse_stat(sample("node-exporter-sample", "stat"))
    assert st.cpu.total == 301854 + 612 + 111922 + 8979004 + 3552 + 2 + 3944 + 0
    assert st.cpu.busy == st.cpu.total - 8979004 - 3552
    assert len(st.cores) == 8
    assert pp.parse_stat(sample("procfs-sample", "stat")).procs_blocked == 1


def test_stat_old_kernel_four_columns_and_cores_in_number_order():
    st = pp.parse_stat("cpu 10 0 5 85\ncpu1 5 0 2 43\ncpu0 5 0 3 42\n")
    assert st.cpu == pp.CpuTimes(15, 100)
    assert st.cores == (pp.CpuTimes(8, 50), pp.CpuTimes(7, 50))
    assert st.ctxt is None


def test_meminfo_debian12_in_bytes():
    m = pp.parse_meminfo(sample("debian12-vm", "meminfo"))
    assert m.total == 24684096 * KIB
    assert m.available == 24386884 * KIB and not m.available_estimated
    assert (m.swap_total, m.swap_free, m.swap_percent) == (0, 0, 0.0)
    assert m.used == (24684096 - 24386884) * KIB
    assert m.percent == pytest.approx(100 * (24684096 - 24386884) / 24684096)


def test_meminfo_without_memavailable_is_estimated():
    m = pp.parse_meminfo(sample("node-exporter-sample", "meminfo"))
    assert m.available_estimated
    assert m.available == (225472 + 22040 + 930888 + 44772) * KIB
    assert m.swap_total == 4194300 * KIB and m.swap_free == 3155360 * KIB
    assert m.swap_percent == pytest.approx(100 * (4194300 - 3155360) / 4194300)
    p = pp.parse_meminfo(sample("procfs-sample", "meminfo"))
    assert p.available == (440324 + 1020128 + 12007640 + 1738124) * KIB


def test_loadavg_and_uptime():
    la = pp.parse_loadavg(sample("debian12-vm", "loadavg"))
    assert la == pp.LoadAvg(0.05, 0.10, 0.04, 3, 85)
    assert pp.parse_loadavg(sample("node-exporter-sample", "loadavg")).threads == 719
    assert pp.parse_loadavg("1.5 2 3") == pp.LoadAvg(1.5, 2.0, 3.0)
    assert pp.parse_uptime(sample("debian12-vm", "uptime")) == 332.57
    assert pp.parse_proc_count("85\n") == 85 and pp.parse_proc_count("") is None


def test_numbers_no_kernel_writes_are_refused():
    for text in ("nan nan nan 1/1 1", "inf 1 1", "1e400 1 1", "1_000 1 1", "\u0663 1 1"):
        with pytest.raises(ProbeParseError):
            pp.parse_loadavg(text)
    with pytest.raises(ProbeParseError):
        pp.parse_stat("cpu 1_000 0 0 1\n")


@pytest.mark.parametrize("bad", ["\u00b2", "\u0663", "1" * 31, "+1", "-1", "0x1f", "1_0"])
def test_counters_read_many_at_once_refuse_what_no_kernel_writes(bad):
    """stat, net/dev and diskstats check each line's numbers in one go: the same rule as one
    number at a time (ASCII digits, 30 at most)."""
    disk = "8 0 sda 1 2 3 4 5 6 7 8 0 10 11"
    net = "  eth0: " + " ".join(["1"] * 16)
    for parse, good, line in ((pp.parse_stat, "cpu 1 2 3 4", f"cpu 1 {bad} 3 4"),
                              (pp.parse_net_dev, net, net.replace(": 1 ", f": {bad} ", 1)),
                              (pp.parse_diskstats, disk, disk.replace(" 5 ", f" {bad} "))):
        assert parse(good)
        with pytest.raises(ProbeParseError):
            parse(line)
    with pytest.raises(ProbeParseError):
        pp.parse_meminfo(f"MemTotal: 1 kB\nMemFree: {bad} kB\n")


def test_meminfo_lines_the_kernel_does_not_write_are_read_as_before():
    """All lines read at once where each is as the kernel writes it; a blank line or odd white
    space is read line by line, with the same values."""
    usual = "MemTotal:       16 kB\nMemFree:         8 kB\nHugePages_Total:       0\n"
    odd = "MemTotal:\x0b16 kB\n\nMemFree: 8\x0ckB\n  HugePages_Total: 0  \n"
    assert pp.meminfo_values(usual) == pp.meminfo_values(odd) == {
        "MemTotal": 16 * KIB, "MemFree": 8 * KIB, "HugePages_Total": 0}
    for garbage in ("MemTotal: 16 kB\nMemFree: 8 KB\n", "MemTotal: 16 kB\n: 8 kB\n",
                    "MemTotal: 16 kB kB\n", "MemTotal 16 kB\n"):
        with pytest.raises(ProbeParseError):
            pp.meminfo_values(garbage)


def test_net_dev_samples():
    d = pp.parse_net_dev(sample("debian12-vm", "net_dev"))
    assert sorted(d) == ["eth0", "ifb0", "ifb1", "lo"]
    assert (d["eth0"].rx_bytes, d["eth0"].tx_bytes) == (125467449, 154181)
    assert (d["eth0"].rx_packets, d["eth0"].tx_packets) == (2699, 1722)
    assert pp.net_totals(d) == (125467449, 154181)  # lo left out
    p = pp.parse_net_dev(sample("procfs-sample", "net_dev"))
    assert p["vethf345468"].rx_bytes == 648 and p["docker0"].tx_bytes == 438
    assert pp.net_totals(p) == (648 + 2568 + 874354587, 438 + 438 + 563352563)


def test_net_dev_long_name_touching_the_counters():
    text = ("Inter-|   Receive |  Transmit\n face |bytes packets|bytes\n"
            "enp0s31f6-long:1234 5 0 0 0 0 0 0 678 9 0 0 0 0 0 0\n")
    d = pp.parse_net_dev(text)
    assert d["enp0s31f6-long"].rx_bytes == 1234 and d["enp0s31f6-long"].tx_bytes == 678


@pytest.mark.parametrize(
    ("system", "devices", "fields"),
    [("debian12-vm", 10, {20}), ("node-exporter-sample", 51, {14, 18, 20}),
     ("procfs-sample", 52, {14, 18, 20})],
)
def test_diskstats_samples_and_field_variants(system, devices, fields):
    text = sample(system, "diskstats")
    assert {len(line.split()) for line in text.splitlines()} == fields
    stats = pp.parse_diskstats(text)
    assert len(stats) == devices


def test_diskstats_values_of_each_variant():
    deb = pp.parse_diskstats(sample("debian12-vm", "diskstats"))  # 20 fields
    assert deb["vda"].sectors_read == 1870018 and deb["vda"].read_bytes == 1870018 * 512
    assert deb["vda"].write_bytes == 1444248 * 512 and deb["vda"].io_ms == 5852
    ne = pp.parse_diskstats(sample("node-exporter-sample", "diskstats"))
    assert (ne["sda"].reads, ne["sda"].sectors_written) == (25354637, 505697032)  # 14
    assert (ne["sdb"].sectors_read, ne["sdb"].sectors_written) == (9657779, 1972905)  # 18
    assert (ne["sdc"].sectors_read, ne["sdc"].io_ms) == (1657779, 10730)  # 20
    old = pp.parse_diskstats("   8    1 sda1 250 2000 11 152\n")  # pre-2.6.25 partition
    assert old["sda1"] == pp.DiskStat(8, 1, "sda1", 250, 2000, 11, 152, None)


def test_whole_disks_leave_out_partitions_and_virtual_devices():
    ne = pp.whole_disks(pp.parse_diskstats(sample("node-exporter-sample", "diskstats")))
    assert sorted(ne) == ["mmcblk0", "nvme0n1", "sda", "sdb", "sdc", "vda"]
    deb = pp.whole_disks(pp.parse_diskstats(sample("debian12-vm", "diskstats")))
    assert sorted(deb) == ["vda"]  # loop* and zram0 left out
    only_dm = pp.parse_diskstats(
        " 252 0 dm-0 1 0 8 0 1 0 8 0 0 0 0\n 7 0 loop0 1 0 8 0 0 0 0 0 0 0 0\n")
    assert sorted(pp.whole_disks(only_dm)) == ["dm-0"]


# --- split_sections -------------------------------------------------------------------------


def test_split_sections_of_a_probe_answer():
    sections = split_sections(probe_answer("debian12-vm"), token="t0k3n")
    assert set(sections) == {"stat", "meminfo", "loadavg", "uptime", "net_dev", "diskstats",
                             "df", "temp", "procs"}
    assert sections["loadavg"] == "0.05 0.10 0.04 3/85 5513"
    assert sections["temp"] == ""


def test_split_sections_without_end_marker_is_cut_short():
    answer = probe_answer("debian12-vm")
    with pytest.raises(ProbeParseError) as err:
        split_sections(answer[: answer.index("@@erpconsole:end")])
    assert err.value.message == (
        "The probe's answer from the host could not be read: it was cut short (no end marker)")
    assert err.value.kind is Health.PARSE_ERROR and isinstance(err.value, CollectorError)


def test_split_sections_wants_the_token_of_this_poll():
    answer = probe_answer("debian12-vm", token="old")
    with pytest.raises(ProbeParseError):
        split_sections(answer, token="new")
    # An abandoned poll's answer followed by this poll's: only this poll's sections count.
    fresh = "@@erpconsole:loadavg\n9.00 9.00 9.00 1/1 1\n@@erpconsole:end new\n"
    assert split_sections(answer + fresh, token="new") == {"loadavg": "9.00 9.00 9.00 1/1 1"}


def test_split_sections_ignores_banner_and_pty_line_ends():
    text = "Welcome!\r\n$ \r\n@@erpconsole:uptime\r\n1.5 2\r\n@@erpconsole:end abc\r\n"
    assert split_sections(text.encode(), token="abc") == {"uptime": "1.5 2"}


def test_split_sections_refuses_repeated_or_odd_section_names():
    for bad in ("@@erpconsole:uptime\n1 1\n@@erpconsole:uptime\n2 2\n",
                "@@erpconsole:Bad Name!\n1\n",
                "@@erpconsole:proc\n==> /etc/shadow <==\nroot:x\n"):
        with pytest.raises(ProbeParseError):
            split_sections(bad + "@@erpconsole:end t\n", token="t")


# --- messages a person reads ----------------------------------------------------------------


def test_meminfo_error_names_file_line_and_shows_excerpt():
    with pytest.raises(ProbeParseError) as err:
        pp.parse_meminfo("MemTotal: 1 kB\nMemFree: 1 kB\nxyz\nCached: 4 kB\n")
    assert err.value.message == (
        "/proc/meminfo from the host could not be read: line 3 'xyz' has no value"
    )
    assert err.value.section == "meminfo"
    assert "3: xyz" in err.value.excerpt and err.value.detail == err.value.excerpt


def test_excerpt_is_short_and_printable():
    text = "\x00\x1b[31m" + "A" * 5000
    ex = excerpt(text)
    assert len(ex) < 400 and ex.isprintable()


# --- cut short and garbage ------------------------------------------------------------------


def _assert_parses_or_clear_error(parse: Callable[[str], object], text: str) -> None:
    try:
        parse(text)
    except ProbeParseError as exc:
        assert exc.message and "could not be read" in exc.message
        assert len(exc.excerpt) <= 400


def _cuts(text: str) -> list[int]:
    points = {len(text) * k // 9 for k in range(9)}
    newline = text.find("\n")
    points |= {1, 2, 5, max(0, newline - 3), newline + 1}
    return sorted(p for p in points if 0 <= p < len(text))


@pytest.mark.parametrize("section", [s for s, (name, _p) in PARSERS.items() if name])
def test_every_sample_cut_short_parses_or_raises_parse_error(section):
    name, parse = PARSERS[section]
    for _system, text in samples(name):
        for cut in _cuts(text):
            _assert_parses_or_clear_error(parse, text[:cut])


@pytest.mark.parametrize(
    ("section", "cut_text"),
    [("stat", "cpu  3166 0 18"), ("stat", "cp"), ("meminfo", "MemTot"),
     ("meminfo", "MemTotal:       24684096 kB\n"), ("loadavg", "0.05 0.1"), ("uptime", "."),
     ("net_dev", sample("debian12-vm", "net_dev")[:300]),
     ("diskstats", "   7       0 loop0 0 0 0 0 0 0 0"),
     ("df", "Filesystem 1024-blocks Used\n/dev/vda 26421")],
)
def test_known_cut_points_are_parse_errors(section, cut_text):
    with pytest.raises(ProbeParseError) as err:
        PARSERS[section][1](cut_text)
    assert err.value.section == section


def _garbage(rng: random.Random) -> list[str]:
    raw = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 600)))
    words = ["cpu", "cpu0", "MemTotal:", "kB", ":", "|", "%", "/", "nan", "inf", "1e400", "-1",
             "1_000", "\u0663", "99999999999999999999999999999", "\t", "\n", " ", "hwmon",
             "thermal", "Filesystem", "Type", "==> /proc/stat <==", "@@erpconsole:end x"]
    return [
        raw.decode("utf-8", errors="replace"),
        raw.decode("latin-1"),
        " ".join(rng.choice(words) for _ in range(rng.randrange(1, 80))),
        "\n".join(" ".join(rng.choice(words) for _ in range(rng.randrange(1, 20)))
                  for _ in range(rng.randrange(1, 10))),
    ]


def _mutations(rng: random.Random, text: str) -> list[str]:
    out = []
    for _ in range(6):
        chars = list(text)
        for _ in range(rng.randrange(1, 6)):
            i = rng.randrange(len(chars))
            chars[i] = rng.choice(["x", ":", "\n", " ", "", "-", "9" * 40, "\x00", "\t", "%"])
        out.append("".join(chars))
    return out


@pytest.mark.parametrize("section", list(PARSERS))
def test_garbage_gives_parse_error_or_empty_never_another_exception(section):
    name, parse = PARSERS[section]
    rng = random.Random(f"garbage-{section}")  # deterministic: a failure can be replayed
    inputs = ["", "\n\n", "\x00" * 50, "\xff\xfe garbage", "@@erpconsole:end t"]
    for _ in range(150):
        inputs += _garbage(rng)
    # Wrong section: every other kind of sample fed to this parser.
    inputs += [text for other, (n, _p) in PARSERS.items() if n and other != section
               for _s, text in samples(n)]
    for _system, text in samples(name) if name else []:
        inputs += _mutations(rng, text)
    for text in inputs:
        _assert_parses_or_clear_error(parse, text)
    if section in OPTIONAL:
        empty = parse("")
        assert empty == OPTIONAL[section] and type(empty) is type(OPTIONAL[section])
    else:
        with pytest.raises(ProbeParseError):
            parse("")


def test_split_sections_on_garbage_never_another_exception():
    rng = random.Random("split")
    for _ in range(300):
        for text in _garbage(rng):
            try:
                split_sections(text)
            except ProbeParseError:
                pass
