// The reports dashboard's files, for every host that serves it (the runner reads them at start,
// the Worker's build bundles them): URL name under /dashboard/ -> the file (relative to the
// repository root) and its content type. index.html is also /dashboard itself, which is why
// the page names its files by absolute path. Plain data: no imports, nothing host-specific.

export const DASHBOARD_PATH = '/dashboard';
export const DASHBOARD_INDEX = 'index.html';

export const DASHBOARD_FILES = Object.freeze({
  'index.html': { file: 'analytics/dashboard/index.html', type: 'text/html; charset=utf-8' },
  'dashboard.js': { file: 'analytics/dashboard/dashboard.js', type: 'text/javascript; charset=utf-8' },
  'dashboard.css': { file: 'analytics/dashboard/dashboard.css', type: 'text/css; charset=utf-8' },
  // uPlot, pinned by analytics/package-lock.json (installed by tests/bootstrap.sh)
  'uPlot.iife.min.js': { file: 'analytics/node_modules/uplot/dist/uPlot.iife.min.js', type: 'text/javascript; charset=utf-8' },
  'uPlot.min.css': { file: 'analytics/node_modules/uplot/dist/uPlot.min.css', type: 'text/css; charset=utf-8' },
});

// The headers of every dashboard file. The page holds no inline script or style, so the policy
// can forbid them: an injected <script> in a report value could not run.
export const DASHBOARD_HEADERS = Object.freeze({
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; " +
    "frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
});
