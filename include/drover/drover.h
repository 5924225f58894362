/*
 * drover/drover.h: everything an adapter needs. Adapters include this header and nothing else
 * from drover.
 */
#ifndef DROVER_DROVER_H
#define DROVER_DROVER_H

#include <drover/status.h>
#include <drover/adapter.h>

#endif /* DROVER_DROVER_H */
