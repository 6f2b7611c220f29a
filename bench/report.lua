-- wrk script for plain GET loads (bench/run): adds nothing to the requests,
-- and prints one machine-readable line when the run is done:
--
--   WRK requests=… duration_us=… rps=… p50_us=… p90_us=… p99_us=… max_us=…
--       err_connect=… err_read=… err_write=… err_timeout=… non2xx3xx=…
--
-- Latencies are wrk's own (microseconds). Headers such as Accept-Encoding
-- are given with wrk -H.

function done(summary, latency, requests)
   local secs = summary.duration / 1e6
   local e = summary.errors
   io.write(string.format(
      "WRK requests=%d duration_us=%d rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
      "err_connect=%d err_read=%d err_write=%d err_timeout=%d non2xx3xx=%d\n",
      summary.requests, summary.duration, summary.requests / secs,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
      e.connect, e.read, e.write, e.timeout, e.status))
end
