vcl 4.1;
#
# The tiercache edge: Varnish in front of one or more gateways.
#
# It honours the gateway's headers rather than configuring its own policy:
#  - TTL from Cache-Control max-age, which the gateway sets to the value's REMAINING freshness
#    (never a full TTL: DESIGN invariant 2), so the edge never holds a value longer than L1 would;
#  - grace from stale-while-revalidate (serve stale while one background fetch refreshes), and
#    the wider stale-if-error window only while the gateway is unhealthy;
#  - private / no-store responses (classes that are not edge_cacheable, namespaces that need a
#    credential) are never stored: requests with Authorization are passed by the built-in VCL;
#  - surrogate keys from the xkey header (tc:ns:<ns>, tc:class:<ns>:<class>, tc:key:<ns>:<hash>,
#    tc:tag:<ns>:<tag>), purged by the gateway's purger:
#        PURGE /  with  xkey-softpurge: <keys>   (soft: stale within grace, one refetch)
#        PURGE /  with  xkey-purge: <keys>       (hard)
#        BAN /    with  x-tc-ban-namespace and x-tc-ban-key-regex   (key prefixes)
#    from the addresses of the purgers ACL only.
#
# Deploy: set the backend to your gateway (or a director over several), and list the gateway
# hosts in the purgers ACL. Requires varnish-modules (vmod xkey).

import std;
import xkey;

backend gateway {
    .host = "127.0.0.1";
    .port = "8080";
    .probe = {
        .url = "/health/live";
        .interval = 1s;
        .timeout = 1s;
        .window = 3;
        .threshold = 2;
    }
}

acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (req.http.xkey-softpurge) {
            set req.http.x-tc-purged = xkey.softpurge(req.http.xkey-softpurge);
        } else if (req.http.xkey-purge) {
            set req.http.x-tc-purged = xkey.purge(req.http.xkey-purge);
        } else {
            return (purge);
        }
        return (synth(200, "Purged " + req.http.x-tc-purged));
    }
    if (req.method == "BAN") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.x-tc-ban-namespace || !req.http.x-tc-ban-key-regex) {
            return (synth(400, "x-tc-ban-namespace and x-tc-ban-key-regex are required"));
        }
        # Lurker-friendly: only obj.* in the expression, so bans are applied in the background.
        if (std.ban("obj.http.x-tc-namespace == " + req.http.x-tc-ban-namespace
                + " && obj.http.x-tc-key ~ " + req.http.x-tc-ban-key-regex)) {
            return (synth(200, "Banned"));
        }
        return (synth(400, std.ban_error()));
    }
    # Only the data plane is cached; the control plane goes straight to the gateway.
    if (req.url !~ "^/v1/cache/") {
        return (pass);
    }
    # A restart from vcl_hit asks for a fresh copy: ignore grace for this lookup.
    if (req.restarts > 0 && req.http.x-tc-refresh) {
        set req.grace = 0s;
    }
    # Falls through to the built-in vcl_recv: GET and HEAD without Authorization or Cookie are
    # looked up, everything else is passed.
}

sub vcl_hit {
    # Past its stale-while-revalidate window an object is kept only for stale-if-error: while the
    # gateway is healthy, fetch a fresh copy instead of serving it.
    if (obj.ttl < 0s
            && obj.ttl + std.duration(obj.http.x-tc-swr + "s", 0s) < 0s
            && std.healthy(req.backend_hint)) {
        set req.http.x-tc-refresh = "1";
        return (restart);
    }
}

sub vcl_backend_response {
    set beresp.http.x-tc-swr = "0";
    set beresp.http.x-tc-sie = "0";
    if (beresp.http.Cache-Control ~ "stale-while-revalidate=[0-9]+") {
        set beresp.http.x-tc-swr = regsub(beresp.http.Cache-Control,
            ".*stale-while-revalidate=([0-9]+).*", "\1");
    }
    if (beresp.http.Cache-Control ~ "stale-if-error=[0-9]+") {
        set beresp.http.x-tc-sie = regsub(beresp.http.Cache-Control,
            ".*stale-if-error=([0-9]+).*", "\1");
    }
    # Grace is the wider window; vcl_hit narrows it to stale-while-revalidate while healthy.
    set beresp.grace = std.duration(beresp.http.x-tc-swr + "s", 0s);
    if (std.duration(beresp.http.x-tc-sie + "s", 0s) > beresp.grace) {
        set beresp.grace = std.duration(beresp.http.x-tc-sie + "s", 0s);
    }
    # The gateway's deadlines are the only ones: no extra keep for conditional refetches.
    set beresp.keep = 0s;
}

sub vcl_deliver {
    unset resp.http.x-tc-swr;
    unset resp.http.x-tc-sie;
    if (obj.hits > 0) {
        set resp.http.X-Edge = "HIT";
    } else {
        set resp.http.X-Edge = "MISS";
    }
}
