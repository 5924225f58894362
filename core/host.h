/* host.h: the service table the core hands to adapters, and call contexts. */
#ifndef DROVER_HOST_H
#define DROVER_HOST_H

#include <drover/adapter.h>

struct ldr_entry;

extern const struct drover_host host_table;

/* Prepare a ctx for one call into adapter `e`, with errors going to `err`. */
void host_ctx_init(struct drover_ctx *ctx, const struct ldr_entry *e, struct drover_error *err);

#endif
