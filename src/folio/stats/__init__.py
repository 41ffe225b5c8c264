"""Cookieless article statistics: a beacon counts views, a rollup keeps them per day,
dashboards and /api/v1 show them to writers (their articles) and admins (the site)."""
