// For nginx's JavaScript module (njs): keep an application from setting
// passgate's own cookies in the browser. A hostile application on a shared
// domain could otherwise fix a victim's session to one of its choosing.
// Loaded by passgate.conf (js_import) and run as a js_header_filter.

// passgate's cookie names, compared without regard to case (browsers treat
// the __Host- prefix that way).
const OWN = [
    "__host-passgate",
    "passgate_session",
    "__host-passgate-csrf",
    "passgate_csrf",
    "__host-passgate-email",
    "passgate_email",
];

// A cookie's name is what comes before the first "=" (before the first
// ";"). A nameless one ("=passgate_session=x") is sent back by browsers as
// its bare value, which reads as that name: its value is looked at too.
function isOwn(setCookie) {
    let pair = setCookie.split(";")[0];
    for (;;) {
        const eq = pair.indexOf("=");
        if (eq < 0) {
            return false;
        }
        const name = pair.slice(0, eq).trim();
        if (name !== "") {
            return OWN.includes(name.toLowerCase());
        }
        pair = pair.slice(eq + 1);
    }
}

function strip_own_cookies(r) {
    // nginx before 1.29 takes an interim answer (a 103 Early Hints) for the
    // final one and relays what follows it as its body, which the browser
    // then reads as the final answer: fields no filter here has seen,
    // passgate's cookies among them. The interim head goes out with none
    // of its fields and nginx's own framing (chunked, as for a 502: njs
    // cannot change the status line), and drop_after_interim drops the
    // rest, so the browser gets a malformed answer instead of the app's.
    if (r.status >= 100 && r.status < 200 && r.status !== 101) {
        r.variables.passgate_interim = "1";
        r.status = 502;
        Object.keys(r.headersOut).forEach((name) => {
            delete r.headersOut[name];
        });
        return;
    }
    const set = r.headersOut["Set-Cookie"];
    if (!set || set.length === 0) {
        return;
    }
    const kept = set.filter((c) => !isOwn(c));
    if (kept.length !== set.length) {
        r.headersOut["Set-Cookie"] = kept;
    }
}

// Run as a js_body_filter: passes bodies on untouched, except after an
// interim answer (see strip_own_cookies).
function drop_after_interim(r, data, flags) {
    if (r.variables.passgate_interim === "1") {
        if (flags.last) {
            r.sendBuffer("", flags);
        }
        return;
    }
    r.sendBuffer(data, flags);
}

export default { strip_own_cookies, drop_after_interim };
