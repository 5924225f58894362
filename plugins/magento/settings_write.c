/*
 * plugins/magento/settings_write.c: settings_write, new database credentials for a site.
 *
 * Only the connection's values change: host (and port), database name, user and password. Every
 * other byte of the file stays as it was: the crypt key (without it Magento cannot decrypt the
 * payment and API secrets stored encrypted in core_config_data), the install date (Magento 1
 * takes a site without one for not installed), the table prefix (it names the tables, which this
 * op does not rename), comments, layout. The file is not regenerated: the values are located in
 * its text and replaced there.
 *
 * Magento 1, app/etc/local.xml: <config><global><resources><default_setup><connection>, the first
 * element of each name at each level, as settings.c (and SimpleXML) read it. A value written in
 * a CDATA section is written in one again, with "]]>" split across two sections; a value
 * written as plain text is written as escaped text. A missing <username> or <password> is added
 * after <host>. A separate <port> element is honoured by Magento 1 (Zend_Db puts it into the
 * DSN), so when the file has one the port goes there; otherwise it goes into <host> as
 * "host:port" ("[address]:port" for IPv6), which both Magento 1 and OpenMage split.
 *
 * Magento 2, app/etc/env.php: 'db' => ['connection' => ['default' => [...]]] (the last of
 * duplicate keys, as PHP keeps it). Values are written as single-quoted PHP strings ('\\' and
 * '\'' escaped). Magento 2 refuses a separate 'port' ("Port must be configured within host
 * parameter"), so the port always goes into 'host'; a 'port' entry, which would stop the site,
 * becomes null (isset() is false for null). A missing 'username' or 'password' is added first
 * in the array.
 *
 * The database name is written as given: on drover's SQLite db server too it is just a name the
 * core maps onto its directory. Before anything is written, the new text is read back with
 * settings.c's reader and must give exactly the new credentials; then it replaces the file
 * atomically (site.c, mg_replace_file).
 */
#include <stdlib.h>
#include <string.h>

#include "magento.h"

/* --- a growing buffer, cleared before it is freed (it holds a password) ------------------------ */

struct sbuf {
	char *p;
	size_t n, cap;
	int oom;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *p;

		while (cap < b->n + n + 1)
			cap *= 2;
		p = malloc(cap);
		if (p == NULL) {
			b->oom = 1;
			return;
		}
		if (b->p != NULL) {
			memcpy(p, b->p, b->n);
			explicit_bzero(b->p, b->cap);
			free(b->p);
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void sb_free(struct sbuf *b)
{
	if (b->p != NULL)
		explicit_bzero(b->p, b->cap);
	free(b->p);
	memset(b, 0, sizeof *b);
}

/* One change to the original text: bytes [start, end) become text. */
struct edit {
	size_t start, end;
	struct sbuf text;
};

#define MAX_EDITS 8

struct edits {
	struct edit v[MAX_EDITS];
	size_t n;
};

static struct sbuf *edit_add(struct edits *e, size_t start, size_t end)
{
	struct edit *x;

	if (e->n == MAX_EDITS)
		return NULL; /* cannot happen: at most six values change */
	x = &e->v[e->n++];
	memset(x, 0, sizeof *x);
	x->start = start;
	x->end = end;
	return &x->text;
}

static void edits_free(struct edits *e)
{
	for (size_t i = 0; i < e->n; i++)
		sb_free(&e->v[i].text);
	e->n = 0;
}

/* The original text with the edits applied (in order; they never overlap). */
static int edits_apply(const struct tf_buf *orig, struct edits *e, struct sbuf *out)
{
	size_t at = 0;

	for (size_t i = 1; i < e->n; i++) /* insertion sort by start, stable */
		for (size_t j = i; j > 0 && e->v[j - 1].start > e->v[j].start; j--) {
			struct edit t = e->v[j];

			e->v[j] = e->v[j - 1];
			e->v[j - 1] = t;
		}
	for (size_t i = 0; i < e->n; i++) {
		if (e->v[i].start < at || e->v[i].text.oom)
			return -1;
		sb_add(out, orig->data + at, e->v[i].start - at);
		sb_add(out, e->v[i].text.p ? e->v[i].text.p : "", e->v[i].text.n);
		at = e->v[i].end;
	}
	sb_add(out, orig->data + at, orig->len - at);
	return out->oom ? -1 : 0;
}

/* --- the new values --------------------------------------------------------------------------- */

/* 1 if s is well-formed UTF-8 without control characters: what both files can carry and what
 * comes back unchanged (XML turns CR into LF; nothing can carry NUL). */
static int value_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned c = *p, need;
		unsigned long cp;

		if (c < 0x20 || c == 0x7f)
			return 0;
		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			need = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			need = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			need = 3, cp = c & 0x07;
		else
			return 0;
		for (unsigned i = 1; i <= need; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if ((need == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (need == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return 0;
		p += need + 1;
	}
	return 1;
}

static int check_value(struct drover_ctx *ctx, const struct drover_site *site, const char *what,
                       const char *v, size_t size, int required)
{
	if (memchr(v, '\0', size) == NULL)
		return ctx->host->error(ctx, DROVER_E_INVAL, site->domain,
		                        "settings_write: the %s is not a terminated string", what);
	if (required && v[0] == '\0')
		return ctx->host->error(ctx, DROVER_E_INVAL, site->domain,
		                        "cannot write the settings of %s: the new %s is empty",
		                        mg_domain(site), what);
	if (!value_ok(v))
		return ctx->host->error(ctx, DROVER_E_INVAL, site->domain,
		                        "cannot write the settings of %s: the new %s is not UTF-8 "
		                        "text without control characters; Magento's settings files "
		                        "cannot carry it",
		                        mg_domain(site), what);
	return 0;
}

/* The value for Magento's host setting: the host, with the port when there is no separate place
 * for it. *port_out gets what the separate place holds ("" for none). */
static int host_value(struct drover_ctx *ctx, const struct drover_site *site,
                      const struct drover_settings *in, int port_slot, char *out, size_t size,
                      char *port_out, size_t port_size, uint32_t *want_port)
{
	const char *h = in->host, *colon = strchr(h, ':');
	int socket = strchr(h, '/') != NULL, n;

	port_out[0] = '\0';
	/* What settings_read will report: a socket path has no port unless the file has a
	 * separate place for one. */
	*want_port = socket && !port_slot ? 0 : in->port;
	if (h[0] == '[')
		return ctx->host->error(ctx, DROVER_E_INVAL, site->domain,
		                        "cannot write the settings of %s: give the database host "
		                        "'%.64s' without brackets, and the port separately",
		                        mg_domain(site), h);
	if (in->port == 0 || socket) {
		if (socket && in->port != 0 && !port_slot)
			ctx->host->log(ctx, DROVER_LOG_DEBUG,
			               "%s: the host is a socket: port %u not written",
			               mg_domain(site), (unsigned)in->port);
		n = snprintf(out, size, "%s", h);
	} else if (colon != NULL && strchr(colon + 1, ':') == NULL) {
		return ctx->host->error(
		    ctx, DROVER_E_INVAL, site->domain,
		    "cannot write the settings of %s: the database host '%.64s' "
		    "already names a port, and port %u was given too",
		    mg_domain(site), h, (unsigned)in->port);
	} else if (port_slot) {
		n = snprintf(out, size, "%s", h);
	} else {
		n = snprintf(out, size, colon ? "[%s]:%u" : "%s:%u", h, (unsigned)in->port);
	}
	if (n < 0 || (size_t)n >= size)
		return ctx->host->error(ctx, DROVER_E_RANGE, site->domain,
		                        "cannot write the settings of %s: the database host is too "
		                        "long",
		                        mg_domain(site));
	if (port_slot && in->port != 0)
		(void)mg_fmt(port_out, port_size, "%u", (unsigned)in->port);
	return 0;
}

/* --- Magento 1: the raw text of local.xml ---------------------------------------------------- */

/* An element of the text: its start tag, content and end, as byte offsets. */
struct xel {
	size_t tag_start, tag_end;         /* the start tag, or the whole empty-element tag */
	size_t content_start, content_end; /* equal to tag_end for an empty element */
	size_t end;                        /* after the end tag */
	int empty;
	int cdata; /* the content has a CDATA section */
};

#define XI_EOF   0
#define XI_OTHER 1 /* text, comment, CDATA, processing instruction, DOCTYPE */
#define XI_START 2
#define XI_END   3
#define XI_BAD   4

static size_t xfind(const char *d, size_t len, size_t from, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = from; i + n <= len; i++)
		if (memcmp(d + i, s, n) == 0)
			return i;
	return len;
}

static int xstarts(const char *d, size_t len, size_t p, const char *s)
{
	size_t n = strlen(s);

	return len - p >= n && memcmp(d + p, s, n) == 0;
}

/* The item at *pos; *pos moves past it. The text was parsed as well-formed XML before. */
static int xitem(const char *d, size_t len, size_t *pos, size_t *name, size_t *nlen, int *empty)
{
	size_t p = *pos, e, q;

	if (p >= len)
		return XI_EOF;
	if (d[p] != '<') {
		const char *lt = memchr(d + p, '<', len - p);

		*pos = lt ? (size_t)(lt - d) : len;
		return XI_OTHER;
	}
	if (xstarts(d, len, p, "<!--") || xstarts(d, len, p, "<![CDATA[") ||
	    xstarts(d, len, p, "<?")) {
		const char *term = d[p + 1] == '?' ? "?>" : d[p + 2] == '-' ? "-->" : "]]>";

		e = xfind(d, len, p + 2, term);
		if (e == len)
			return XI_BAD;
		*pos = e + strlen(term);
		return XI_OTHER;
	}
	if (xstarts(d, len, p, "<!")) { /* DOCTYPE; one with an internal subset was refused */
		const char *gt = memchr(d + p, '>', len - p);

		if (gt == NULL)
			return XI_BAD;
		*pos = (size_t)(gt - d) + 1;
		return XI_OTHER;
	}
	q = p + 1 + (xstarts(d, len, p, "</") ? 1 : 0);
	*name = q;
	while (q < len && !strchr(" \t\r\n/>", d[q]))
		q++;
	*nlen = q - *name;
	for (; q < len && d[q] != '>'; q++)
		if (d[q] == '"' || d[q] == '\'') {
			const char *close = memchr(d + q + 1, d[q], len - q - 1);

			if (close == NULL)
				return XI_BAD;
			q = (size_t)(close - d);
		}
	if (q >= len || *nlen == 0)
		return XI_BAD;
	*empty = d[q - 1] == '/';
	*pos = q + 1;
	return d[p + 1] == '/' ? XI_END : XI_START;
}

/* The first child element named `name` (NULL: any) in the content [from, to). 1 if found. */
static int xchild(const char *d, size_t from, size_t to, const char *name, struct xel *el)
{
	size_t pos = from, ns = 0, nl = 0;
	int depth = 0, empty = 0;

	while (pos < to) {
		size_t start = pos;
		int k = xitem(d, to, &pos, &ns, &nl, &empty);

		if (k == XI_EOF || k == XI_BAD)
			return 0;
		if (k == XI_END) {
			if (depth-- == 0)
				return 0;
			continue;
		}
		if (k != XI_START)
			continue;
		if (depth > 0 ||
		    (name != NULL && (nl != strlen(name) || memcmp(d + ns, name, nl) != 0))) {
			depth += !empty;
			continue;
		}
		memset(el, 0, sizeof *el);
		el->tag_start = start;
		el->tag_end = el->content_start = el->content_end = el->end = pos;
		el->empty = empty;
		if (empty)
			return 1;
		for (int inner = 1; pos < to;) {
			size_t at = pos;

			k = xitem(d, to, &pos, &ns, &nl, &empty);
			if (k == XI_EOF || k == XI_BAD)
				return 0;
			if (k == XI_START && !empty)
				inner++;
			else if (k == XI_OTHER && xstarts(d, to, at, "<![CDATA["))
				el->cdata |= inner == 1;
			else if (k == XI_END && --inner == 0) {
				el->content_end = at;
				el->end = pos;
				return 1;
			}
		}
		return 0;
	}
	return 0;
}

static void xml_value(struct sbuf *b, const char *v, int cdata)
{
	if (cdata) {
		const char *end;

		sb_str(b, "<![CDATA[");
		/* "]]>" would end the section: end it after "]]" and start a new one for ">". */
		while ((end = strstr(v, "]]>")) != NULL) {
			sb_add(b, v, (size_t)(end - v) + 2);
			sb_str(b, "]]><![CDATA[");
			v = end + 2;
		}
		sb_str(b, v);
		sb_str(b, "]]>");
		return;
	}
	for (; *v; v++) {
		if (*v == '&')
			sb_str(b, "&amp;");
		else if (*v == '<')
			sb_str(b, "&lt;");
		else if (*v == '>')
			sb_str(b, "&gt;");
		else
			sb_add(b, v, 1);
	}
}

static int m1_rewrite(struct drover_ctx *ctx, const struct mg_site *ms,
                      const struct drover_settings *in, struct edits *ed, char *host,
                      size_t host_size, uint32_t *want_port)
{
	static const char *const path[] = {"global", "resources", "default_setup", "connection"};
	const char *d = ms->text.data, *rel = M1_LOCAL_XML;
	struct xel parent, el, h, port;
	char port_text[16], where[TF_PATH_MAX];
	const struct {
		const char *name, *value;
	} fields[] = {
	    {"host", host},
	    {"dbname", in->database},
	    {"username", in->username},
	    {"password", in->password},
	    {"port", port_text},
	};
	int rc, has_port, style;

	if (!xchild(d, 0, ms->text.len, NULL, &parent))
		goto bad;
	for (size_t i = 0; i < sizeof path / sizeof path[0]; i++)
		if (!xchild(d, parent.content_start, parent.content_end, path[i], &parent))
			goto bad;
	if (!xchild(d, parent.content_start, parent.content_end, "host", &h))
		goto bad;
	has_port = xchild(d, parent.content_start, parent.content_end, "port", &port);
	rc = host_value(ctx, ms->site, in, has_port, host, host_size, port_text, sizeof port_text,
	                want_port);
	if (rc != 0)
		return rc;
	style = h.cdata;
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		struct sbuf *t;

		if (!xchild(d, parent.content_start, parent.content_end, fields[i].name, &el)) {
			if (fields[i].value[0] == '\0' || strcmp(fields[i].name, "port") == 0)
				continue;
			/* Add it after <host>, on a line of its own with <host>'s indentation. */
			size_t ind = h.tag_start;

			while (ind > 0 && (d[ind - 1] == ' ' || d[ind - 1] == '\t'))
				ind--;
			t = edit_add(ed, h.end, h.end);
			if (t == NULL)
				return DROVER_E_NOMEM;
			sb_str(t, ind > 0 && d[ind - 1] == '\n' ? "\n" : "");
			sb_add(t, d + ind, ind > 0 && d[ind - 1] == '\n' ? h.tag_start - ind : 0);
		} else if (el.empty) {
			t = edit_add(ed, el.tag_start, el.tag_end);
			if (t == NULL)
				return DROVER_E_NOMEM;
		} else {
			t = edit_add(ed, el.content_start, el.content_end);
			if (t == NULL)
				return DROVER_E_NOMEM;
			xml_value(t, fields[i].value, el.cdata);
			continue;
		}
		sb_str(t, "<");
		sb_str(t, fields[i].name);
		sb_str(t, ">");
		xml_value(t, fields[i].value, style);
		sb_str(t, "</");
		sb_str(t, fields[i].name);
		sb_str(t, ">");
	}
	return 0;
bad:
	/* settings.c read the file and found all of this, so this is drover's own fault. */
	return ctx->host->error(ctx, DROVER_E_FAIL,
	                        tf_where(where, sizeof where, ms->r.path, rel, 0),
	                        "cannot write the settings of %s: the database connection in %s "
	                        "was read but could not be located in its text; nothing was "
	                        "changed: edit the file by hand",
	                        mg_domain(ms->site), rel);
}

/* --- Magento 2: the tokens of env.php ---------------------------------------------------------- */

static void php_value(struct sbuf *b, const char *v)
{
	sb_str(b, "'");
	for (; *v; v++) {
		if (*v == '\\' || *v == '\'')
			sb_str(b, "\\");
		sb_add(b, v, 1);
	}
	sb_str(b, "'");
}

/* The bytes of the one token of value `v` (a quoted string, number or constant). */
static int php_span(const struct tf_buf *b, struct tf_php v, size_t *start, size_t *end)
{
	struct tf_tok t, after;

	tf_php_next(&v, &t);
	tf_php_next(&v, &after);
	if (after.kind != TF_TOK_EOF || t.kind == TF_TOK_EOF)
		return -1;
	*start = (size_t)(t.s - b->data);
	*end = *start + t.n;
	if (t.kind == TF_TOK_STRING) {
		char quote = t.s[-1];

		if ((quote != '\'' && quote != '"') || *end >= b->len || b->data[*end] != quote)
			return -1;
		*start -= 1;
		*end += 1;
	}
	return 0;
}

static int m2_rewrite(struct drover_ctx *ctx, const struct mg_site *ms,
                      const struct drover_settings *in, struct edits *ed, char *host,
                      size_t host_size, uint32_t *want_port)
{
	const struct tf_buf *b = &ms->text;
	struct tf_php top, db, conn, def, v;
	struct tf_php_array a;
	struct tf_tok first;
	char port_text[16], where[TF_PATH_MAX];
	const struct {
		const char *key, *value;
	} fields[] = {
	    {"host", host},
	    {"dbname", in->database},
	    {"username", in->username},
	    {"password", in->password},
	};
	size_t start, end;
	int rc;

	rc = host_value(ctx, ms->site, in, 0, host, host_size, port_text, sizeof port_text,
	                want_port);
	if (rc != 0)
		return rc;
	if (!tf_php_return_value(b->data, b->len, &top) ||
	    tf_php_array_get(top, "db", &db, NULL) != 1 ||
	    tf_php_array_get(db, "connection", &conn, NULL) != 1 ||
	    tf_php_array_get(conn, "default", &def, NULL) != 1 || !tf_php_array_open(def, &a))
		goto bad;
	/* Where a missing entry goes: before the first one, with its indentation. */
	tf_php_next(&a.lx, &first);
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		struct sbuf *t;
		int got = tf_php_array_get(def, fields[i].key, &v, NULL);

		if (got == 1) {
			if (php_span(b, v, &start, &end) != 0)
				goto bad;
			t = edit_add(ed, start, end);
			if (t == NULL)
				return DROVER_E_NOMEM;
			php_value(t, fields[i].value);
			continue;
		}
		if (got != 0)
			goto bad;
		if (fields[i].value[0] == '\0')
			continue;
		/* A string token starts after its quote. */
		start = (size_t)(first.s - b->data) - (first.kind == TF_TOK_STRING ? 1 : 0);
		end = start;
		while (end > 0 && (b->data[end - 1] == ' ' || b->data[end - 1] == '\t'))
			end--;
		t = edit_add(ed, start, start);
		if (t == NULL)
			return DROVER_E_NOMEM;
		sb_str(t, "'");
		sb_str(t, fields[i].key);
		sb_str(t, "' => ");
		php_value(t, fields[i].value);
		sb_str(t, ",");
		if (end > 0 && b->data[end - 1] == '\n') {
			sb_str(t, "\n");
			sb_add(t, b->data + end, start - end);
		} else {
			sb_str(t, " ");
		}
	}
	if (tf_php_array_get(def, "port", &v, NULL) == 1) {
		struct sbuf *t;

		if (php_span(b, v, &start, &end) != 0)
			goto bad;
		t = edit_add(ed, start, end);
		if (t == NULL)
			return DROVER_E_NOMEM;
		sb_str(t, "null");
	}
	return 0;
bad:
	return ctx->host->error(ctx, DROVER_E_FAIL,
	                        tf_where(where, sizeof where, ms->r.path, M2_ENV_PHP, 0),
	                        "cannot write the settings of %s: the database connection in %s "
	                        "was read but could not be located in its text; nothing was "
	                        "changed: edit the file by hand",
	                        mg_domain(ms->site), M2_ENV_PHP);
}

/* --- the op ----------------------------------------------------------------------------------- */

int mg_settings_write(struct drover_ctx *ctx, const struct drover_site *site,
                      const struct drover_settings *in)
{
	const char *rel;
	struct drover_settings check;
	struct edits ed = {.n = 0};
	struct sbuf out = {NULL, 0, 0, 0};
	struct tf_buf nb;
	struct mg_site ms;
	char host[sizeof in->host + 16], where[TF_PATH_MAX];
	uint32_t want_port = 0;
	int rc;

	if (in == NULL || site == NULL)
		return ctx->host->error(ctx, DROVER_E_INVAL, NULL,
		                        "settings_write called without a site or settings");
	if (in->struct_size < offsetof(struct drover_settings, prefix))
		return ctx->host->error(
		    ctx, DROVER_E_INVAL, site->domain,
		    "settings_write: the settings struct is too small (%u bytes)",
		    (unsigned)in->struct_size);
	if ((rc = check_value(ctx, site, "driver", in->driver, sizeof in->driver, 0)) != 0 ||
	    (rc = check_value(ctx, site, "database name", in->database, sizeof in->database, 1)) !=
	        0 ||
	    (rc = check_value(ctx, site, "database user", in->username, sizeof in->username, 0)) !=
	        0 ||
	    (rc = check_value(ctx, site, "database password", in->password, sizeof in->password,
	                      0)) != 0 ||
	    (rc = check_value(ctx, site, "database host", in->host, sizeof in->host, 1)) != 0)
		return rc;
	if (in->driver[0] != '\0' && strcmp(in->driver, "mysql") != 0 &&
	    strcmp(in->driver, "sqlite") != 0)
		return ctx->host->error(ctx, DROVER_E_INVAL, site->domain,
		                        "cannot write the settings of %s: Magento sites use MySQL "
		                        "(or drover's SQLite db server), not '%s'",
		                        mg_domain(site), in->driver);
	if (in->port > 65535)
		return ctx->host->error(ctx, DROVER_E_INVAL, site->domain,
		                        "cannot write the settings of %s: port %u is out of range",
		                        mg_domain(site), (unsigned)in->port);
	/* Reading the file first proves that we understand it: only then do we change it. */
	rc = mg_site_open(ctx, site, "write the site's settings", MG_SETTINGS | MG_KEEP_TEXT, &ms);
	if (rc != 0)
		return rc;
	rel = ms.gen == 1 ? M1_LOCAL_XML : M2_ENV_PHP;
	rc = ms.gen == 1 ? m1_rewrite(ctx, &ms, in, &ed, host, sizeof host, &want_port)
	                 : m2_rewrite(ctx, &ms, in, &ed, host, sizeof host, &want_port);
	if (rc == DROVER_E_NOMEM || (rc == 0 && edits_apply(&ms.text, &ed, &out) != 0))
		rc = ctx->host->error(ctx, DROVER_E_NOMEM, rel, "out of memory writing %s", rel);
	if (rc != 0)
		goto out;
	nb.data = out.p;
	nb.len = out.n;
	memset(&check, 0, sizeof check);
	check.struct_size = (uint32_t)sizeof check;
	rc = mg_settings_parse(ctx, &ms.r, ms.gen, &nb, &check);
	if (rc == 0 &&
	    (strcmp(check.host, in->host) != 0 || check.port != want_port ||
	     strcmp(check.database, in->database) != 0 ||
	     strcmp(check.username, in->username) != 0 ||
	     strcmp(check.password, in->password) != 0 || strcmp(check.prefix, ms.s.prefix) != 0))
		rc = ctx->host->error(
		    ctx, DROVER_E_FAIL, tf_where(where, sizeof where, ms.r.path, rel, 0),
		    "cannot write the settings of %s: the rewritten %s would not read back as the "
		    "new credentials; nothing was changed: edit the file by hand",
		    mg_domain(site), rel);
	if (rc == 0)
		rc = mg_replace_file(ctx, &ms.r, rel, out.p, out.n);
	if (rc == 0)
		ctx->host->log(ctx, DROVER_LOG_DEBUG, "%s: new database credentials written to %s",
		               mg_domain(site), rel);
out:
	explicit_bzero(&check, sizeof check);
	explicit_bzero(host, sizeof host);
	sb_free(&out);
	edits_free(&ed);
	mg_site_close(&ms);
	return rc;
}
