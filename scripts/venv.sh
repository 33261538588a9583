# Sourced by start.sh and test.sh: `ensure_venv [dev]` makes .venv ready with as little work as
# possible. It installs only when .venv is missing or pyproject.toml changed since the last
# install (its hash is kept in .venv/.installed); otherwise it touches nothing, so it works
# offline.
ensure_venv() {
  local want stamp=.venv/.installed
  want="$(sha256sum pyproject.toml | cut -d' ' -f1)${1:+ $1}"
  [ -x .venv/bin/python ] && grep -qxF "$want" "$stamp" 2>/dev/null && return 0
  if [ ! -x .venv/bin/python ] && ! python3 -m venv .venv >/dev/null 2>&1; then
    rm -rf .venv
    echo "cannot create .venv with python3 -m venv (on Debian/Ubuntu: apt-get install python3-venv)" >&2
    return 1
  fi
  rm -f "$stamp"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".${1:+[$1]}"
  # A dev install holds everything a plain one does.
  printf '%s\n' "${want%% *}" ${1:+"$want"} >"$stamp"
}
