#!/usr/bin/env bash
# Build (once) the side virtual environment that runs sklearn2pmml, the reference PMML producer.
# sklearn2pmml refuses the scikit-learn in the project venv, so it lives in its own venv with a
# scikit-learn it accepts. Usage: make_side_env.sh [DEST]; prints DEST/bin/python on success.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dest="${1:-$here/../../.venv-pmml-producers}"
python="${PMML_SIDE_BASE_PYTHON:-$here/../../.venv/bin/python}"
if [ -x "$dest/bin/python" ] && "$dest/bin/python" -c "import sklearn2pmml" 2>/dev/null; then
    echo "$dest/bin/python"
    exit 0
fi
# Build in a temporary folder and rename, so a half-built env is never taken for a cached one.
tmp="$dest.building.$$"
rm -rf "$tmp"
"$python" -m venv "$tmp"
"$tmp/bin/python" -m pip install --quiet --disable-pip-version-check \
    "scikit-learn==1.9.0" "sklearn2pmml" "pandas" "numpy" >&2
rm -rf "$dest"
mv "$tmp" "$dest"
# (Scripts in bin/ keep the temporary path in their #! line; always call "$dest/bin/python -m".)
"$dest/bin/python" -c "import sklearn2pmml" >&2
echo "$dest/bin/python"
