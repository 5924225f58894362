/*
 * t_journal.c: the step engine with a pipeline of its own whose steps make and remove files:
 * done, failed and undone, refused while another task holds the site, killed with SIGKILL and
 * recovered (undone before the point of no return, completed after it), an undo that fails.
 * Real processes, a real registry.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app.h"
#include "error.h"
#include "inventory.h"
#include "journal.h"
#include "registry.h"
#include "tap.h"
#include "util.h"

static char base[4096];

static int exists(const char *name)
{
	char path[4200];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", base, name);
	return lstat(path, &st) == 0;
}

/* run: note the path, then make it. */
static int make_path(struct task *t, const char *name, int dir)
{
	char path[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", base, name);
	jdata_set(t->data, sizeof(t->data), "path", path);
	if (task_save(t) != 0)
		return t->a->err.code;
	if (dir)
		return mkdir(path, 0700) == 0 ? 0 : DROVER_E_IO;
	f = fopen(path, "w");
	return f && fclose(f) == 0 ? 0 : DROVER_E_IO;
}

static int run_a(struct task *t, void *ctx)
{
	return make_path(t, "a", 1);
}
static int run_b(struct task *t, void *ctx)
{
	return make_path(t, "a/b", 0);
}

static int undo_path(struct app *a, const char *data)
{
	char path[4200];
	struct stat st;

	if (!jdata_get(data, "path", path, sizeof(path)) || lstat(path, &st) != 0)
		return 0; /* never made: nothing to undo */
	if ((S_ISDIR(st.st_mode) ? rmdir(path) : unlink(path)) != 0)
		return err_set(&a->err, DROVER_E_IO, path, "cannot remove: %s", strerror(errno));
	return 0;
}

/* The point of no return: after it, "old" must go, even after a crash. */
static int finish_switch(struct app *a, const char *data)
{
	char path[4200];

	if (jdata_get(data, "old", path, sizeof(path)) && unlink(path) != 0 && errno != ENOENT)
		return err_set(&a->err, DROVER_E_IO, path, "cannot remove: %s", strerror(errno));
	return 0;
}

static int run_switch(struct task *t, void *ctx)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/old", base);
	jdata_set(t->data, sizeof(t->data), "old", path);
	return task_save(t) ? t->a->err.code : make_path(t, "switched", 0);
}

static int run_cleanup(struct task *t, void *ctx)
{
	return 0; /* the normal run did the finish's work just before (see pipeline()) */
}

static const struct jstep step_a = {"make_a", run_a, undo_path, NULL};
static const struct jstep step_b = {"make_b", run_b, undo_path, NULL};
static const struct jstep step_switch = {"switch", run_switch, undo_path, finish_switch};
static const struct jstep step_cleanup = {"cleanup", run_cleanup, NULL, NULL};
static const struct jstep *const jtest_steps[] = {&step_a, &step_b, &step_switch, &step_cleanup,
                                                  NULL};
static const struct jpipeline jtest = {"jtest", jtest_steps};
static const struct jpipeline *const test_pipelines[] = {&jtest, NULL};

static void make_old(void)
{
	char path[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/old", base);
	f = fopen(path, "w");
	if (f)
		fclose(f);
}

/* Run the whole pipeline in this process; returns task_end's result. */
static int pipeline(struct app *a, const char *domain, int64_t *id)
{
	struct task t;
	int rc;

	err_clear(&a->err);
	if ((rc = task_begin(a, "jtest", domain, 0, 0, "test", &t)) != 0)
		return rc;
	*id = t.r.id;
	rc = task_step(&t, &step_a, NULL);
	if (rc == 0)
		rc = task_step(&t, &step_b, NULL);
	if (rc == 0)
		rc = task_step(&t, &step_switch, NULL);
	if (rc == 0) {
		rc = finish_switch(a, t.data);
		if (rc == 0)
			rc = task_step(&t, &step_cleanup, &t);
	}
	return task_end(&t, rc);
}

static const char *state_of(struct app *a, int64_t id, char *buf, size_t size)
{
	struct reg_task rt;
	struct reg *reg;

	snprintf(buf, size, "%s", "?");
	if (inv_registry(a, &reg) == 0 && reg_task_get(reg, id, &rt, &a->err) == 0)
		snprintf(buf, size, "%s", rt.state);
	return buf;
}

/* The newest task's id. */
static int newest(void *arg, const struct reg_task *t)
{
	*(int64_t *)arg = t->id;
	return DROVER_E_STOP;
}

static void clean(void)
{
	char cmd[13000];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s/a' '%s/switched' '%s/old'", base, base, base);
	if (system(cmd) != 0)
		diag("cleanup failed");
}

int main(void)
{
	char cfgpath[4200], st[32];
	struct app a;
	struct reg *reg;
	int64_t id = 0;
	int rc, n, nf;
	FILE *f;

	journal_pipelines = test_pipelines;
	snprintf(base, sizeof(base), "%s", tap_tmpdir());
	snprintf(cfgpath, sizeof(cfgpath), "%s/drover.cfg", base);
	f = fopen(cfgpath, "w");
	fprintf(f, "data_dir = \"%s/data\";\nbuiltin_plugins = false;\n", base);
	fclose(f);
	memset(&a, 0, sizeof(a));
	a.config_path = cfgpath;
	if (app_config(&a) != 0 || inv_registry(&a, &reg) != 0) {
		printf("Bail out! %s\n", a.err.message);
		return 99;
	}

	make_old();
	is_int(pipeline(&a, "example.com", &id), 0, "a task runs to the end");
	is_str(state_of(&a, id, st, sizeof(st)), "done", "and is recorded done");
	ok(exists("a/b") && exists("switched") && !exists("old"), "its work is there");
	clean();

	make_old();
	setenv("DROVER_FAILPOINT", "jtest.make_b.after=error", 1);
	rc = pipeline(&a, "example.com", &id);
	unsetenv("DROVER_FAILPOINT");
	is_int(rc, DROVER_E_FAIL, "a failing step fails the task");
	like(a.err.message, "failpoint jtest.make_b.after", "with the step's error");
	is_str(state_of(&a, id, st, sizeof(st)), "rolled_back", "the task is rolled back");
	ok(!exists("a") && exists("old") && !exists("switched"), "every step was undone");

	{
		struct task t1, t2;
		err_clear(&a.err);
		is_int(task_begin(&a, "jtest", "example.com", 0, 0, "", &t1), 0,
		       "a task holds a site");
		err_clear(&a.err);
		is_int(task_begin(&a, "jtest", "example.com", 0, 0, "", &t2), DROVER_E_BUSY,
		       "a second task on it is refused");
		like(a.err.message, "is busy: task", "naming the task that holds it");
		err_clear(&a.err);
		is_int(task_begin(&a, "jtest", "other.example.com", 0, 0, "", &t2), 0,
		       "another site is free");
		task_end(&t2, 0);
		task_end(&t1, 0);
	}

	/* A crash before the point of no return: recover undoes. */
	clean();
	make_old();
	for (int fp = 0; fp < 2; fp++) {
		const char *points[] = {"jtest.make_b.after=kill", "jtest.cleanup.before=kill"};
		pid_t pid = fork();
		int status = 0;
		if (pid == 0) {
			struct app c;
			int64_t cid;
			memset(&c, 0, sizeof(c));
			c.config_path = cfgpath;
			setenv("DROVER_FAILPOINT", points[fp], 1);
			if (app_config(&c) != 0)
				_exit(98);
			pipeline(&c, "example.com", &cid);
			_exit(97); /* never reached: the failpoint kills */
		}
		waitpid(pid, &status, 0);
		ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "%s: the process was killed",
		   points[fp]);
		reg_task_foreach(reg, 0, newest, &id, &a.err);
		is_str(state_of(&a, id, st, sizeof(st)), "running", "%s: the journal says running",
		       points[fp]);
		err_clear(&a.err);
		is_int(task_recover(&a, &n, &nf), 0, "%s: recover runs", points[fp]);
		is_int(n, 1, "%s: and settles one task", points[fp]);
		if (fp == 0) {
			is_str(state_of(&a, id, st, sizeof(st)), "rolled_back",
			       "before the point of no "
			       "return: rolled back");
			ok(!exists("a") && exists("old") && !exists("switched"),
			   "every step was undone");
		} else {
			is_str(state_of(&a, id, st, sizeof(st)), "done",
			       "after the point of no return: completed");
			ok(exists("a/b") && exists("switched") && !exists("old"),
			   "the finish ran: the old copy is gone");
		}
		{
			struct task t;
			err_clear(&a.err);
			is_int(task_begin(&a, "jtest", "example.com", 0, 0, "", &t), 0,
			       "%s: the site's lock was released", points[fp]);
			task_end(&t, 0);
		}
		clean();
		make_old();
	}

	/* An undo that cannot run leaves the task failed, and the journal keeps it. */
	{
		char path[4200];
		FILE *g;
		setenv("DROVER_FAILPOINT", "jtest.make_b.after=error", 1);
		{
			struct task t;
			err_clear(&a.err);
			task_begin(&a, "jtest", "example.com", 0, 0, "", &t);
			id = t.r.id;
			rc = task_step(&t, &step_a, NULL);
			snprintf(path, sizeof(path), "%s/a/intruder", base);
			g = fopen(path, "w"); /* a's directory is no longer empty: its undo fails */
			if (g)
				fclose(g);
			rc = task_step(&t, &step_b, NULL);
			rc = task_end(&t, rc);
		}
		unsetenv("DROVER_FAILPOINT");
		is_str(state_of(&a, id, st, sizeof(st)), "failed",
		       "an undo that fails: task failed");
		ok(exists("a/intruder"), "nothing was forced");
		{
			struct task t;
			err_clear(&a.err);
			is_int(task_begin(&a, "jtest", "example.com", 0, 0, "", &t), DROVER_E_BUSY,
			       "the site stays locked until the task is settled");
		}
		unlink(path);
		err_clear(&a.err);
		is_int(task_recover(&a, &n, &nf), 0, "once the cause is fixed, recover settles it");
		is_str(state_of(&a, id, st, sizeof(st)), "rolled_back", "rolled back");
		ok(!exists("a"), "and its steps are undone");
	}
	clean();
	snprintf(cfgpath, sizeof(cfgpath), "rm -rf '%s'", base);
	app_free(&a);
	if (system(cfgpath) != 0)
		diag("could not remove %s", base);
	return done_testing();
}
