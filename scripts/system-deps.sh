#!/usr/bin/env bash
# Install the Debian packages handoff_nb's tests and notebooks use, when possible:
#   graphviz  - the `dot` binary for graph SVGs (without it: the graphviz-pure pip fallback)
#   chromium  - the real-browser JupyterLab test (skipped with a message when missing)
set -u
need=()
command -v dot >/dev/null 2>&1 || need+=(graphviz)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ ${#need[@]} -eq 0 ] && { echo ">> system packages: graphviz and chromium present"; exit 0; }
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo ">> apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # wait (up to 5 minutes) for an apt/dpkg lock held by another process instead of failing
  apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null \
    && apt-get -o DPkg::Lock::Timeout=300 install -y -qq "${need[@]}" >/dev/null \
    || echo ">> apt-get failed; continuing (graphviz-pure provides dot; the browser test will skip)"
else
  echo ">> not root: skipping apt-get for ${need[*]} (graphviz-pure provides dot; install chromium"
  echo "   yourself to run the browser test)"
fi
exit 0
