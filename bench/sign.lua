-- wrk script for the signature load (bench/run): every request is a petition
-- signature POSTed as a form, each from a different supporter (a unique
-- email: run id, thread, counter), with the fields of the real form.
--
--   wrk -t2 -c64 -d10s -s bench/sign.lua http://127.0.0.1:PORT/actions/SLUG -- RUNID
--
-- Only 303 answers (the redirect to the thank-you page, sent once the
-- signature is stored) count as acknowledged; every other status is counted
-- apart. Given an API key, it calls the API's record_signature_helper
-- instead, the same person in JSON, and counts 200 answers:
--
--   wrk … -s bench/sign.lua http://127.0.0.1:PORT/api/v1/petitions/ID/signatures -- RUNID KEY
--
-- When the run is done it prints one machine-readable line:
--
--   WRK requests=… duration_us=… rps=… p50_us=… … acked=… acked_per_s=… other=… statuses=303:…,500:…

wrk.method = "POST"

local threads = {}
local next_id = 1

function setup(thread)
   thread:set("tid", next_id)
   next_id = next_id + 1
   table.insert(threads, thread)
end

function init(args)
   runid = args[1] or tostring(os.time())
   key = args[2]
   if key then
      wrk.headers["Content-Type"] = "application/json"
      wrk.headers["OSDI-API-Token"] = key
      ack = 200
   else
      wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
      ack = 303
   end
   n = 0
   acked = 0
   other = 0
   statuses = {}
end

function request()
   n = n + 1
   local body
   if key then
      body = string.format(
         '{"person": {"given_name": "Bench", "family_name": "Supporter", ' ..
         '"email_addresses": [{"address": "bench-%s-t%d-%d@example.org"}], ' ..
         '"postal_addresses": [{"postal_code": "1000%d", "country": "VE"}], "preferred_language": "en"}}',
         runid, tid, n, n % 10)
   else
      body = string.format(
         "name=Bench+Supporter&email=bench-%s-t%d-%d%%40example.org&country=VE&lang=en&postal_code=1000%d",
         runid, tid, n, n % 10)
   end
   return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
   if status == ack then
      acked = acked + 1
   else
      other = other + 1
   end
   statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
   local secs = summary.duration / 1e6
   local e = summary.errors
   local total_acked, total_other, by_status = 0, 0, {}
   for _, t in ipairs(threads) do
      total_acked = total_acked + t:get("acked")
      total_other = total_other + t:get("other")
      for status, count in pairs(t:get("statuses")) do
         by_status[status] = (by_status[status] or 0) + count
      end
   end
   local parts = {}
   for status, count in pairs(by_status) do
      table.insert(parts, status .. ":" .. count)
   end
   table.sort(parts)
   io.write(string.format(
      "WRK requests=%d duration_us=%d rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
      "err_connect=%d err_read=%d err_write=%d err_timeout=%d non2xx3xx=%d " ..
      "acked=%d acked_per_s=%.1f other=%d statuses=%s\n",
      summary.requests, summary.duration, summary.requests / secs,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
      e.connect, e.read, e.write, e.timeout, e.status,
      total_acked, total_acked / secs, total_other, table.concat(parts, ",")))
end
