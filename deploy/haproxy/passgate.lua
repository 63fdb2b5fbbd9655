-- HAProxy has no built-in forward auth: this action asks passgate about each
-- request with HAProxy's own HTTP client (HAProxy 2.5+ with Lua).
-- On 200 it sets the identity headers on the request; otherwise it answers
-- the client with passgate's answer (redirect to login, 401 or 403).
--
-- Load with `lua-load passgate.lua` and use `http-request lua.passgate`;
-- `http-response lua.passgate_cookies` keeps an application from setting
-- passgate's own cookies in the browser.
-- The address below is passgate's listener.

local passgate = "http://127.0.0.1:8080/.passgate/authz/forward-auth"

local identity = {
    "remote-user", "remote-email", "remote-name", "remote-groups", "x-passgate-assertion",
}

local function first(values)
    if values == nil then return nil end
    return values[0] or values[1]
end

-- Request fields only passgate may set, in any spelling ("_" or "." for
-- "-": CGI-style apps, PHP among them, read them as one name): the Remote-*,
-- X-Auth-Request-* and X-Passgate-* families (passgate sets its own on 200),
-- and such spellings of the forwarding fields and request id. HAProxy passes
-- them on to the app otherwise; this action does not send them to passgate.
local function reserved(name)
    local n = name:lower():gsub("[_%.]", "-")
    if n:find("^remote%-") or n:find("^x%-auth%-request%-") or n:find("^x%-passgate%-") then
        return true
    end
    if name:find("[_%.]") then
        return n:find("^x%-forwarded%-") or n:find("^x%-original%-") or n == "forwarded"
            or n == "x-real-ip" or n == "x-rewrite-url" or n == "x-request-id"
    end
    return false
end

-- Every value of a request field, as a list for the HTTP client.
local function all(values)
    if values == nil then return nil end
    local out = {}
    for i = 0, #values do
        if values[i] ~= nil then out[#out + 1] = values[i] end
    end
    return out
end

core.register_action("passgate", { "http-req" }, function(txn)
    local fields = txn.http:req_get_headers()
    -- A service token is passgate's to check (and is never passed on):
    -- read before passgate's own fields are removed.
    local token = all(fields["x-passgate-token"])
    local authorization = all(fields["authorization"])
    for name, _ in pairs(fields) do
        if reserved(name) then txn.http:req_del_header(name) end
    end
    local proto = "http"
    if txn.f:ssl_fc() == 1 then proto = "https" end
    local headers = {
        ["x-forwarded-method"] = { txn.f:method() },
        ["x-forwarded-proto"] = { proto },
        -- The whole field (req_hdr would give the last entry of a list;
        -- haproxy.cfg refuses a Host with a list anyway).
        ["x-forwarded-host"] = { txn.f:req_fhdr("host") or "" },
        ["x-forwarded-uri"] = { txn.f:pathq() },
        ["x-forwarded-for"] = { txn.f:src() },
    }
    local accept = txn.f:req_fhdr("accept")
    if accept then headers["accept"] = { accept } end
    local xrw = txn.f:req_fhdr("x-requested-with")
    if xrw then headers["x-requested-with"] = { xrw } end
    local cookie = txn.f:req_fhdr("cookie")
    if cookie then headers["cookie"] = { cookie } end
    if token then headers["x-passgate-token"] = token end
    if authorization then headers["authorization"] = authorization end

    local ok, res = pcall(function()
        return core.httpclient():get{ url = passgate, headers = headers, timeout = 5000 }
    end)
    if not ok or res == nil or res.status == nil or res.status == 0 then
        txn:done{ status = 503, headers = { ["content-type"] = { "text/plain" } },
                  body = "503 Service Unavailable: the sign-in service cannot be reached\n" }
        return
    end
    if res.status == 200 then
        for _, name in ipairs(identity) do
            local v = first(res.headers[name])
            if v ~= nil and v ~= "" then
                txn.http:req_set_header(name, v)
            else
                txn.http:req_del_header(name)
            end
        end
        -- The request's cookies without passgate's session cookie.
        local c = first(res.headers["cookie"])
        if c ~= nil and c ~= "" then
            txn.http:req_set_header("cookie", c)
        else
            txn.http:req_del_header("cookie")
        end
        -- The request's Authorization, unless it carried the token passgate
        -- took.
        txn.http:req_del_header("authorization")
        local a = all(res.headers["authorization"])
        if a ~= nil then
            for _, v in ipairs(a) do txn.http:req_add_header("authorization", v) end
        end
        return
    end
    local reply = { status = res.status, headers = {}, body = res.body or "" }
    for _, name in ipairs({ "location", "content-type", "www-authenticate", "cache-control", "x-request-id" }) do
        local v = first(res.headers[name])
        if v ~= nil then reply.headers[name] = { v } end
    end
    txn:done(reply)
end)

-- passgate's cookie names, compared without regard to case (browsers treat
-- the __Host- prefix that way).
local own_cookies = {
    ["__host-passgate"] = true,
    ["passgate_session"] = true,
    ["__host-passgate-csrf"] = true,
    ["passgate_csrf"] = true,
    ["__host-passgate-email"] = true,
    ["passgate_email"] = true,
}

-- A cookie's name is what comes before the first "=" (before the first
-- ";"). A nameless one ("=passgate_session=x") is sent back by browsers as
-- its bare value, which reads as that name: its value is looked at too.
local function sets_own(value)
    local pair = value:match("^[^;]*")
    while true do
        local name, rest = pair:match("^%s*([^=]-)%s*=(.*)$")
        if name == nil then return false end
        if name ~= "" then return own_cookies[name:lower()] == true end
        pair = rest
    end
end

-- A hostile application on a shared domain could otherwise fix a victim's
-- session to one of its choosing.
core.register_action("passgate_cookies", { "http-res" }, function(txn)
    local set = txn.http:res_get_headers()["set-cookie"]
    if set == nil then return end
    local kept, dropped = {}, false
    for _, v in pairs(set) do
        if sets_own(v) then dropped = true else kept[#kept + 1] = v end
    end
    if not dropped then return end
    txn.http:res_del_header("set-cookie")
    for _, v in ipairs(kept) do
        txn.http:res_add_header("set-cookie", v)
    end
end)
