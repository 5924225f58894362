/* progress.c: one line on stderr, redrawn in place, only when a person is watching. */
#include "progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void progress_start(struct progress *p, const char *label, uint64_t total, int quiet)
{
	(void)str_copy(p->label, sizeof(p->label), label);
	p->total = total;
	p->start = p->last = now();
	p->on = !quiet && isatty(2);
	p->shown = 0;
}

void progress_update(struct progress *p, uint64_t done)
{
	double t = now(), rate;
	const double mib = 1024.0 * 1024.0;

	if (!p->on || t - p->last < 0.1)
		return;
	p->last = t;
	rate = t > p->start ? (double)done / (t - p->start) : 0;
	if (p->total && rate > 0 && done <= p->total) {
		double left = (double)(p->total - done) / rate;
		fprintf(stderr, "\r%s: %.1f/%.1f MiB, %.1f MiB/s, %d:%02d left   ", p->label,
		        (double)done / mib, (double)p->total / mib, rate / mib, (int)left / 60,
		        (int)left % 60);
	} else {
		fprintf(stderr, "\r%s: %.1f MiB, %.1f MiB/s   ", p->label, (double)done / mib,
		        rate / mib);
	}
	p->shown = 1;
}

void progress_end(struct progress *p)
{
	if (p->on && p->shown)
		fprintf(stderr, "\r\033[K");
	p->shown = 0;
}
