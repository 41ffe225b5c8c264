-- The write mix on the RealWorld API, one third each: create an article, comment on an
-- article, favorite an article. BENCH_AUTH is "Token <jwt>" of the writing account;
-- BENCH_SLUGS_FILE lists published slugs, one a line, to comment on and favorite.
local auth = os.getenv("BENCH_AUTH")
local slugs = {}
for line in io.lines(os.getenv("BENCH_SLUGS_FILE")) do
  slugs[#slugs + 1] = line
end

local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

local counter = 0
init = function(args)
  math.randomseed((tid or 1) * 7919 + os.time())
end

local headers = {
  ["Content-Type"] = "application/json",
  ["Authorization"] = auth,
  ["X-Forwarded-Proto"] = "https",
}

request = function()
  counter = counter + 1
  local kind = counter % 3
  local slug = slugs[math.random(#slugs)]
  if kind == 0 then
    local body = string.format(
      '{"article":{"title":"Bench note %d %d %d","description":"Measured writes",' ..
      '"body":"Some *Markdown* with a [link](https://example.com) and `code`.",' ..
      '"tagList":["bench","performance"]}}',
      tid or 1, counter, math.random(1000000000))
    return wrk.format("POST", "/api/articles", headers, body)
  elseif kind == 1 then
    return wrk.format("POST", "/api/articles/" .. slug .. "/comments", headers,
      '{"comment":{"body":"A measured comment."}}')
  end
  return wrk.format("POST", "/api/articles/" .. slug .. "/favorite", headers, "")
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
