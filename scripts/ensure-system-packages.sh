#!/usr/bin/env bash
# Debian packages the tests need: Chromium for the browser tests (no browser
# can be downloaded by Playwright here), Pango and fonts for WeasyPrint, Poppler to
# read the PDFs back in the tests (pdftotext, pdftoppm).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/apt.sh
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
.venv/bin/python -c "import weasyprint" >/dev/null 2>&1 \
  || missing+=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
command -v pdftoppm >/dev/null || missing+=(poppler-utils)
if [ ${#missing[@]} -gt 0 ]; then
  apt_install "${missing[@]}"
fi
