#!/usr/bin/env bash
# The engine, nn, trust and compile suites on every Python the package claims (requires-python >= 3.10).
#
#   tools/test_versions.sh DEFAULT_PYTHON VERSION...      (`make test` and `make test-versions` run it)
#
# DEFAULT_PYTHON (.venv/bin/python) runs the full suite elsewhere in `make test`, so its X.Y is left out
# here. Each other VERSION gets its own venv, .venv-X.Y, with only what these suites need: the package
# itself and TEST_DEPS below (no torch, which exists for one Python only: its comparisons are skipped).
# The venv is created once and reinstalled when pyproject.toml changes, like .venv's stamp files.
# An interpreter is looked for in pyenv's versions folder, then as pythonX.Y on PATH; one that is not
# found is skipped with a WARNING (never a failure). Exit status: non-zero when a suite failed.
set -uo pipefail
cd "$(dirname "$0")/.."

TESTS=(
    tests/test_engine.py tests/test_engine_properties.py tests/test_nn.py tests/test_trust.py
    tests/test_compile.py tests/test_fast_ops.py tests/test_layout.py tests/test_trust_engine.py
    tests/test_scalar_replay.py  # its skipped zeros rest on sum() of floats, compensated from 3.12 on
)
TEST_DEPS=("pytest>=8" "hypothesis>=6.100" "numpy>=1.24" "micrograd==0.1.0")  # as in pyproject.toml

if [ $# -lt 1 ]; then
    echo "usage: $0 DEFAULT_PYTHON VERSION..." >&2
    exit 2
fi
default_python=$1
shift

major_minor() {  # the X.Y of interpreter $1, or nothing when it does not run
    "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null
}

full_version() {
    "$1" -c 'import platform; print(platform.python_version())' 2>/dev/null
}

find_python() {  # an interpreter for X.Y = $1 that runs and can make venvs, or nothing
    local version=$1 candidate dir
    local candidates=()
    # pyenv's own builds, newest patch release first (3.13.0t and such are other builds: left out)
    for dir in $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}/versions/$version".* 2>/dev/null | sort -rV); do
        [[ "$(basename "$dir")" =~ ^${version//./\\.}\.[0-9]+$ ]] && candidates+=("$dir/bin/python$version")
    done
    # then PATH (a pyenv shim of a version that is not selected fails to run, and is passed over)
    candidate=$(command -v "python$version" 2>/dev/null) && candidates+=("$candidate")
    for candidate in ${candidates[@]+"${candidates[@]}"}; do
        if [ -x "$candidate" ] && [ "$(major_minor "$candidate")" = "$version" ] &&
            "$candidate" -c 'import venv, ensurepip' >/dev/null 2>&1; then
            echo "$candidate"
            return
        fi
    done
}

default_version=$(major_minor "$default_python")
results=()
failed=0
started=$SECONDS

for version in "$@"; do
    if [ "$version" = "$default_version" ]; then
        results+=("$(printf '%-8s %s' "$(full_version "$default_python")" "full suite on $default_python, above")")
        continue
    fi
    python=$(find_python "$version")
    if [ -z "$python" ]; then
        echo "WARNING: Python $version not found (in ${PYENV_ROOT:-$HOME/.pyenv}/versions or as python$version on PATH,"
        echo "  with venv and ensurepip): its tests are SKIPPED. The package claims $version (requires-python)."
        results+=("$(printf '%-8s %s' "$version" "WARNING: no interpreter found, SKIPPED")")
        continue
    fi
    full=$(full_version "$python")
    venv=.venv-$version
    stamp=$venv/.installed-versions
    want="$python $full ${TEST_DEPS[*]}"
    echo "=== Python $full ($python): ${#TESTS[@]} test files in $venv"
    if [ "$(full_version "$venv/bin/python")" != "$full" ]; then  # none yet, broken, or another patch release
        echo "Creating $venv"
        rm -f "$stamp"
        if ! "$python" -m venv --clear "$venv"; then
            failed=1
            results+=("$(printf '%-8s %s' "$full" "FAILED: $python -m venv $venv")")
            continue
        fi
    fi
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || [ pyproject.toml -nt "$stamp" ]; then
        echo "Installing the package, ${TEST_DEPS[*]} into $venv"
        if ! "$venv/bin/python" -m pip install -q -e . "${TEST_DEPS[@]}"; then
            failed=1
            results+=("$(printf '%-8s %s' "$full" "FAILED: pip install into $venv")")
            continue
        fi
        echo "$want" >"$stamp"
    fi
    log=$(mktemp)
    "$venv/bin/python" -m pytest -q -p no:cacheprovider "${TESTS[@]}" 2>&1 | tee "$log"
    status=${PIPESTATUS[0]}
    summary=$(grep -E '^=* *[0-9]+ (passed|failed|skipped|errors?|deselected)' "$log" | tail -n 1 | sed -E 's/^=+ //; s/ =+$//')
    rm -f "$log"
    if [ "$status" -eq 0 ]; then
        results+=("$(printf '%-8s %s' "$full" "${summary:-no summary line}")")
    else
        failed=1
        results+=("$(printf '%-8s %s' "$full" "FAILED (pytest exit $status): ${summary:-no summary line}")")
    fi
done

echo
echo "=== Python versions: ${TESTS[*]#tests/}"
printf '  %s\n' "${results[@]}"
echo "  ($((SECONDS - started)) s)"
exit "$failed"
