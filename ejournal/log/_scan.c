/* The fast path of full verification: check log lines and add their leaves to a Merkle tree.
 *
 * One call takes consecutive complete lines of one feed's segment and accepts each line that is
 * certainly valid (docs/FORMAT.md §2-§4): the canonical JSON of an entry of this feed with the
 * next sequence number, a well-formed time not earlier than the one before (same UTC offset),
 * a valid type name and a data object in the format's value domain. Each accepted line's leaf
 * hash, SHA-256(0x00 || line), is pushed onto the feed's compact range (RFC 6962).
 *
 * It is deliberately narrower than the format: it stops at the first line it is not sure of
 * (any \u escape, a 4-byte UTF-8 character, an integer of 16 digits or more, an object key with
 * a backslash, a key statement, the first entry of a feed, a change of UTC offset, nesting
 * deeper than 64) and leaves that line to the Python reference path (ejournal/log/entry.py),
 * which either accepts it or names what is wrong. So a line accepted here is one the reference
 * accepts; tests/test_fastscan.py checks that on generated lines, valid and damaged.
 *
 * Built at install time (hatch_build.py) and loaded with ctypes (ejournal/log/fastscan.py);
 * without a compiler or OpenSSL's headers the reference path does everything, only slower.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1 /* the low-level SHA256_* calls: no EVP set-up per hash */
#include <openssl/sha.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define MAX_LINE ((size_t)1 << 20)
#define MAX_DEPTH 64
#define TIME_LEN 29
#define HASH 32

typedef struct {
    const uint8_t *p;   /* next byte */
    const uint8_t *end; /* the line's LF */
    int depth;
} cursor;

static int value(cursor *c);

/* After an opening quote: a string in JCS form (no escape but the short ones, none in keys). */
static int string_body(cursor *c, int key) {
    const uint8_t *p = c->p, *e = c->end;
    while (p < e) {
        uint8_t b = *p;
        if (b == '"') {
            c->p = p + 1;
            return 0;
        }
        if (b < 0x20)
            return -1;
        if (b == '\\') {
            if (key || p + 1 >= e)
                return -1;
            switch (p[1]) {
            case '"': case '\\': case 'b': case 'f': case 'n': case 'r': case 't':
                p += 2;
                continue;
            default:
                return -1;
            }
        }
        if (b < 0x80) {
            p++;
        } else if (b >= 0xC2 && b <= 0xDF) {
            if (p + 1 >= e || (p[1] & 0xC0) != 0x80)
                return -1;
            p += 2;
        } else if (b >= 0xE0 && b <= 0xEF) {
            if (p + 2 >= e || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
                return -1;
            if ((b == 0xE0 && p[1] < 0xA0) || (b == 0xED && p[1] > 0x9F))
                return -1; /* overlong, or a surrogate */
            p += 3;
        } else {
            return -1; /* 4-byte characters and invalid bytes: the reference decides */
        }
    }
    return -1;
}

/* An integer in canonical form with at most 15 digits (so within ±(2**53-1)); no -0. */
static int number(cursor *c) {
    const uint8_t *p = c->p, *e = c->end;
    if (*p == '-')
        p++;
    const uint8_t *digits = p;
    if (p >= e)
        return -1;
    if (*p == '0') {
        if (digits != c->p)
            return -1;
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (p < e && *p >= '0' && *p <= '9')
            p++;
        if (p - digits > 15)
            return -1;
    } else {
        return -1;
    }
    c->p = p;
    return 0;
}

static int literal(cursor *c, const char *word, size_t n) {
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
        return -1;
    c->p += n;
    return 0;
}

/* After '{': keys strictly increasing by bytes (= by UTF-16 units without 4-byte characters). */
static int object_body(cursor *c) {
    if (c->p < c->end && *c->p == '}') {
        c->p++;
        return 0;
    }
    if (++c->depth > MAX_DEPTH)
        return -1;
    const uint8_t *prev = NULL;
    size_t prev_len = 0;
    for (;;) {
        if (c->p >= c->end || *c->p != '"')
            return -1;
        const uint8_t *key = ++c->p;
        if (string_body(c, 1))
            return -1;
        size_t len = (size_t)(c->p - 1 - key);
        if (prev) {
            size_t m = prev_len < len ? prev_len : len;
            int order = memcmp(prev, key, m);
            if (order > 0 || (order == 0 && prev_len >= len))
                return -1;
        }
        prev = key;
        prev_len = len;
        if (c->p >= c->end || *c->p != ':')
            return -1;
        c->p++;
        if (value(c) || c->p >= c->end)
            return -1;
        if (*c->p == ',') {
            c->p++;
        } else if (*c->p == '}') {
            c->p++;
            c->depth--;
            return 0;
        } else {
            return -1;
        }
    }
}

static int array_body(cursor *c) {
    if (c->p < c->end && *c->p == ']') {
        c->p++;
        return 0;
    }
    if (++c->depth > MAX_DEPTH)
        return -1;
    for (;;) {
        if (value(c) || c->p >= c->end)
            return -1;
        if (*c->p == ',') {
            c->p++;
        } else if (*c->p == ']') {
            c->p++;
            c->depth--;
            return 0;
        } else {
            return -1;
        }
    }
}

static int value(cursor *c) {
    if (c->p >= c->end)
        return -1;
    switch (*c->p) {
    case '"':
        c->p++;
        return string_body(c, 0);
    case '{':
        c->p++;
        return object_body(c);
    case '[':
        c->p++;
        return array_body(c);
    case 't':
        return literal(c, "true", 4);
    case 'f':
        return literal(c, "false", 5);
    case 'n':
        return literal(c, "null", 4);
    default:
        return number(c);
    }
}

static int expect(cursor *c, const char *text, size_t n) { return literal(c, text, n); }

static int two(const uint8_t *p) { return (p[0] - '0') * 10 + (p[1] - '0'); }

/* YYYY-MM-DDTHH:MM:SS.mmm±HH:MM naming a real moment (what datetime.fromisoformat takes). */
static int good_time(const uint8_t *t) {
    static const char shape[] = "0000-00-00T00:00:00.000+00:00";
    for (int i = 0; i < TIME_LEN; i++) {
        if (shape[i] == '0') {
            if (t[i] < '0' || t[i] > '9')
                return 0;
        } else if (i == 23) {
            if (t[i] != '+' && t[i] != '-')
                return 0;
        } else if (t[i] != (uint8_t)shape[i]) {
            return 0;
        }
    }
    int year = two(t) * 100 + two(t + 2), month = two(t + 5), day = two(t + 8);
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (year < 1 || month < 1 || month > 12 || day < 1)
        return 0;
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (day > days[month - 1] + (month == 2 && leap))
        return 0;
    return two(t + 11) <= 23 && two(t + 14) <= 59 && two(t + 17) <= 59 && two(t + 24) <= 23 &&
           two(t + 27) <= 59;
}

/* A type name, [a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*, then its closing quote. */
static int type_name(cursor *c, const uint8_t **name, size_t *name_len) {
    const uint8_t *p = c->p, *e = c->end, *start = p;
    for (;;) {
        if (p >= e || *p < 'a' || *p > 'z')
            return -1;
        p++;
        while (p < e && ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            p++;
        if (p < e && *p == '.') {
            p++;
            continue;
        }
        break;
    }
    if (p >= e || *p != '"')
        return -1;
    size_t n = (size_t)(p - start);
    /* Key statements are checked against the root key by the reference path. */
    if ((n == 11 && memcmp(start, "key.certify", 11) == 0) ||
        (n == 10 && memcmp(start, "key.revoke", 10) == 0))
        return -1;
    *name = start;
    *name_len = n;
    c->p = p + 1;
    return 0;
}

/* Whether a type name is in `wanted`: names each after its length byte, then a 0 byte. */
static int is_wanted(const uint8_t *wanted, const uint8_t *name, size_t len) {
    for (const uint8_t *w = wanted; *w; w += 1 + *w)
        if (*w == len && memcmp(w + 1, name, len) == 0)
            return 1;
    return 0;
}

static size_t decimal(uint64_t n, char *out) {
    char tmp[24];
    size_t len = 0;
    do {
        tmp[len++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    for (size_t i = 0; i < len; i++)
        out[i] = tmp[len - 1 - i];
    return len;
}

/* One line, from c->p to its LF: is it certainly the valid entry `seq` of `feed`? */
static int line_ok(cursor *c, const uint8_t *feed, size_t feed_len, uint64_t seq,
                   uint8_t *prev_time, const uint8_t **type, size_t *type_len) {
    char number_text[24];
    size_t number_len;
    if (expect(c, "{\"actor\":\"", 10) || c->p >= c->end || *c->p == '"' || string_body(c, 0))
        return -1;
    if (expect(c, ",\"data\":{", 9) || object_body(c))
        return -1;
    if (expect(c, ",\"feed\":\"", 9) || expect(c, (const char *)feed, feed_len) ||
        expect(c, "\",\"seq\":", 8))
        return -1;
    number_len = decimal(seq, number_text);
    if (expect(c, number_text, number_len) || expect(c, ",\"time\":\"", 9))
        return -1;
    const uint8_t *t = c->p;
    if ((size_t)(c->end - t) < TIME_LEN + 1 || !good_time(t) || t[TIME_LEN] != '"')
        return -1;
    if (prev_time[0]) {
        const uint8_t *before = prev_time + 1;
        if (memcmp(t + 23, before + 23, 6) != 0 || memcmp(t, before, 23) < 0)
            return -1; /* another UTC offset (order needs the instants), or earlier */
    }
    c->p += TIME_LEN + 1;
    if (expect(c, ",\"type\":\"", 9) || type_name(c, type, type_len) ||
        expect(c, ",\"v\":1}", 7))
        return -1;
    if (c->p != c->end)
        return -1;
    prev_time[0] = 1;
    memcpy(prev_time + 1, t, TIME_LEN);
    return 0;
}

static void node(const uint8_t *left, const uint8_t *right, uint8_t *out) {
    static const uint8_t prefix = 1;
    SHA256_CTX ctx;
    SHA256_Init(&ctx);
    SHA256_Update(&ctx, &prefix, 1);
    SHA256_Update(&ctx, left, HASH);
    SHA256_Update(&ctx, right, HASH);
    SHA256_Final(out, &ctx);
}

/* Push a leaf onto a compact range: stack holds one hash per set bit of *size, largest first. */
static void push(uint8_t *stack, uint64_t *size, const uint8_t *leaf) {
    uint8_t h[HASH];
    int n = __builtin_popcountll(*size);
    memcpy(h, leaf, HASH);
    for (uint64_t bit = 1; *size & bit; bit <<= 1) {
        n--;
        node(stack + (size_t)n * HASH, h, h);
    }
    memcpy(stack + (size_t)n * HASH, h, HASH);
    (*size)++;
}

/* Push the leaf of one line (RFC 6962: SHA-256 of 0x00 and the line without its LF). */
static void push_line(uint8_t *stack, uint64_t *size, const uint8_t *line, size_t len) {
    static const uint8_t prefix = 0;
    uint8_t leaf[HASH];
    SHA256_CTX ctx;
    SHA256_Init(&ctx);
    SHA256_Update(&ctx, &prefix, 1);
    SHA256_Update(&ctx, line, len);
    SHA256_Final(leaf, &ctx);
    push(stack, size, leaf);
}

/* Check and hash up to max_lines complete lines of buf[pos:end] (each ends with LF).
 *
 * feed: the feed id (feed_len bytes); seq: the sequence number the first line must have;
 * prev_time: 1 + 29 bytes, [0] = 0 when there is no entry before, else the time before;
 * stack, size: the feed's compact range (64 hashes of room), updated; stack NULL: check only.
 * wanted: entry types whose lines to list (each name after its length byte, then a 0 byte);
 * picked: room for 2 * max_lines offsets, where the start and the LF of each such line go.
 * Returns the number of lines accepted; *next_pos is where the first line not taken starts,
 * *picked_count how many lines were listed.
 */
size_t ej_scan(const uint8_t *buf, size_t pos, size_t end, const uint8_t *feed, size_t feed_len,
               uint64_t seq, size_t max_lines, uint8_t *prev_time, uint8_t *stack,
               uint64_t *size, size_t *next_pos, const uint8_t *wanted, uint64_t *picked,
               size_t *picked_count) {
    size_t done = 0, listed = 0;
    while (done < max_lines && pos < end) {
        const uint8_t *line = buf + pos;
        size_t room = end - pos;
        if (room > MAX_LINE + 1)
            room = MAX_LINE + 1;
        const uint8_t *lf = memchr(line, '\n', room);
        if (!lf || seq == 0)
            break;
        cursor c = {line, lf, 0};
        const uint8_t *type;
        size_t type_len;
        if (line_ok(&c, feed, feed_len, seq, prev_time, &type, &type_len))
            break;
        if (*wanted && is_wanted(wanted, type, type_len)) {
            picked[2 * listed] = pos;
            picked[2 * listed + 1] = (uint64_t)(lf - buf);
            listed++;
        }
        if (stack)
            push_line(stack, size, line, (size_t)(lf - line));
        pos = (size_t)(lf - buf) + 1;
        seq++;
        done++;
    }
    *next_pos = pos;
    *picked_count = listed;
    return done;
}

/* Hash up to max_lines complete lines of buf[pos:end] onto the compact range, checking nothing
 * else (a writer reopening its own feed: the root is compared with its signed checkpoint).
 * Returns the number of lines hashed; *next_pos is where the first line not hashed starts.
 */
size_t ej_hash_lines(const uint8_t *buf, size_t pos, size_t end, size_t max_lines,
                     uint8_t *stack, uint64_t *size, size_t *next_pos) {
    size_t done = 0;
    while (done < max_lines && pos < end) {
        const uint8_t *line = buf + pos;
        const uint8_t *lf = memchr(line, '\n', end - pos);
        if (!lf)
            break;
        push_line(stack, size, line, (size_t)(lf - line));
        pos = (size_t)(lf - buf) + 1;
        done++;
    }
    *next_pos = pos;
    return done;
}

/* The version of this file's contract with fastscan.py: a library of another is not used. */
int ej_scan_version(void) { return 4; }
