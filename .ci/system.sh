# What gstack's commands need from the machine, installed when missing.
# Sourced (bash) by .ci/run (the tests) and ./demo (the demo); each need_* checks
# first and installs only what is missing, with apt-get on Debian/Ubuntu (through
# sudo when not root). Elsewhere it stops with what to install.

say() { printf '\n== %s: %s\n' "${GSTACK_SAY:-gstack}" "$*"; }

_apt_updated=
apt_install() {   # apt_install PACKAGE...
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if ! command -v sudo >/dev/null 2>&1; then
            say "missing: $*; as root: apt-get install $*"
            return 1
        fi
        sudo=(sudo)
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        say "missing: $* (the Debian/Ubuntu names); install them with your system's packager"
        return 1
    fi
    say "apt-get install $*"
    if [ -z "$_apt_updated" ]; then
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
        _apt_updated=1
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "$@"
}

need_python() {   # Python 3.10+ as python3
    if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
        say "gstack needs Python 3.10 or later as python3; found: $(python3 --version 2>&1)"
        return 1
    fi
}

need_libevent() {   # libevent 2.1, found by pkg-config (gcore compiles against it)
    if pkg-config --exists 'libevent >= 2.1' 2>/dev/null; then
        say "libevent $(pkg-config --modversion libevent) found by pkg-config"
    else
        apt_install libevent-dev pkg-config
        pkg-config --exists 'libevent >= 2.1'
    fi
}

need_compiler() {   # a C compiler and Python's headers (gcore is a C extension)
    local missing=()
    command -v cc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
    python3 -c 'import os, sys, sysconfig
sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' \
        || missing+=(python3-dev)
    if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
}

need_command() {   # need_command COMMAND [PACKAGE]: the package that brings COMMAND
    if command -v "$1" >/dev/null 2>&1; then
        say "$1 found"
    else
        apt_install "${2:-$1}"
    fi
}

need_nox() {   # nox on the PATH, or installed into .venv-nox/ (a virtualenv of its own)
    if command -v nox >/dev/null 2>&1; then
        say "nox $(nox --version 2>&1) found"
        return
    fi
    local tools=.venv-nox
    if [ ! -x "$tools/bin/nox" ]; then
        python3 -c 'import ensurepip, venv' 2>/dev/null || apt_install python3-venv
        say "nox not found: installing it into $tools/"
        rm -rf "$tools"
        python3 -m venv "$tools"
        "$tools/bin/python" -m pip install -q --upgrade pip
        "$tools/bin/python" -m pip install -q nox "tomli; python_version < '3.11'"
    fi
    PATH="$(pwd)/$tools/bin:$PATH"
    export PATH
    hash -r
    say "nox $(nox --version 2>&1) in $tools/"
}
