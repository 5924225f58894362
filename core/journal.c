/* journal.c: the step engine: every step journaled before it runs, undone in reverse on failure,
 * recovered after a crash. */
#include "journal.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backup.h"
#include "error.h"
#include "inventory.h"
#include "util.h"

/* ---- undo data -------------------------------------------------------------------------------- */

int jdata_set(char *data, size_t size, const char *key, const char *value)
{
	size_t used = strlen(data);

	if (strchr(value, '\n') || strchr(key, '='))
		return DROVER_E_INVAL;
	return str_fmt(data + used, size - used, "%s=%s\n", key, value);
}

const char *jdata_get(const char *data, const char *key, char *buf, size_t size)
{
	size_t k = strlen(key);

	for (const char *p = data; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len > k && strncmp(p, key, k) == 0 && p[k] == '=') {
			size_t n = len - k - 1;
			if (n >= size)
				n = size - 1;
			memcpy(buf, p + k + 1, n);
			buf[n] = '\0';
			return buf;
		}
		p = nl ? nl + 1 : NULL;
	}
	buf[0] = '\0';
	return NULL;
}

/* ---- the task log ----------------------------------------------------------------------------- */

void task_log(struct task *t, const char *fmt, ...)
{
	char line[1024], when[32];
	time_t now = time(NULL);
	struct tm tm;
	va_list ap;

	va_start(ap, fmt);
	(void)str_vfmt(line, sizeof(line), fmt, ap);
	va_end(ap);
	localtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	if (t->log) {
		fprintf(t->log, "%s %s\n", when, line);
		fflush(t->log);
	}
	log_msg(DROVER_LOG_DEBUG, "task %lld: %s", (long long)t->r.id, line);
}

/* The task whose step is running: what the commands an adapter runs print goes to its log. */
static struct task *stepping;

void task_log_output(const char *what, int status, const char *out, size_t len)
{
	const char *p = out, *end = out + len;
	int lines = 0;

	if (!stepping || !stepping->log)
		return;
	task_log(stepping, "ran %s: exit %d%s", what, status, len ? "; its output:" : "");
	/* At most 400 lines: enough for an update run, not a flood from a runaway command. */
	while (p && p < end && lines < 400) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		fprintf(stepping->log, "    | %.*s\n", (int)n, p);
		lines++;
		p = nl ? nl + 1 : end;
	}
	if (p && p < end)
		fprintf(stepping->log, "    | (%zu more bytes not kept)\n", (size_t)(end - p));
	fflush(stepping->log);
}

static void open_log(struct task *t)
{
	char dir[PATH_MAX], path[PATH_MAX];

	if (path_join(dir, sizeof(dir), t->a->cfg.data_dir, "tasks") != 0 ||
	    path_mkdirs(dir, 0700) != 0 ||
	    str_fmt(path, sizeof(path), "%s/%lld.log", dir, (long long)t->r.id) != 0)
		return;
	t->log = fopen(path, "a");
}

/* ---- steps ------------------------------------------------------------------------------------ */

static const struct jstep *find_kind(const char *task_kind, const char *step)
{
	for (size_t i = 0; journal_pipelines[i]; i++) {
		const struct jpipeline *p = journal_pipelines[i];
		if (strcmp(p->kind, task_kind) != 0)
			continue;
		for (size_t k = 0; p->steps[k]; k++)
			if (strcmp(p->steps[k]->name, step) == 0)
				return p->steps[k];
	}
	return NULL;
}

/* DROVER_FAILPOINT=<kind>.<step>.<before|after>=<error|kill> */
static int failpoint(struct task *t, const char *step, const char *when)
{
	const char *fp = getenv("DROVER_FAILPOINT"), *eq;
	char name[160];

	if (!fp || !(eq = strchr(fp, '=')))
		return 0;
	if (str_fmt(name, sizeof(name), "%s.%s.%s", t->r.kind, step, when) != 0 ||
	    strlen(name) != (size_t)(eq - fp) || strncmp(fp, name, (size_t)(eq - fp)) != 0)
		return 0;
	task_log(t, "failpoint %s: %s", name, eq + 1);
	if (strcmp(eq + 1, "kill") == 0) {
		if (t->log)
			fflush(t->log);
		raise(SIGKILL);
	}
	return err_set(&t->a->err, DROVER_E_FAIL, name, "failpoint %s reached (DROVER_FAILPOINT)",
	               name);
}

int task_save(struct task *t)
{
	(void)str_copy(t->cur.undo_data, sizeof(t->cur.undo_data), t->data);
	return reg_step_put(t->reg, &t->cur, &t->a->err);
}

int task_step(struct task *t, const struct jstep *k, void *ctx)
{
	char line[1100];
	int rc;

	memset(&t->cur, 0, sizeof(t->cur));
	t->data[0] = '\0';
	t->cur.task_id = t->r.id;
	t->cur.seq = ++t->seq;
	(void)str_copy(t->cur.name, sizeof(t->cur.name), k->name);
	(void)str_copy(t->cur.state, sizeof(t->cur.state), "running");
	t->cur.started_at = (int64_t)time(NULL);
	/* Journal first: whatever happens next, recover knows this step may have begun. */
	if ((rc = reg_step_put(t->reg, &t->cur, &t->a->err)) != 0)
		return rc;
	task_log(t, "step %d %s: start", t->cur.seq, k->name);
	rc = failpoint(t, k->name, "before");
	if (rc == 0) {
		struct task *outer = stepping;
		stepping = t;
		rc = k->run(t, ctx);
		stepping = outer;
	}
	if (rc == 0)
		rc = failpoint(t, k->name, "after");
	(void)str_copy(t->cur.undo_data, sizeof(t->cur.undo_data), t->data);
	(void)str_copy(t->cur.state, sizeof(t->cur.state), rc ? "failed" : "done");
	t->cur.ended_at = (int64_t)time(NULL);
	if (rc) {
		if (!t->a->err.code)
			err_set(&t->a->err, rc, k->name, "step %s failed: %s", k->name,
			        drover_strerror(rc));
		(void)str_copy(t->cur.message, sizeof(t->cur.message),
		               err_line(&t->a->err, line, sizeof(line)));
	}
	task_log(t, "step %d %s: %s%s%s", t->cur.seq, k->name, t->cur.state, rc ? ": " : "",
	         rc ? t->cur.message : "");
	{
		/* Record the outcome even when the step failed with an error in a->err. Unsynced:
		 * nothing happens before the next record (the next step's "running", the task's end,
		 * an undo's "undoing"), whose sync makes this one durable too; a crash before it
		 * leaves the step "running", which recover undoes or, past the point of no return,
		 * finishes, as for a crash inside the step. */
		struct drover_error e2;
		err_clear(&e2);
		int prc = reg_step_put_unsynced(t->reg, &t->cur, &e2);
		if (rc == 0 && prc)
			rc = err_set(&t->a->err, prc, NULL, "%s", e2.message);
	}
	if (rc == 0 && k->finish)
		t->no_return = 1;
	return rc;
}

/* ---- ending, undoing, completing -------------------------------------------------------------- */

struct steps {
	struct reg_step *v;
	size_t n, cap;
};

static int collect_step(void *arg, const struct reg_step *s)
{
	struct steps *l = arg;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct reg_step *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return DROVER_E_NOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *s;
	return 0;
}

/*
 * Bring a task to an end from its journal alone: past its point of no return, finish it;
 * otherwise undo every step that began, newest first. Returns 0 if that worked (the task is
 * done or rolled back), else the first error (the task stays failed, the journal keeps it).
 */
static int settle(struct app *a, struct reg *reg, const struct reg_task *rt, FILE *log,
                  const char **outcome)
{
	struct steps l = {0};
	struct drover_error e;
	int rc, no_return = 0, first = 0;

	err_clear(&e);
	if ((rc = reg_step_foreach(reg, rt->id, collect_step, &l, &e)) != 0) {
		free(l.v);
		return err_set(&a->err, rc, NULL, "%s", e.message);
	}
	for (size_t i = 0; i < l.n; i++) {
		const struct jstep *k = find_kind(rt->kind, l.v[i].name);
		if (k && k->finish && strcmp(l.v[i].state, "done") == 0)
			no_return = 1;
	}
	*outcome = no_return ? "done" : "rolled_back";
	for (size_t n = l.n; n-- > 0;) {
		struct reg_step *s = &l.v[no_return ? l.n - 1 - n : n];
		const struct jstep *k = find_kind(rt->kind, s->name);
		int (*fn)(struct app *, const char *) =
		    k ? (no_return ? k->finish : k->undo) : NULL;

		if (!no_return && strcmp(s->state, "undone") == 0)
			continue;
		if (!k) {
			rc = err_set(
			    &a->err, DROVER_E_CORRUPT, s->name,
			    "task %lld: step %s is unknown to this drover: it cannot be undone",
			    (long long)rt->id, s->name);
			break;
		}
		if (!fn)
			continue;
		if (!no_return) {
			(void)str_copy(s->state, sizeof(s->state), "undoing");
			reg_step_put(reg, s, &e);
		}
		err_clear(&a->err);
		rc = fn(a, s->undo_data);
		if (log)
			fprintf(log, "%s step %d %s: %s%s\n", no_return ? "finish" : "undo", s->seq,
			        s->name, rc ? "failed: " : "ok", rc ? a->err.message : "");
		if (rc) {
			first = first ? first : rc;
			if (!no_return)
				break; /* undo stops at the first step it cannot undo: order matters */
			continue;
		}
		if (!no_return) {
			(void)str_copy(s->state, sizeof(s->state), "undone");
			reg_step_put(reg, s, &e);
		}
	}
	free(l.v);
	return first ? first : rc;
}

int task_end(struct task *t, int rc)
{
	char line[1100];
	const char *outcome = "done";
	struct drover_error keep;

	if (rc == 0) {
		task_log(t, "task done");
		rc = reg_task_set_state(t->reg, t->r.id, "done", NULL, &t->a->err);
	} else {
		keep = t->a->err;
		err_line(&keep, line, sizeof(line));
		task_log(t, "task failed: %s; %s", line,
		         t->no_return ? "completing it (past its point of no return)"
		                      : "undoing its steps");
		if (settle(t->a, t->reg, &t->r, t->log, &outcome) != 0) {
			char why[1100];
			err_line(&t->a->err, why, sizeof(why));
			task_log(t, "could not settle: %s", why);
			reg_task_set_state(t->reg, t->r.id, "failed", why, NULL);
			log_msg(DROVER_LOG_ERR,
			        "task %lld could not be undone (%s): the journal keeps it; "
			        "fix the cause and run 'drover recover'",
			        (long long)t->r.id, why);
		} else {
			reg_task_set_state(t->reg, t->r.id, outcome, line, NULL);
		}
		t->a->err = keep; /* the error that stopped the task is the one to report */
		if (strcmp(outcome, "done") == 0 && t->no_return) {
			/* Completed: past its point of no return the finish did the failed step's
			 * work, so the task is done, not failed (nor rolled back, as exit status 1
			 * would say); the failure is worth a warning. */
			log_msg(
			    DROVER_LOG_WARNING,
			    "task %lld: %s; it was past its point of no return and was completed",
			    (long long)t->r.id, line);
			err_clear(&t->a->err);
			rc = 0;
		}
	}
	if (t->log)
		fclose(t->log);
	t->log = NULL;
	return rc;
}

/* ---- starting, recovering --------------------------------------------------------------------- */

static int pid_alive(int64_t pid)
{
	if (pid == (int64_t)getpid())
		return 1; /* ours: running right here */
	if (pid <= 0)
		return 0;
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

struct tasks {
	struct reg_task *v;
	size_t n, cap;
};

static int collect_task(void *arg, const struct reg_task *t)
{
	struct tasks *l = arg;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct reg_task *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return DROVER_E_NOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *t;
	return 0;
}

int task_recover(struct app *a, int *n, int *failed)
{
	struct tasks l = {0};
	struct reg *reg;
	struct drover_error first;
	int rc;

	*n = 0;
	*failed = 0;
	err_clear(&first);
	if ((rc = inv_registry(a, &reg)) != 0)
		return rc;
	{
		/* Backups are not tasks, but a killed one leaves a work directory and a partial
		 * archive behind: the same sweep clears them. */
		int swept = 0;
		bk_sweep(a, &swept);
		if (swept)
			log_msg(DROVER_LOG_INFO, "removed %d leftover%s of interrupted backups",
			        swept, swept == 1 ? "" : "s");
	}
	if ((rc = reg_task_foreach(reg, 1, collect_task, &l, &a->err)) != 0) {
		free(l.v);
		return rc;
	}
	for (size_t i = 0; i < l.n; i++) {
		struct task t;
		const char *outcome = "rolled_back";
		if (strcmp(l.v[i].state, "failed") != 0 && pid_alive(l.v[i].pid))
			continue; /* still at work (a failed one is not: it waits for us) */
		memset(&t, 0, sizeof(t));
		t.a = a;
		t.reg = reg;
		t.r = l.v[i];
		open_log(&t);
		task_log(&t, "recover: %s; settling the task from its journal",
		         strcmp(l.v[i].state, "failed") == 0 ? "it could not be undone before"
		                                             : "its process is gone");
		reg_task_set_state(reg, l.v[i].id, "recovering", NULL, &a->err);
		reg_task_set_pid(reg, l.v[i].id, (int64_t)getpid(), &a->err);
		err_clear(&a->err);
		rc = settle(a, reg, &l.v[i], t.log, &outcome);
		if (rc) {
			char why[1100];
			err_line(&a->err, why, sizeof(why));
			task_log(&t, "recover failed: %s", why);
			reg_task_set_state(reg, l.v[i].id, "failed", why, NULL);
			if (!first.code)
				first = a->err;
			(*failed)++;
		} else {
			task_log(&t, "recovered: %s", outcome);
			reg_task_set_state(reg, l.v[i].id, outcome, "interrupted; recovered", NULL);
			(*n)++;
		}
		if (t.log)
			fclose(t.log);
	}
	free(l.v);
	/* One task that cannot be settled does not keep the others (or other sites) waiting. */
	err_clear(&a->err);
	if (first.code)
		a->err = first;
	return 0;
}

int task_begin(struct app *a, const char *kind, const char *domain, int64_t site_id,
               int64_t platform_id, const char *args, struct task *t)
{
	int rc, n, failed;

	memset(t, 0, sizeof(*t));
	t->a = a;
	if ((rc = inv_registry(a, &t->reg)) != 0)
		return rc;
	/* Every mutating command first settles what a crash left behind. */
	if ((rc = task_recover(a, &n, &failed)) != 0)
		return rc;
	if (failed) {
		char why[1100];
		log_msg(DROVER_LOG_WARNING, "%d interrupted task%s could not be settled: %s",
		        failed, failed == 1 ? "" : "s", err_line(&a->err, why, sizeof(why)));
		err_clear(&a->err);
	}
	if (n)
		log_msg(DROVER_LOG_WARNING,
		        "recovered %d interrupted task%s first (see 'drover tasks')", n,
		        n == 1 ? "" : "s");
	(void)str_copy(t->r.kind, sizeof(t->r.kind), kind);
	(void)str_copy(t->r.site_domain, sizeof(t->r.site_domain), domain ? domain : "");
	(void)str_copy(t->r.args, sizeof(t->r.args), args ? args : "");
	t->r.site_id = site_id;
	t->r.platform_id = platform_id;
	t->r.pid = (int64_t)getpid();
	if ((rc = reg_task_start(t->reg, &t->r, &a->err)) != 0)
		return rc;
	open_log(t);
	task_log(t, "task %lld: %s %s %s", (long long)t->r.id, kind, domain ? domain : "",
	         args ? args : "");
	return 0;
}
