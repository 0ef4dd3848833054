/*
 * Codeflix playback grants, checked at the nginx media edge (njs).
 *
 * The same token as apis/playback/grants.py, checked the same way:
 *   /media/g/<key id>.<base64url(policy JSON)>.<base64url(HMAC-SHA256)>/<object key>
 * policy = {"p": key prefix, "e": expiry (unix s), "u": viewer, "h": max height, "x": closed
 * paths under the prefix (the folders of rungs taller than "h")}; all but "p" and "e" optional.
 * Keys come from CODEFLIX_GRANT_SIGNING_KEYS (the JSON the playback service reads); a retired
 * key is honoured only for grants ending within CODEFLIX_GRANT_TTL_SECONDS of its retirement.
 *
 * Only what a player loads is served (playlists, segments, init segments, images, WebVTT;
 * as apis/playback/media.py's `servable`): anything else under a valid grant is "404".
 *
 * nginx asks for $grant_verdict ("ok", "400", "403", "404", "410"), $grant_key (the object
 * key to fetch) and $grant_max_age (seconds a cache may keep the answer).
 */
var crypto = require('crypto');

var TOKEN_PATH = /^\/media\/g\/([^/]+)\/(.+)$/;
var SERVABLE = /\.(m3u8|ts|m4s|m4a|aac|jpg|jpeg|png|webp|vtt)$/i;
var INIT_SEGMENT = /^init[\w-]*\.(mp4|m4v)$/i;
var keyring = null;

function loadKeys() {
    if (keyring === null) {
        var configured = JSON.parse(process.env.CODEFLIX_GRANT_SIGNING_KEYS || '[]');
        keyring = {};
        configured.forEach(function (k) {
            keyring[k.id] = {
                secret: k.secret,
                retiredAt: k.retired_at ? Math.floor(Date.parse(k.retired_at) / 1000) : null
            };
        });
    }
    return keyring;
}

function sameText(a, b) {
    // Compare in constant time so the signature cannot be guessed byte by byte.
    if (a.length !== b.length) {
        return false;
    }
    var diff = 0;
    for (var i = 0; i < a.length; i++) {
        diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
    }
    return diff === 0;
}

function isInteger(value) {
    return typeof value === 'number' && Math.floor(value) === value;
}

function validPolicy(policy) {
    if (policy === null || typeof policy !== 'object' || Array.isArray(policy)) {
        return false;
    }
    var p = policy.p;
    if (typeof p !== 'string' || p === '/' || p.charAt(p.length - 1) !== '/') {
        return false;
    }
    if (!isInteger(policy.e)) {
        return false;
    }
    if (policy.u !== undefined && typeof policy.u !== 'string') {
        return false;
    }
    if (policy.h !== undefined && !(isInteger(policy.h) && policy.h > 0)) {
        return false;
    }
    var x = policy.x === undefined ? [] : policy.x;
    if (!Array.isArray(x) || x.length > 32) {
        return false;
    }
    return x.every(function (d) {
        return typeof d === 'string' && d.length > 0 && d.indexOf('..') === -1;
    });
}

/* Whether a key under the prefix lies in a path the grant closes (a taller rung's folder). */
function closed(relative, denied) {
    return (denied || []).some(function (d) {
        return d.charAt(d.length - 1) === '/' ? relative.indexOf(d) === 0 : relative === d;
    });
}

/* Whether a key names a file a player loads; "_" and "." folders and files never do. */
function servable(key) {
    var parts = key.split('/');
    for (var i = 0; i < parts.length; i++) {
        var first = parts[i].charAt(0);
        if (first === '_' || first === '.') {
            return false;
        }
    }
    var name = parts[parts.length - 1];
    return SERVABLE.test(name) || INIT_SEGMENT.test(name);
}

/* The verdict on one raw request path at unix time `now`: {status, key, policy}. */
function check(rawPath, now) {
    var path;
    try {
        path = decodeURIComponent(rawPath.split('?')[0]);
    } catch (e) {
        return {status: '400'};
    }
    var match = path.match(TOKEN_PATH);
    if (!match) {
        return {status: '403'};
    }
    var token = match[1];
    var key = match[2];
    var parts = key.split('/');
    for (var i = 0; i < parts.length; i++) {
        if (parts[i] === '' || parts[i] === '.' || parts[i] === '..') {
            return {status: '400'};
        }
    }
    if (key.indexOf('\\') !== -1 || key.indexOf('\u0000') !== -1) {
        return {status: '400'};
    }
    var pieces = token.split('.');
    if (pieces.length !== 3 || token.length > 2048) {
        return {status: '403'};
    }
    var signingKey = loadKeys()[pieces[0]];
    if (!signingKey) {
        return {status: '403'};
    }
    var expected = crypto.createHmac('sha256', signingKey.secret)
        .update(pieces[0] + '.' + pieces[1]).digest('base64url');
    if (!sameText(expected, pieces[2])) {
        return {status: '403'};
    }
    var policy;
    try {
        policy = JSON.parse(Buffer.from(pieces[1], 'base64url').toString());
    } catch (e) {
        return {status: '403'};
    }
    if (!validPolicy(policy)) {
        return {status: '403'};
    }
    var maxTtl = parseInt(process.env.CODEFLIX_GRANT_TTL_SECONDS || '21600', 10);
    if (signingKey.retiredAt !== null && policy.e > signingKey.retiredAt + maxTtl) {
        return {status: '403'};
    }
    if (now >= policy.e) {
        return {status: '410'};
    }
    if (key.indexOf(policy.p) !== 0 || key.length <= policy.p.length) {
        return {status: '403'};
    }
    if (closed(key.substring(policy.p.length), policy.x)) {
        return {status: '403'};
    }
    if (!servable(key)) {
        return {status: '404'};
    }
    return {status: 'ok', key: key, policy: policy};
}

function verdictOf(r) {
    // The raw request line, not nginx's normalised $uri, so '..' tricks are seen as sent.
    return check(r.variables.request_uri, Math.floor(Date.now() / 1000));
}

function verdict(r) {
    return verdictOf(r).status;
}

function key(r) {
    var result = verdictOf(r);
    if (result.status !== 'ok') {
        return '';
    }
    return result.key.split('/').map(encodeURIComponent).join('/');
}

function maxAge(r) {
    var result = verdictOf(r);
    if (result.status !== 'ok') {
        return '0';
    }
    var left = result.policy.e - Math.floor(Date.now() / 1000);
    return String(Math.max(0, Math.min(left, 86400)));
}

export default {verdict, key, maxAge, check};
