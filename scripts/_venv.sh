# Sourced by scripts/test and scripts/demo: create .venv with Python 3.11+ and install the project.
ensure_venv() {
  local python="${PYTHON:-}"
  if [ -z "$python" ]; then
    for candidate in python3.11 python3.12 python3.13 python3; do
      if command -v "$candidate" >/dev/null 2>&1; then python="$candidate"; break; fi
    done
  fi
  if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
  fi
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$1"
  # The project is installed editable, so pip compiles none of its modules; where
  # PYTHONDONTWRITEBYTECODE is set, every process (each CLI call, run worker and code server)
  # would compile them again: 0.1 s of CPU a process.
  .venv/bin/python -m compileall -q -j 0 promosync_pipeline >/dev/null
}
