// `make vendor-css`: keep only the NL Design System CSS that our pages use (PurgeCSS).
// Content: every template that renders inside base.html (ours and allauth's, whose
// elements are plain HTML styled by the html layer), the scripts, and the Python that
// writes class names (form widgets, template tags).
module.exports = {
  content: [
    "templates/**/*.html",
    ".venv/lib/python3.11/site-packages/allauth/templates/**/*.html",
    "static/triage/*.js",
    "*/forms.py",
    "*/templatetags/*.py",
  ],
  css: [
    "var/npm/utrecht-design-tokens-5.0.1/package/dist/theme.css",
    "var/npm/utrecht-component-library-css-9.0.4/package/dist/index.css",
    "var/npm/utrecht-component-library-css-9.0.4/package/dist/html.css",
    // Ours, so that the tokens it uses are kept; its purged copy is not used.
    "static/css/portal.css",
  ],
  // Not `variables: true`: it dropped tokens that kept rules use (headings lost their size).
  safelist: {
    // templates/triage/alert.html builds the modifier: utrecht-alert--{{ type }}
    standard: [/^utrecht-alert--(info|ok|warning|error)$/],
  },
  output: "var/purged",
};
