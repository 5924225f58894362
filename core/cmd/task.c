/* task.c: drover tasks | task show ID | recover. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "error.h"
#include "inventory.h"
#include "journal.h"
#include "json.h"
#include "util.h"

static void json_task(struct jw *j, const struct reg_task *t)
{
	jw_kint(j, "id", t->id);
	jw_kstr(j, "kind", t->kind);
	jw_kstr(j, "site", t->site_domain[0] ? t->site_domain : NULL);
	jw_kstr(j, "state", t->state);
	jw_kstr(j, "args", t->args);
	jw_kint(j, "pid", t->pid);
	jw_kint(j, "started_at", t->started_at);
	jw_kint(j, "ended_at", t->ended_at);
	jw_kstr(j, "error", t->error[0] ? t->error : NULL);
}

struct list_ctx {
	struct jw *j;
	size_t n;
};

static int list_one(void *arg, const struct reg_task *t)
{
	struct list_ctx *c = arg;
	char when[32];

	c->n++;
	if (c->j) {
		jw_obj_begin(c->j);
		json_task(c->j, t);
		jw_obj_end(c->j);
		return 0;
	}
	if (c->n == 1)
		printf("%6s  %-10s %-28s %-12s %-17s %s\n", "ID", "KIND", "SITE", "STATE",
		       "STARTED", "ERROR");
	printf("%6lld  %-10s %-28s %-12s %-17s %s\n", (long long)t->id, t->kind,
	       t->site_domain[0] ? t->site_domain : "-", t->state,
	       cmd_time(t->started_at, when, sizeof(when)), t->error);
	return 0;
}

static int tasks_run(struct app *a, int argc, char **argv)
{
	struct list_ctx c = {NULL, 0};
	struct reg *reg;
	struct jw j;
	int rc;

	if (argc > 1)
		return app_usage("tasks", "unexpected argument '%s'", argv[1]);
	if (inv_registry(a, &reg) != 0)
		return app_fail(a);
	if (a->json) {
		jw_init(&j, stdout);
		jw_arr_begin(&j);
		c.j = &j;
	}
	rc = reg_task_foreach(reg, 0, list_one, &c, &a->err);
	if (a->json) {
		jw_arr_end(&j);
		jw_end(&j);
	} else if (rc == 0 && c.n == 0) {
		printf("no tasks yet\n");
	}
	return rc ? app_fail(a) : EXIT_DONE;
}

static int print_step(void *arg, const struct reg_step *s)
{
	struct jw *j = arg;
	char a[32], b[32];

	if (j) {
		jw_obj_begin(j);
		jw_kint(j, "seq", s->seq);
		jw_kstr(j, "name", s->name);
		jw_kstr(j, "state", s->state);
		jw_kint(j, "started_at", s->started_at);
		jw_kint(j, "ended_at", s->ended_at);
		jw_kstr(j, "message", s->message[0] ? s->message : NULL);
		jw_obj_end(j);
		return 0;
	}
	printf("  %2d  %-22s %-9s %-17s %-17s %s\n", s->seq, s->name, s->state,
	       cmd_time(s->started_at, a, sizeof(a)), cmd_time(s->ended_at, b, sizeof(b)),
	       s->message);
	return 0;
}

static int task_run(struct app *a, int argc, char **argv)
{
	struct reg_task t;
	struct reg *reg;
	char when[32], path[PATH_MAX];
	int64_t id;
	int rc;

	if (argc != 3 || strcmp(argv[1], "show") != 0 || str_to_i64(argv[2], &id) != 0)
		return app_usage("task", "give: task show ID");
	if (inv_registry(a, &reg) != 0)
		return app_fail(a);
	if ((rc = reg_task_get(reg, id, &t, &a->err)) != 0) {
		if (rc == DROVER_E_NOTFOUND)
			err_set(&a->err, rc, argv[2], "no task %s: see 'drover tasks'", argv[2]);
		return app_fail(a);
	}
	(void)str_fmt(path, sizeof(path), "%s/tasks/%lld.log", a->cfg.data_dir, (long long)t.id);
	if (a->json) {
		struct jw j;
		jw_init(&j, stdout);
		jw_obj_begin(&j);
		json_task(&j, &t);
		jw_kstr(&j, "log", path);
		jw_key(&j, "steps");
		jw_arr_begin(&j);
		rc = reg_step_foreach(reg, t.id, print_step, &j, &a->err);
		jw_arr_end(&j);
		jw_obj_end(&j);
		jw_end(&j);
	} else {
		FILE *f;
		char line[1200];
		printf("task %lld: %s %s, %s, started %s\n", (long long)t.id, t.kind,
		       t.site_domain[0] ? t.site_domain : "", t.state,
		       cmd_time(t.started_at, when, sizeof(when)));
		if (t.args[0])
			printf("  arguments: %s\n", t.args);
		if (t.error[0])
			printf("  error:     %s\n", t.error);
		printf("\n  %2s  %-22s %-9s %-17s %-17s %s\n", "#", "STEP", "STATE", "STARTED",
		       "ENDED", "MESSAGE");
		rc = reg_step_foreach(reg, t.id, print_step, NULL, &a->err);
		if ((f = fopen(path, "r")) != NULL) {
			printf("\nlog (%s):\n", path);
			while (fgets(line, sizeof(line), f))
				printf("  %s", line);
			fclose(f);
		}
	}
	return rc ? app_fail(a) : EXIT_DONE;
}

static int recover_run(struct app *a, int argc, char **argv)
{
	int n, failed;

	if (argc > 1)
		return app_usage("recover", "unexpected argument '%s'", argv[1]);
	if (app_adapters(a, 0) != 0 || task_recover(a, &n, &failed) != 0)
		return app_fail(a);
	if (failed)
		return app_fail(a);
	if (!a->quiet)
		printf("%d interrupted task%s settled\n", n, n == 1 ? "" : "s");
	return EXIT_DONE;
}

const struct cmd cmd_tasks = {
    .name = "tasks",
    .run = tasks_run,
    .usage = "drover tasks [--json]",
    .summary = "list the tasks (the journal), newest first",
    .help = "",
};

const struct cmd cmd_task = {
    .name = "task",
    .run = task_run,
    .usage = "drover task show ID [--json]",
    .summary = "one task: its steps with times and outcome, the error that stopped it, its log",
    .help = "",
};

const struct cmd cmd_recover = {
    .name = "recover",
    .run = recover_run,
    .usage = "drover recover",
    .summary = "settle tasks a crash interrupted: undo them, or complete them past their point "
               "of no return",
    .help = "Every mutating command runs this first. A task that cannot be settled (an undo\n"
            "fails) keeps its site locked and is tried again here; the reason is in\n"
            "'drover task show ID'.\n",
};
