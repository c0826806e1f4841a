-- The wrk script of the API benchmark (bench/lib/wrk.ts). The bearer token comes from
-- the environment, not the command line, so it never shows in a process list.
-- With CREATE_PREFIX set, every request creates a new ConfigMap named <prefix><n> in the
-- namespace CREATE_NAMESPACE; otherwise the URL's path is fetched with GET.
-- done() prints one line, "wrk-result {json}", that wrk.ts reads.

local token = os.getenv("CANOPY_TOKEN")
local prefix = os.getenv("CREATE_PREFIX")
local namespace = os.getenv("CREATE_NAMESPACE")
local payload = string.rep("x", 512)
local created = 0

wrk.headers["Authorization"] = "Bearer " .. token

if prefix then
  request = function()
    created = created + 1
    local body = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"' .. prefix .. created ..
      '"},"data":{"payload":"' .. payload .. '"}}'
    return wrk.format("POST", "/api/v1/namespaces/" .. namespace .. "/configmaps",
      { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }, body)
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'wrk-result {"requests":%d,"durationUs":%d,"p50Us":%d,"p99Us":%d,"statusErrors":%d,"socketErrors":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
