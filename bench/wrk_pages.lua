-- wrk script for serve_bench.py: each thread cycles through its share of prepared requests
-- (one line each: METHOD <tab> path <tab> Cookie header <tab> body), so that concurrent
-- requests go to different respondents' drafts, as real respondents' would. At the end it
-- prints one line, "RESULT {...}", with the figures serve_bench.py reads.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local file = assert(io.open(args[1], "r"))
  local nthreads = tonumber(args[2])
  local mine = {}
  local i = 0
  for line in file:lines() do
    if i % nthreads == id then
      local method, path, cookie, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      local headers = { ["Cookie"] = cookie }
      if method == "POST" then
        headers["Content-Type"] = "application/x-www-form-urlencoded"
      else
        body = nil
      end
      table.insert(mine, wrk.format(method, path, headers, body))
    end
    i = i + 1
  end
  file:close()
  assert(#mine > 0, "no requests for thread " .. id)
  requests = mine
  position = 0
end

function request()
  position = position % #requests + 1
  return requests[position]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, ' ..
    '"max_ms": %.2f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
