#!/usr/bin/env bash
# Build the playground page into site/build/: the page, the project's wheel and graphviz's (pure
# Python, for draw_dot's DOT text), and Pyodide's core runtime and viz-js fetched from npm now
# (never committed). Usage: site/build.sh PYTHON
set -euo pipefail
PY=${1:-python3}
SITE=$(cd "$(dirname "$0")" && pwd)
OUT=$SITE/build
PYODIDE=pyodide@314.0.7
VIZ=@viz-js/viz@3.31.0
command -v npm >/dev/null || { echo "site/build.sh: npm (Node.js) is needed to fetch Pyodide and viz-js" >&2; exit 1; }
rm -rf "$OUT" && mkdir -p "$OUT/pyodide" "$OUT/viz"
work=$(mktemp -d) && trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$PYODIDE" "$VIZ" >/dev/null)
tar -xzf "$work"/pyodide-*.tgz -C "$OUT/pyodide" --strip-components=1 package
tar -xzf "$work"/viz-js-viz-*.tgz -C "$OUT/viz" --strip-components=2 package/dist
"$PY" -m pip wheel --quiet --no-deps --wheel-dir "$work/wheel" "$SITE/.."
cp "$work"/wheel/autograd_tiny-*.whl "$OUT/autograd_tiny.whl"
"$PY" -m pip download --quiet --no-deps --only-binary=:all: --dest "$work/graphviz" "graphviz>=0.20"
cp "$work"/graphviz/graphviz-*.whl "$OUT/graphviz.whl"  # pure Python: draw_dot's DOT text in the browser
cp "$SITE"/index.html "$SITE"/playground.js "$SITE"/playground.css "$OUT/"
echo "built $OUT; serve it with 'make serve'"
