#!/bin/sh
# Installs the Debian packages among "$@" (after two descriptions) that are not installed:
# with apt-get when run as root, else one line saying what to install.
#   tools/apt_missing.sh "WHAT THEY ARE" "WHAT NEEDS THEM" PACKAGE...
what=$1; needed_by=$2; shift 2
missing=""
for package in "$@"; do
	dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" \
		|| missing="$missing $package"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
	echo "installing $what:$missing"
	(apt-get install -y --no-install-recommends $missing \
		|| (apt-get update && apt-get install -y --no-install-recommends $missing)) >/dev/null \
		|| echo "warning: could not install$missing; $needed_by will skip or fall back"
else
	echo "note: $needed_by needs (as root): apt-get install$missing"
fi
