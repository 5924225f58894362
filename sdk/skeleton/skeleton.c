/*
 * skeleton.c: the smallest correct drover adapter, a starting point for your own.
 *
 * It recognises a tree whose root holds a marker file (skeleton.txt by default; the option
 * `marker` names another) with a line `version=1.2.3`, and does nothing else: it sets no cap bit,
 * so the core never calls any op but probe. Copy this directory, rename the file, the adapter and
 * the module after your CMS (they must all be the same name), then add ops one cap bit at a time.
 * The SDK guide (README.md one directory up, installed as share/doc/drover/sdk/README.md) walks
 * through it and states the whole contract.
 *
 * Rules this file follows, which every adapter must:
 *   - one exported symbol, made by DROVER_ADAPTER_DEFINE; everything else is static;
 *   - no output on stdout or stderr, no exit(): log with host->log, fail with host->error;
 *   - memory that outlives a call comes from host->alloc and goes back through host->free;
 *   - probe answers DROVER_E_NOTMINE, without calling host->error, for any tree that is not ours.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <drover/drover.h>

#define SKELETON_VERSION "0.1.0"
#define MARKER_DEFAULT   "skeleton.txt"
#define MARKER_MAX       4096 /* bytes: a marker file is a few lines; refuse anything bigger */

/* What init reads once and every op may use: lives from init to fini, in host memory. */
struct skel_state {
	char marker[256]; /* the marker file's name, relative to a platform root */
};

/* The adapter's configuration, `adapters: { skeleton: { marker = "..."; }; };`. The core checks
 * keys, types and ranges against this table before any op runs. */
static const struct drover_option skel_options[] = {
    {"marker", DROVER_OPT_STRING, 0, 0, 0, MARKER_DEFAULT,
     "the file whose presence at a tree's root marks a skeleton platform"},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};

/* Reads and checks the options into a fresh state. */
static int read_options(struct drover_ctx *ctx, struct skel_state *st)
{
	const struct drover_host *h = ctx->host;
	int rc = h->cfg_str(ctx, "marker", st->marker, sizeof(st->marker));

	if (rc == DROVER_E_RANGE)
		return h->error(ctx, DROVER_E_CONFIG, "adapters.skeleton.marker",
		                "the marker name is longer than %zu bytes: choose a shorter one",
		                sizeof(st->marker) - 1);
	if (rc != 0)
		return h->error(ctx, DROVER_E_CONFIG, "adapters.skeleton.marker",
		                "cannot read the option (%s): it must be a string such as \"%s\"",
		                drover_strerror(rc), MARKER_DEFAULT);
	if (st->marker[0] == '\0' || strchr(st->marker, '/') || strcmp(st->marker, ".") == 0 ||
	    strcmp(st->marker, "..") == 0)
		return h->error(ctx, DROVER_E_CONFIG, "adapters.skeleton.marker",
		                "'%s' is not a file name: give a name such as \"%s\", without '/'",
		                st->marker, MARKER_DEFAULT);
	return 0;
}

/* init runs once after the loader accepted the descriptor. A non-zero return rejects the adapter
 * with the error recorded, and then fini is never called: free what was made before returning. */
static int skel_init(struct drover_ctx *ctx)
{
	struct skel_state *st = ctx->host->alloc(ctx, sizeof(*st));
	int rc;

	if (!st)
		return ctx->host->error(ctx, DROVER_E_NOMEM, NULL,
		                        "skeleton: out of memory in init");
	rc = read_options(ctx, st);
	if (rc != 0) {
		ctx->host->free(ctx, st);
		return rc;
	}
	ctx->state = st;
	return 0;
}

/* fini runs once before the adapter is unloaded, only if init succeeded, and cannot fail. */
static void skel_fini(struct drover_ctx *ctx)
{
	ctx->host->free(ctx, ctx->state);
	ctx->state = NULL;
}

/* A version is digits and dots, starting with a digit; its leading number is the generation. */
static int parse_version(const char *v, uint32_t *generation)
{
	uint32_t g = 0;
	size_t i;

	if (v[0] < '0' || v[0] > '9')
		return -1;
	for (i = 0; v[i] >= '0' && v[i] <= '9'; i++) {
		if (g > 99999)
			return -1;
		g = g * 10 + (uint32_t)(v[i] - '0');
	}
	for (; v[i]; i++)
		if (!(v[i] == '.' || (v[i] >= '0' && v[i] <= '9')) ||
		    (v[i] == '.' && (v[i + 1] < '0' || v[i + 1] > '9')))
			return -1;
	*generation = g;
	return 0;
}

/* Whether a field of the core's probe result lies within the struct_size the core gave: always
 * true for the fields of ABI 1.0; the pattern matters for fields added later. */
#define FITS(out, field) \
	((size_t)(out)->struct_size >= offsetof(struct drover_probe, field) + sizeof((out)->field))

static int skel_probe(struct drover_ctx *ctx, const char *root, struct drover_probe *out)
{
	const struct drover_host *h = ctx->host;
	const struct skel_state *st = ctx->state;
	char path[4096], data[MARKER_MAX + 1], *line, *next;
	const char *version = NULL;
	unsigned lineno = 0, version_line = 0;
	uint32_t generation;
	struct stat sb;
	ssize_t n;
	size_t len = 0;
	int fd, rc = 0;

	n = snprintf(path, sizeof(path), "%s/%s", root, st->marker);
	if (n < 0 || (size_t)n >= sizeof(path))
		return DROVER_E_NOTMINE; /* no tree of ours has a path that long */

	/* O_NONBLOCK: a FIFO planted where the marker should be must not hang the probe. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return DROVER_E_NOTMINE; /* the usual answer: not ours, and not an error */
		return h->error(ctx, DROVER_E_IO, path,
		                "cannot open the skeleton marker: %s; make the platform readable "
		                "by the user drover runs as",
		                strerror(errno));
	}
	if (fstat(fd, &sb) != 0) {
		rc = h->error(ctx, DROVER_E_IO, path, "cannot stat the skeleton marker: %s",
		              strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		rc = h->error(ctx, DROVER_E_IO, path,
		              "the skeleton marker is not a regular file: replace it with a text "
		              "file holding version=X.Y.Z");
		goto out;
	}
	while (len < sizeof(data) && (n = read(fd, data + len, sizeof(data) - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = h->error(ctx, DROVER_E_IO, path, "cannot read the skeleton marker: %s",
			              strerror(errno));
			goto out;
		}
		len += (size_t)n;
	}
	if (len > MARKER_MAX) {
		rc = h->error(ctx, DROVER_E_RANGE, path,
		              "the skeleton marker is larger than %d bytes, which no marker is: "
		              "check that it is the right file",
		              MARKER_MAX);
		goto out;
	}
	data[len] = '\0';

	/* Lines of key=value; `#` starts a comment line; a later `version` wins. */
	for (line = data; line; line = next) {
		char *eq;

		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		eq = strchr(line, '=');
		if (eq && (size_t)(eq - line) == strlen("version") &&
		    strncmp(line, "version", strlen("version")) == 0) {
			version = eq + 1;
			version_line = lineno;
		}
	}
	if (!version) {
		rc = h->error(ctx, DROVER_E_PARSE, path,
		              "the skeleton marker has no version line: add one such as "
		              "version=1.2.3");
		goto out;
	}
	if (parse_version(version, &generation) != 0 ||
	    strlen(version) >= sizeof(out->core_version)) {
		char where[4200];
		n = snprintf(where, sizeof(where), "%s:%u", path, version_line);
		rc = h->error(
		    ctx, DROVER_E_PARSE, n > 0 && (size_t)n < sizeof(where) ? where : path,
		    "version '%.64s' is not digits and dots (like 1.2.3): correct it", version);
		goto out;
	}

	if (FITS(out, generation))
		out->generation = generation;
	if (FITS(out, cms))
		(void)snprintf(out->cms, sizeof(out->cms), "%s", "skeleton");
	if (FITS(out, distribution))
		(void)snprintf(out->distribution, sizeof(out->distribution), "%s", "skeleton");
	if (FITS(out, core_version))
		(void)snprintf(out->core_version, sizeof(out->core_version), "%s", version);
	if (FITS(out, line))
		out->line = 0; /* 0: the same as generation, so sites move only within one */
	h->log(ctx, DROVER_LOG_DEBUG, "skeleton %s found at %s", version, root);
out:
	close(fd);
	return rc;
}

/* Only probe: no cap bit is set, so every other op stays NULL and the core never calls one. */
static const struct drover_ops skel_ops = {
    DROVER_OPS_INIT,
    .probe = skel_probe,
};

/* The one exported symbol, skeleton_LTX_drover_adapter. The first argument must equal the
 * module's file name (skeleton.so). */
DROVER_ADAPTER_DEFINE(skeleton, .version = SKELETON_VERSION, .vendor = "Example Vendor",
                      .license = "MIT",
                      .description = "skeleton adapter from the drover SDK: probe only", .caps = 0,
                      .init = skel_init, .fini = skel_fini, .ops = &skel_ops,
                      .options = skel_options);
