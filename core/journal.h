/*
 * journal.h: the step engine. A mutating command is a task made of steps; the registry (WAL,
 * synchronous=FULL) records each step before it runs, with what its undo needs. A failure undoes
 * the steps done in reverse; a crash leaves the journal to `drover recover`, which undoes an
 * unfinished task, or completes one that passed its point of no return.
 *
 * A step kind has a name, `run`, `undo` and `finish`. run writes what its undo needs into its
 * data and calls task_save() before it acts. undo and finish work from that data alone, so that a
 * later process can run them after a crash, and are idempotent: a crash can come before, during
 * or after the step did anything. A step with a `finish` is a point of no return: once it is
 * done, a failure or a crash completes the task (runs every finish) instead of undoing it.
 *
 * Failpoints: DROVER_FAILPOINT="<task kind>.<step name>.<before|after>=<error|kill>" makes the
 * step fail (or the process die with SIGKILL) just before it runs or just after it ran, once the
 * journal says so. Used by the fault tests.
 */
#ifndef DROVER_JOURNAL_H
#define DROVER_JOURNAL_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "app.h"
#include "registry.h"

#define J_DATA_MAX 2048

struct task;

struct jstep {
	const char *name;
	int (*run)(struct task *t, void *ctx);
	/* Undo from the step's data alone; idempotent. NULL: nothing to undo. */
	int (*undo)(struct app *a, const char *data);
	/* Complete from the step's data alone; idempotent. Non-NULL only for the point of no
	 * return. */
	int (*finish)(struct app *a, const char *data);
};

/* A pipeline: its task kind and its step kinds (NULL-terminated), for recover. */
struct jpipeline {
	const char *kind;
	const struct jstep *const *steps;
};
/* Every pipeline recover may meet, NULL-terminated: the core's (pipelines.c); tests may point
 * it at their own. */
extern const struct jpipeline *const *journal_pipelines;

struct task {
	struct app *a;
	struct reg *reg;
	struct reg_task r;
	int seq;
	int no_return;         /* passed the point of no return */
	char data[J_DATA_MAX]; /* the current step's undo data (jdata_set) */
	struct reg_step cur;   /* the current step's journal row */
	FILE *log;             /* the task's log: <data_dir>/tasks/<id>.log */
};

/* Begin a task on a site (domain may be "" for platform tasks). Runs recovery of dead tasks
 * first. DROVER_E_BUSY names the task that holds the site. */
int task_begin(struct app *a, const char *kind, const char *domain, int64_t site_id,
               int64_t platform_id, const char *args, struct task *t);

/* Run one step: journal "running", failpoint, run, failpoint, journal "done" or "failed". */
int task_step(struct task *t, const struct jstep *k, void *ctx);

/* Persist t->data into the running step's journal row: call before acting. */
int task_save(struct task *t);

/* End the task: rc == 0 done; else undo every step, in reverse (or, past the point of no
 * return, finish) and record the outcome. Returns rc, or 0 when the task was past its point of
 * no return and the finish completed it (the failure is logged as a warning). */
int task_end(struct task *t, int rc);

/* A line in the task's log (and at debug level on stderr). */
void task_log(struct task *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A command run during a step (an adapter's host->run): its exit status and captured, redacted
 * output into that task's log; nothing outside a step. */
void task_log_output(const char *what, int status, const char *out, size_t len);

/* Settle every task whose process is gone, and every failed one: *n gets how many were settled,
 * *failed how many could not be (a->err then holds the first reason). */
int task_recover(struct app *a, int *n, int *failed);

/* Key=value undo data: "key=value\n" lines; values may not hold newlines. */
int jdata_set(char *data, size_t size, const char *key, const char *value);
const char *jdata_get(const char *data, const char *key, char *buf, size_t size);

#endif
