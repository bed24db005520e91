# Sourced by scripts/test (after _postgres.sh): makes sure Debian's Chromium is at /usr/bin/chromium for the
# browser tests (tests/browser: Playwright drives that executable; never `playwright install`) and exports
# DONORBOT_CHROMIUM. Installs the `chromium` package, with an emoji font for the screenshots, when it can
# (as root, or with sudo that asks no password); without it the browser tests skip with a printed reason, except under CI=true where they fail.
CHROMIUM=/usr/bin/chromium
chromium_install() {
  local as=""
  if [ "$(id -u)" != "0" ]; then
    command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null || return 1
    as="sudo -n"
  fi
  command -v apt-get >/dev/null 2>&1 || return 1
  local install="env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-noto-color-emoji"
  echo "Installing Chromium for the browser tests ..." >&2
  # the package lists are refreshed only when the install fails without them (a fresh image has none)
  $as $install >/dev/null 2>&1 || { $as apt-get update -qq >/dev/null && $as $install >/dev/null; } >&2
}
if [ ! -x "$CHROMIUM" ]; then
  chromium_install || true
fi
if [ -x "$CHROMIUM" ]; then
  export DONORBOT_CHROMIUM="$CHROMIUM"
else
  echo "NOTE: no Chromium at $CHROMIUM and it could not be installed; the browser tests will skip (under CI=true: fail)." >&2
fi
