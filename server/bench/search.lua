-- search.lua: wrk script for `make bench-server`: POSTs Qdrant search
-- bodies (one JSON per line of the file given after "--"), each thread
-- from its own place in the list, counts answers by status (200, 503,
-- other) and prints one JSON line with the totals, QPS and latency.
local threads = {}

function setup(thread)
	table.insert(threads, thread)
end

function init(args)
	bodies = {}
	for line in io.lines(args[1]) do
		bodies[#bodies + 1] = line
	end
	counter = math.random(#bodies)
	ok, shed, other = 0, 0, 0
end

function request()
	counter = counter % #bodies + 1
	return wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, bodies[counter])
end

function response(status, headers, body)
	if status == 200 then
		ok = ok + 1
	elseif status == 503 then
		shed = shed + 1
	else
		other = other + 1
	end
end

function done(summary, latency, requests)
	local o, s, x = 0, 0, 0
	for _, t in ipairs(threads) do
		o = o + t:get("ok")
		s = s + t:get("shed")
		x = x + t:get("other")
	end
	local secs = summary.duration / 1e6
	local e = summary.errors
	io.write(string.format(
		'{"requests":%d,"ok":%d,"shed":%d,"other":%d,"socket_errors":%d,"seconds":%.2f,"qps":%.1f,' ..
		'"ok_qps":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f}\n',
		summary.requests, o, s, x, e.connect + e.read + e.write + e.timeout, secs, summary.requests / secs,
		o / secs, latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
