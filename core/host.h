/* host.h: the service table the core hands to adapters, and call contexts. */
#ifndef DROVER_HOST_H
#define DROVER_HOST_H

#include <drover/adapter.h>

struct ldr_entry;

extern const struct drover_host host_table;

/* Prepare a ctx for one call into adapter `e`, with errors going to `err`. */
void host_ctx_init(struct drover_ctx *ctx, const struct ldr_entry *e, struct drover_error *err);

/* While a capture runs, warnings adapters log are collected instead of printed: a command
 * reports them with what they are about (a scan's skipped files). One at a time. */
struct host_capture {
	char **lines; /* malloc'd, each malloc'd; the caller frees them */
	size_t n, cap;
};
void host_capture_start(struct host_capture *c);
void host_capture_stop(void);

#endif
