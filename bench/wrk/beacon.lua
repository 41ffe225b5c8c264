-- View beacons as article pages send them (js/stats.js): POST /stats/views/<slug> with
-- the referring page, from many readers. BENCH_SLUGS_FILE lists published slugs, one a
-- line. Each request comes from a random client address (X-Forwarded-For, read through
-- the one trusted proxy hop) and one of a few browsers, so the visitor hashes vary.
local slugs = {}
for line in io.lines(os.getenv("BENCH_SLUGS_FILE")) do
  slugs[#slugs + 1] = line
end

local agents = {
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
}
local referrers = {
  "", "", "https://news.example.org/front?p=1", "https://www.social.example/@someone/1",
  "https://search.example/?q=folio", "https://blog.example.net/links",
}

local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

init = function(args)
  math.randomseed((tid or 1) * 104729 + os.time())
end

-- Only the first slugs: readers crowd on the newest articles (and the beacon's article
-- look-up then hits the same rows, as on a real site).
local popular = math.min(#slugs, 200)

request = function()
  local headers = {
    ["Content-Type"] = "application/json",
    ["X-Forwarded-Proto"] = "https",
    ["X-Forwarded-For"] = string.format("198.%d.%d.%d",
      math.random(18, 19), math.random(0, 255), math.random(1, 254)),
    ["User-Agent"] = agents[math.random(#agents)],
  }
  local body = string.format('{"referrer":"%s"}', referrers[math.random(#referrers)])
  return wrk.format("POST", "/stats/views/" .. slugs[math.random(popular)], headers, body)
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
