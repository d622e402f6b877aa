-- wrk script for bench/server.py: every request posts the sign-up form as a new person.
-- A unique e-mail address and submission id per request, so each POST stores a sign-up rather
-- than meeting "already signed up" or the double-click check; the requests go round the activities
-- given, as residents sign up for different activities; an activity given as ID@YYYY-MM-DDTHH:MM is a
-- drop-in with places per date, and the form ticks that date. Usage: wrk ... -s signup.lua URL -- NONCE ID...

local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
  table.insert(threads, thread)
end

function init(args)
  nonce = args[1] or "run"
  events = {}
  for i = 2, #args do
    table.insert(events, args[i])
  end
  counter = 0
  redirects = 0
  others = 0
end

function request()
  counter = counter + 1
  local who = nonce .. "-" .. tid .. "-" .. counter
  local body = "name=Bench+Resident&phone=&email=" .. who .. "%40example.com&people=1&language=nl"
    .. "&consent=y&submission_id=" .. who
  -- An activity given as "ID@DATE" is a drop-in with places per date: the form ticks that date.
  local target = events[(counter + tid) % #events + 1]
  local id, date = target:match("^(%d+)@(.+)$")
  if id then
    body = body .. "&date=" .. date:gsub(":", "%%3A")
    target = id
  end
  local path = "/agenda/" .. target .. "/signup"
  return wrk.format("POST", path, { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end

function response(status, headers, body)
  -- 302 to the person's own sign-up page means stored; anything else is a failure.
  if status == 302 then
    redirects = redirects + 1
  else
    others = others + 1
  end
end

function done(summary, latency, requests)
  local stored, failed = 0, 0
  for _, thread in ipairs(threads) do
    stored = stored + thread:get("redirects")
    failed = failed + thread:get("others")
  end
  io.write(string.format("signups: %d stored, %d other answers\n", stored, failed))
end
