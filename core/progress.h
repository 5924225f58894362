/* progress.h: bytes done, rate and time left of long work, on a terminal only. */
#ifndef DROVER_PROGRESS_H
#define DROVER_PROGRESS_H

#include <stdint.h>

struct progress {
	char label[96];
	uint64_t total; /* 0 = unknown: no ETA */
	double start, last;
	int on; /* stderr is a terminal and not --quiet */
	int shown;
};

void progress_start(struct progress *p, const char *label, uint64_t total, int quiet);
/* At most ten redraws a second. */
void progress_update(struct progress *p, uint64_t done);
/* Clear the line (the caller prints its summary). */
void progress_end(struct progress *p);

#endif
