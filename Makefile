# Two commands set everything up on a fresh Debian machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# What Qt needs to render offscreen, the fonts it draws with (WenQuanYi for Chinese names in the
# window and in PDF evidence), the real servers and backup tools the tests use, and the parsers
# that read the plugin output in the tests (Icinga 2, the Monitoring Plugins Perl library).
SYSTEM_PACKAGES := python3-venv libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 \
	fonts-dejavu-core fonts-wqy-microhei poppler-utils openssh-server openssh-client \
	pgbackrest restic borgbackup barman postgresql-client mariadb-client sysbench iproute2 iputils-ping \
	icinga2-bin libmonitoring-plugin-perl
# What a desktop session needs for the console window (xcb platform plugin).
GUI_PACKAGES := libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 \
	libxcb-render-util0 libxcb-image0

.PHONY: run test venv system-deps gui-deps bench peers-venv screenshots clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

# Another apt (unattended-upgrades, a second `make test`) may hold the lock: wait for it rather
# than stop. apt-get update in apt 2.6 ignores DPkg::Lock::Timeout, so the locks are watched here
# (lslocks sees apt's POSIX locks and flock(1)'s alike), then install waits on its own.
APT_LOCK_TIMEOUT ?= 600
APT_LOCKS := /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock \
	/var/cache/apt/archives/lock

define wait_apt_lock
	waited=0; \
	while holder=$$($(SUDO) lslocks -r -n -o COMMAND,PID,PATH 2>/dev/null | \
			awk -v locks="$(APT_LOCKS)" 'BEGIN { n = split(locks, l, " "); for (i = 1; i <= n; i++) held[l[i]] = 1 } \
			$$3 in held { print $$1 " (pid " $$2 ") on " $$3; exit }') && [ -n "$$holder" ]; do \
		if [ $$waited -eq 0 ]; then \
			echo "waiting for the apt lock held by another process… $$holder; up to $(APT_LOCK_TIMEOUT) s"; fi; \
		if [ $$waited -ge $(APT_LOCK_TIMEOUT) ]; then \
			echo "the apt lock is still held after $(APT_LOCK_TIMEOUT) s: $$holder;" \
				"let it finish, or wait longer with make APT_LOCK_TIMEOUT=SECONDS" >&2; exit 1; fi; \
		sleep 2; waited=$$((waited + 2)); \
	done; \
	if [ $$waited -gt 0 ]; then echo "the apt lock is free after $$waited s"; fi
endef

define install_missing
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ] && command -v apt-get >/dev/null; then \
		echo "installing system packages:" $$missing; \
		$(wait_apt_lock); \
		$(SUDO) apt-get update -qq -o DPkg::Lock::Timeout=$(APT_LOCK_TIMEOUT) && \
		$(SUDO) apt-get install -y -qq --no-install-recommends \
			-o DPkg::Lock::Timeout=$(APT_LOCK_TIMEOUT) $$missing; \
	fi
endef

system-deps:
	$(call install_missing,$(SYSTEM_PACKAGES))

gui-deps:
	$(call install_missing,$(GUI_PACKAGES))

run: gui-deps venv
	$(BIN)/erpconsole

test: system-deps venv
	$(BIN)/lint-imports
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest

bench: venv peers-venv
	@for b in benchmarks/*.py; do QT_QPA_PLATFORM=offscreen $(BIN)/python $$b || exit 1; done

# The peers benchmarks/ssh_peers.py measures the console against (Fabric, Ansible): a venv of
# their own, never the project's dependencies (ERPCONSOLE_PEERS_VENV names another).
PEERS_VENV ?= $(or $(ERPCONSOLE_PEERS_VENV),/tmp/peers-venv)
peers-venv:
	@[ -x $(PEERS_VENV)/bin/ansible ] && $(PEERS_VENV)/bin/python -c 'import fabric' 2>/dev/null || \
		{ $(PY) -m venv $(PEERS_VENV) && $(PEERS_VENV)/bin/pip install -q fabric ansible-core; }

# Every picture in docs/screenshots/, each redrawn by the docs/*_screenshots.py script that names
# it in its PICTURES: on real parts (loopback sshd; the machine's PostgreSQL and MariaDB; pg_dump,
# restic), and this workstation as `make run` shows it. tests/test_readme_pictures.py checks that
# every picture the README shows has its script.
screenshots: system-deps venv
	@for s in docs/*_screenshots.py; do echo "$(BIN)/python $$s"; $(BIN)/python $$s || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
