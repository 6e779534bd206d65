"""Templates and static assets of the web app (data only; the page handlers are in
`sowhat.api.pages`). `static/htmx.min.js` is htmx 2.0.11 from the npm package `htmx.org`,
vendored so the app works offline (licence in `static/htmx.LICENSE`); `static/swagger-ui/`
is swagger-ui-dist 5.35.0 (Apache-2.0, `npm pack swagger-ui-dist@5`) for `/api/docs`."""
