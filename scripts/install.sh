#!/usr/bin/env bash
# Installs the kiosk on a fresh Debian 12 machine, as root, from this source tree:
#   the Debian packages it runs on, the user `kiosk` and its groups, a venv in /opt/kiosk,
#   the systemd units (enabled), /etc/pam.d/kiosk, the udev rules, /etc/kiosk (0750) with an
#   example kiosk.toml when none exists, and /var/lib/kiosk (0700).
# Idempotent: a second run changes nothing (and says so). Starts nothing: the technician writes
# /etc/kiosk/kiosk.toml and enrols the machine first (README, "Installing a machine").
#
#   scripts/install.sh [--root DIR] [--skip-packages] [--skip-venv]
#
# --root DIR      install into DIR as if it were / (an image being built; the tests' throwaway
#                 root). Users are made with useradd --root, units enabled with
#                 systemctl --root; nothing is reloaded or triggered on the running system.
# --skip-packages do not run apt-get (no network, or the packages are already there)
# --skip-venv     do not build /opt/kiosk/.venv (no network; the tests)
set -euo pipefail

SRC="$(cd "$(dirname "$0")/.." && pwd)"
ROOT=""
SKIP_PACKAGES=0
SKIP_VENV=0
while [ $# -gt 0 ]; do
    case "$1" in
        --root) ROOT="${2:?--root needs a directory}"; shift 2 ;;
        --root=*) ROOT="${1#--root=}"; shift ;;
        --skip-packages) SKIP_PACKAGES=1; shift ;;
        --skip-venv) SKIP_VENV=1; shift ;;
        -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "install: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
if [ -n "$ROOT" ]; then
    ROOT="$(cd "$ROOT" && pwd)"
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install: run as root (sudo scripts/install.sh)" >&2
    exit 1
fi

USER_NAME=kiosk
# dialout: the ID card reader (ttyUSB); video: camera, DRM; plugdev: USB devices; lp: USB
# printers; tss: the TPM; audio: the voice (packaging/udev/70-kiosk.rules).
GROUPS_NEEDED=(dialout video plugdev lp tss audio)
PREFIX=/opt/kiosk
VENV="$PREFIX/.venv"
CHANGED=0

say() { echo "install: $*"; }
changed() { CHANGED=$((CHANGED + 1)); say "$*"; }

# cage, xwayland: the kiosk session (kiosk.service); libpam-systemd: pam_systemd in
# /etc/pam.d/kiosk, so logind gives the session its seat; python3-venv: the venv;
# fonts-noto-cjk: Chinese text; libgl1-mesa-dri, libegl1, libgl1: OpenGL (software where there
# is no GPU); libmtdev1: Kivy's multitouch; libusb-1.0-0: pyusb (USB reader, relay, printers);
# cups-daemon, cups-client, cups-filters: A4 forms; dbus, udev: logind and the device rules.
DEB_PACKAGES=(cage xwayland libpam-systemd dbus udev python3 python3-venv fonts-noto-cjk
              libgl1-mesa-dri libegl1 libgl1 libmtdev1 libusb-1.0-0
              cups-daemon cups-client cups-filters)

install_packages() {
    if [ "$SKIP_PACKAGES" = 1 ]; then
        say "skipping Debian packages (--skip-packages)"
        return
    fi
    local chroot_args=() missing=() pkg
    if [ -n "$ROOT" ]; then chroot_args=(chroot "$ROOT"); fi
    for pkg in "${DEB_PACKAGES[@]}"; do
        if ! "${chroot_args[@]}" dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null \
                | grep -q "install ok installed"; then
            missing+=("$pkg")
        fi
    done
    if [ ${#missing[@]} -gt 0 ]; then
        "${chroot_args[@]}" apt-get update -qq
        DEBIAN_FRONTEND=noninteractive "${chroot_args[@]}" \
            apt-get install -y -qq --no-install-recommends "${missing[@]}"
        changed "installed Debian packages: ${missing[*]}"
    fi
}

# Lines of the root's own account files (never this machine's NSS, which --root must not use).
group_exists() { grep -q "^$1:" "$ROOT/etc/group"; }
user_exists() { grep -q "^$1:" "$ROOT/etc/passwd"; }
in_group() { grep -E "^$1:[^:]*:[^:]*:(.*,)?$2(,.*)?$" "$ROOT/etc/group" >/dev/null; }
root_args() { if [ -n "$ROOT" ]; then echo "--root $ROOT"; fi; }

make_user() {
    local group
    for group in "${GROUPS_NEEDED[@]}"; do
        if ! group_exists "$group"; then
            # shellcheck disable=SC2046
            groupadd $(root_args) --system "$group"
            changed "created group $group"
        fi
    done
    if ! user_exists "$USER_NAME"; then
        # shellcheck disable=SC2046
        useradd $(root_args) --system --user-group --home-dir /var/lib/kiosk --no-create-home \
            --shell /usr/sbin/nologin --comment "Exam registration kiosk" "$USER_NAME"
        changed "created user $USER_NAME"
    fi
    for group in "${GROUPS_NEEDED[@]}"; do
        if ! in_group "$group" "$USER_NAME"; then
            # shellcheck disable=SC2046
            usermod $(root_args) --append --groups "$group" "$USER_NAME"
            changed "added $USER_NAME to group $group"
        fi
    done
    KIOSK_UID="$(awk -F: -v u="$USER_NAME" '$1 == u {print $3}' "$ROOT/etc/passwd")"
    KIOSK_GID="$(awk -F: -v u="$USER_NAME" '$1 == u {print $4}' "$ROOT/etc/passwd")"
}

# install_file SRC DEST MODE [OWNER:GROUP]: copy only when the content, mode or owner differ,
# so a second run leaves every file (and its modification time) alone.
install_file() {
    local src="$1" dest="$ROOT$2" mode="$3" owner="${4:-0:0}"
    mkdir -p "$(dirname "$dest")"
    if [ -f "$dest" ] && cmp -s "$src" "$dest" \
            && [ "$(stat -c '%a %u:%g' "$dest")" = "$(printf '%o' "0$mode") $owner" ]; then
        return
    fi
    install -m "$mode" -o "${owner%%:*}" -g "${owner##*:}" "$src" "$dest"
    changed "installed $2"
}

# ensure_dir PATH MODE OWNER:GROUP
ensure_dir() {
    local dest="$ROOT$1" mode="$2" owner="$3"
    if [ -d "$dest" ] && [ "$(stat -c '%a %u:%g' "$dest")" = "$mode $owner" ]; then
        return
    fi
    mkdir -p "$dest"
    chown "$owner" "$dest"
    chmod "$mode" "$dest"
    changed "made $1 ($mode, $owner)"
}

build_venv() {
    if [ "$SKIP_VENV" = 1 ]; then
        say "skipping the venv (--skip-venv)"
        return
    fi
    # What is installed, as the hash of the tracked source files: rebuild only when it changes.
    local stamp="$ROOT$VENV/.installed-from" want
    want="$(cd "$SRC" && git ls-files -z | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-64)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        return
    fi
    if [ -n "$ROOT" ]; then
        # A venv records its own path: build it inside the root, from a copy of the source.
        rm -rf "$ROOT$PREFIX/src"
        mkdir -p "$ROOT$PREFIX"
        (cd "$SRC" && git ls-files -z | tar --null -T - -cf -) \
            | (mkdir -p "$ROOT$PREFIX/src" && tar -xf - -C "$ROOT$PREFIX/src")
        chroot "$ROOT" python3 -m venv "$VENV"
        chroot "$ROOT" "$VENV/bin/python" -m pip install -q "$PREFIX/src[kiosk]"
    else
        python3 -m venv "$VENV"
        "$VENV/bin/python" -m pip install -q --upgrade pip
        "$VENV/bin/python" -m pip install -q "$SRC[kiosk]"
    fi
    echo "$want" > "$stamp"
    changed "installed the kiosk into $VENV"
}

install_units() {
    local unit
    for unit in "$SRC"/systemd/*.service "$SRC"/systemd/*.timer; do
        install_file "$unit" "/etc/systemd/system/$(basename "$unit")" 0644
    done
    install_file "$SRC/packaging/pam/kiosk" /etc/pam.d/kiosk 0644
    install_file "$SRC/packaging/udev/70-kiosk.rules" /etc/udev/rules.d/70-kiosk.rules 0644
}

enable_units() {
    local sc=(systemctl) before after
    if [ -n "$ROOT" ]; then sc=(systemctl "--root=$ROOT"); else systemctl daemon-reload; fi
    before="$(find "$ROOT/etc/systemd/system" -type l -printf '%p %l\n' 2>/dev/null | sort)"
    "${sc[@]}" enable --quiet kiosk.service kiosk-uploader.service kiosk-config-update.timer
    # tty1 is the kiosk's: no login prompt there (a console is on tty2, Ctrl+Alt+F2).
    if [ "$(readlink "$ROOT/etc/systemd/system/getty@tty1.service" 2>/dev/null)" != /dev/null ]; then
        "${sc[@]}" mask --quiet getty@tty1.service
    fi
    # Boot to the kiosk session (kiosk.service is WantedBy=graphical.target).
    if [ "$("${sc[@]}" get-default 2>/dev/null)" != graphical.target ]; then
        "${sc[@]}" set-default --quiet graphical.target
    fi
    after="$(find "$ROOT/etc/systemd/system" -type l -printf '%p %l\n' | sort)"
    if [ "$before" != "$after" ]; then
        changed "enabled kiosk.service, kiosk-uploader.service, kiosk-config-update.timer"
    fi
}

configure() {
    # /etc/kiosk: root writes, the kiosk reads, nobody else looks (device id, URIs).
    ensure_dir /etc/kiosk 750 "0:$KIOSK_GID"
    if [ ! -e "$ROOT/etc/kiosk/kiosk.toml" ]; then
        install -m 0640 -o 0 -g "$KIOSK_GID" "$SRC/packaging/kiosk.toml.example" \
            "$ROOT/etc/kiosk/kiosk.toml"
        changed "wrote an example /etc/kiosk/kiosk.toml: edit it before the first start"
    fi
    # The data dir (StateDirectory=kiosk makes it too): owner-only, like all in it.
    ensure_dir /var/lib/kiosk 700 "$KIOSK_UID:$KIOSK_GID"
}

# The A4 printer's cupsd keeps no copy of a printed form (packaging/cups/cupsd-kiosk.conf):
# each of its directives replaced or added in /etc/cups/cupsd.conf, the rest left alone.
configure_cups() {
    local conf="$ROOT/etc/cups/cupsd.conf" name value edited=0
    if [ ! -f "$conf" ]; then
        return  # no cupsd here (--skip-packages on a root without it)
    fi
    while read -r name value; do
        case "$name" in ''|'#'*) continue ;; esac
        if grep -qxF "$name $value" "$conf"; then
            continue
        fi
        if grep -qiE "^[[:space:]]*$name[[:space:]]" "$conf"; then
            sed -i -E "s/^[[:space:]]*$name[[:space:]].*/$name $value/I" "$conf"
        else
            printf '%s %s\n' "$name" "$value" >>"$conf"
        fi
        edited=1
    done <"$SRC/packaging/cups/cupsd-kiosk.conf"
    if [ "$edited" = 1 ]; then
        changed "set /etc/cups/cupsd.conf to keep no copy of printed forms"
        if [ -z "$ROOT" ]; then
            systemctl try-restart cups.service || true
        fi
    fi
}

install_packages
make_user
build_venv
install_units
enable_units
configure
configure_cups
if [ -z "$ROOT" ] && [ "$CHANGED" -gt 0 ]; then
    udevadm control --reload-rules && udevadm trigger --action=add --subsystem-match=usb \
        --subsystem-match=tty --subsystem-match=hidraw --subsystem-match=tpmrm || true
fi
if [ "$CHANGED" -eq 0 ]; then
    say "nothing to change"
else
    say "$CHANGED change(s); next: edit /etc/kiosk/kiosk.toml, enrol, then reboot"
fi
