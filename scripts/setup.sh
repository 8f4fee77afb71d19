#!/usr/bin/env bash
# Installs what the kiosk needs on a fresh Debian machine: the missing Debian packages, a .venv,
# and the project with its dependencies. Idempotent: a second run changes nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

# xvfb+xauth: the virtual screen for tests and the headless demo; fonts-noto-cjk: Chinese text;
# libgl1-mesa-dri, libegl1: OpenGL for Kivy's window (software rendering where there is no GPU);
# libmtdev1: Kivy's multitouch input on Linux panels; postgresql: initdb and pg_ctl (in
# /usr/lib/postgresql/N/bin) for the tests' throwaway cluster behind `--db postgresql://...`;
# gcc, libc6-dev: the power-cut test's LD_PRELOAD shim (tests/integration/powercut);
# zbar-tools: zbarimg reads the QR codes of printed receipts back in the tests.
DEB_PACKAGES=(xvfb xauth fonts-noto-cjk libgl1-mesa-dri libegl1 libgl1 libmtdev1 postgresql
              gcc libc6-dev zbar-tools)
# A4 forms through CUPS: cupsd and its PDF filters for the tests' private print server (the
# Generic PDF PPD), lp/lpstat to submit and follow jobs, pdftotext/pdftoppm to check what printed.
DEB_PACKAGES+=(cups-daemon cups-client cups-filters poppler-utils)
# systemd-analyze (verify, security) for the units' tests (tests/unit/test_units.py); a
# container may lack systemd. passwd: useradd/groupadd --root for the installer's test.
DEB_PACKAGES+=(systemd passwd)
# Keys in the TPM (hardware/tpm): swtpm is the software TPM 2.0 the tests start on loopback
# (swtpm-tools: swtpm_setup, for a state made ahead); tpm2-tools to look at a TPM by hand;
# libtss2-dev and pkg-config so pip can build tpm2-pytss against Debian's tpm2-tss (no wheel).
DEB_PACKAGES+=(swtpm swtpm-tools tpm2-tools libtss2-dev pkg-config)
# Staff smart cards (hardware/staffcard): pcscd and vsmartcard's virtual reader driver (vpcd) that
# the tests and `kiosk --simulate` run the project's PIV card emulator behind; util-linux's
# unshare gives each test run's pcscd its own /run/pcscd; libpcsclite-dev and swig so pip can
# build pyscard where no wheel fits.
DEB_PACKAGES+=(pcscd vsmartcard-vpcd util-linux libpcsclite-dev swig)
# The voice (hardware/speaker): espeak-ng, offline, with a Mandarin voice (cmn) and English.
DEB_PACKAGES+=(espeak-ng)
PYTHON="${PYTHON:-python3}"
# Debian's own python3 ships venv and ensurepip separately.
if ! "$PYTHON" -c "import ensurepip, venv" >/dev/null 2>&1; then
    DEB_PACKAGES+=(python3-venv)
fi

missing=()
for pkg in "${DEB_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv"
    "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "setup: installing the project and its dependencies into .venv"
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e '.[kiosk,server,admin,dev]'
    touch "$stamp"
fi

# emupos, a third-party ESC/POS network printer emulator (TCP raw port, DLE EOT answers, faults,
# a PNG per receipt): the tests print on it to show that `kioskctl printer test` works on a
# printer that is not the project's own fake. It needs Python >= 3.13 and pulls in FastAPI,
# pydantic and uvicorn, which the kiosk must never load (the contract keeps pydantic out), so it
# lives in its own venv and runs as a separate process, never imported. Where no 3.13 is found
# this is skipped with a note, and so is the test that needs it.
EMUPOS_VERSION=0.4.0
EMUPOS_PYTHON="${EMUPOS_PYTHON:-}"
if [ -z "$EMUPOS_PYTHON" ]; then
    for candidate in python3.14 python3.13 /root/.pyenv/versions/3.13*/bin/python3 \
                     "${HOME:-/root}"/.pyenv/versions/3.1[3-9]*/bin/python3; do
        if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c \
                'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 13))' 2>/dev/null; then
            EMUPOS_PYTHON="$candidate"
            break
        fi
    done
fi
emupos_stamp=.venv-emupos/.installed-$EMUPOS_VERSION
if [ -z "$EMUPOS_PYTHON" ]; then
    echo "setup: no Python >= 3.13 found: the emupos printer emulator and its test are skipped"
elif [ ! -f "$emupos_stamp" ]; then
    echo "setup: installing the emupos printer emulator into .venv-emupos ($EMUPOS_PYTHON)"
    if [ ! -x .venv-emupos/bin/python ]; then
        "$EMUPOS_PYTHON" -m venv .venv-emupos
    fi
    if .venv-emupos/bin/python -m pip install -q "emupos==$EMUPOS_VERSION"; then
        touch "$emupos_stamp"
    else
        echo "setup: emupos did not install: its test will be skipped"
    fi
fi
