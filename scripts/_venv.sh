# Sourced by scripts/test and scripts/demo: create .venv with Python 3.11+ and install the project.
ensure_venv() {
  local python="${PYTHON:-}"
  if [ -z "$python" ]; then
    for candidate in python3.11 python3.12 python3.13 python3; do
      if command -v "$candidate" >/dev/null 2>&1; then python="$candidate"; break; fi
    done
  fi
  local fresh=false pip_compile=()
  if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
    # pip compiles what it installs in one process; a fresh venv is compiled afterwards on
    # every core instead: its set-up took 100 s against 115 s (median of three each, 2 cores).
    fresh=true
    pip_compile=(--no-compile)
  fi
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check "${pip_compile[@]}" -e "$1"
  if [ "$fresh" = true ]; then
    # A file that does not compile (a package's template, say) is left as pip leaves it.
    .venv/bin/python -m compileall -q -j 0 "$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')" >/dev/null || true
  fi
  # The project is installed editable, so pip compiles none of its modules; where
  # PYTHONDONTWRITEBYTECODE is set, every process (each CLI call, run worker and code server)
  # would compile them again: 0.1 s of CPU a process.
  .venv/bin/python -m compileall -q -j 0 promosync_pipeline >/dev/null
}
