-- A GET (or any read) with the headers the runner passes in the environment.
-- BENCH_AUTH: an Authorization header value (empty for anonymous reads).
-- The X-Forwarded-Proto header stands in for the TLS proxy of a production deployment.
local auth = os.getenv("BENCH_AUTH")
wrk.headers["X-Forwarded-Proto"] = "https"
wrk.headers["Accept"] = os.getenv("BENCH_ACCEPT") or "*/*"
if auth and auth ~= "" then
  wrk.headers["Authorization"] = auth
end
-- BENCH_HEADERS: more headers, one "Name: value" per line (a cookie, Accept-Language,
-- If-None-Match).
for line in string.gmatch(os.getenv("BENCH_HEADERS") or "", "[^\n]+") do
  local name, value = string.match(line, "^([^:]+):%s*(.*)$")
  if name then
    wrk.headers[name] = value
  end
end


done = function(summary, latency, requests)
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"max":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max))
end
