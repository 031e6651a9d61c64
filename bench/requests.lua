-- wrk script for bench/run.py: sends the requests listed in a file, one after another, round
-- robin.
--
--   wrk -t1 -c8 -d20s -s bench/requests.lua http://127.0.0.1:8765 -- FILE THREADS
--
-- FILE: one request per line, tab-separated: method, path, Cookie header, form body (may be
-- empty). bench/run.py writes it with the cookies and CSRF tokens of devices, pupils, parents and
-- teachers it prepared through the real pages. THREADS: wrk's -t, so that each thread takes its
-- own share of the lines. At the end one line "BENCH {json}" goes to standard output.
--
-- There is no response() function: with one, wrk hands every answer's headers and body to Lua,
-- which cost more of the machine than the benchmark allows its load generator. bench/run.py
-- checks every answer's status in the servers' access log instead.

local threads = {}
local thread_count = 0

function setup(thread)
  thread:set("id", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

function init(args)
  local file, total = args[1], tonumber(args[2] or "1")
  lines = {}
  local index = 0
  for line in io.lines(file) do
    if index % total == id then
      local method, path, cookie, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      local headers = {Cookie = cookie}
      if body == "" then
        body = nil
      else
        headers["Content-Type"] = "application/x-www-form-urlencoded"
      end
      lines[#lines + 1] = wrk.format(method, path, headers, body)
    end
    index = index + 1
  end
  if #lines == 0 then
    error("no requests for thread " .. id .. " in " .. file)
  end
  position = 0
end

function request()
  position = position % #lines + 1
  return lines[position]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "http_errors": %d, ' ..
    '"socket_errors": %d, "timeouts": %d, "p50_ms": %.2f, "p90_ms": %.2f, "p99_ms": %.2f}\n',
    summary.requests, summary.duration, e.status,
    e.connect + e.read + e.write, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000))
end
