/* t_run.c: external commands through run_cmd: output, status, time limits, secrets on a file
 * descriptor, redaction, a minimal environment and no leaked descriptors. Real processes. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "run.h"
#include "tap.h"

static int run(const char *const *argv, struct drover_cmd *cmd, struct drover_cmd_result *res,
               struct drover_error *err)
{
	cmd->struct_size = sizeof(*cmd);
	cmd->argv = argv;
	err_clear(err);
	return run_cmd(cmd, res, err);
}

int main(void)
{
	struct drover_cmd_result res;
	struct drover_error err;
	int rc;

	{
		const char *argv[] = {"sh", "-c", "echo out; echo err >&2; exit 3", NULL};
		struct drover_cmd cmd = {0};
		rc = run(argv, &cmd, &res, &err);
		is_int(rc, 0, "a command that exits non-zero still ran");
		is_int(res.exit_status, 3, "exit status reported");
		is_str(res.output, "out\nerr\n", "stdout and stderr captured together");
		run_result_free(&res);
	}
	{
		const char *argv[] = {"drover-no-such-command", NULL};
		struct drover_cmd cmd = {0};
		rc = run(argv, &cmd, &res, &err);
		is_int(rc, DROVER_E_EXEC, "a missing command is DROVER_E_EXEC");
		like(err.message, "cannot run drover-no-such-command", "message names the command");
		like(err.message, "No such file", "and the reason");
		run_result_free(&res);
	}
	{
		const char *argv[] = {"sleep", "10", NULL};
		struct drover_cmd cmd = {.timeout_ms = 200};
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		rc = run(argv, &cmd, &res, &err);
		clock_gettime(CLOCK_MONOTONIC, &b);
		is_int(rc, DROVER_E_TIMEOUT, "a command past its limit is DROVER_E_TIMEOUT");
		ok(res.timed_out == 1 && res.term_signal == 9, "it was killed with SIGKILL");
		ok(b.tv_sec - a.tv_sec < 5, "and the call returned promptly");
		run_result_free(&res);
	}
	{
		/* A background grandchild holding the pipe open must not hang us past the limit. */
		const char *argv[] = {"sh", "-c", "sleep 10 & sleep 10", NULL};
		struct drover_cmd cmd = {.timeout_ms = 200};
		rc = run(argv, &cmd, &res, &err);
		is_int(rc, DROVER_E_TIMEOUT, "the whole process group is killed at the limit");
		run_result_free(&res);
	}
	{
		const char *argv[] = {"sh", "-c", "cat <&3; echo; echo done", NULL};
		const char *redact[] = {"s3cret-pass", NULL};
		struct drover_cmd cmd = {.secret = "[client]\npassword=s3cret-pass\n",
		                         .redact = redact};
		rc = run(argv, &cmd, &res, &err);
		is_int(rc, 0, "secret command ran");
		like(res.output, "password=*****", "the secret arrived on fd 3 and was redacted");
		ok(strstr(res.output, "s3cret") == NULL, "the secret never appears in the output");
		run_result_free(&res);
	}
	{
		/* `[ -e ]` is a shell builtin that opens nothing, so it sees the fds as they came. */
		const char *argv[] = {"sh", "-c",
		                      "fd=0; while [ $fd -lt 256 ]; do [ -e /proc/$$/fd/$fd ] && "
		                      "printf '%s ' $fd; fd=$((fd+1)); done; true",
		                      NULL};
		struct drover_cmd cmd = {0};
		int leak = open("/dev/null", O_RDONLY); /* not close-on-exec on purpose */
		rc = run(argv, &cmd, &res, &err);
		is_str(res.output, "0 1 2 ", "the child gets only stdin, stdout and stderr");
		run_result_free(&res);
		cmd.secret = "x";
		rc = run(argv, &cmd, &res, &err);
		is_str(res.output, "0 1 2 3 ", "and fd 3 when a secret is passed");
		run_result_free(&res);
		close(leak);
	}
	{
		const char *argv[] = {"sh", "-c", "env | sort", NULL};
		const char *env[] = {"DROVER_SITE=example.com", NULL};
		struct drover_cmd cmd = {.env = env};
		setenv("DROVER_TEST_PRIVATE", "must-not-leak", 1);
		rc = run(argv, &cmd, &res, &err);
		like(res.output, "DROVER_SITE=example.com", "extra environment is passed");
		like(res.output, "LC_ALL=C", "the locale is fixed for parsable output");
		ok(strstr(res.output, "must-not-leak") == NULL, "the caller's environment is not");
		run_result_free(&res);
	}
	{
		const char *argv[] = {"pwd", NULL};
		struct drover_cmd cmd = {.cwd = "/tmp"};
		rc = run(argv, &cmd, &res, &err);
		is_str(res.output, "/tmp\n", "cwd is honoured");
		run_result_free(&res);
		cmd.cwd = "/nonexistent-dir";
		rc = run(argv, &cmd, &res, &err);
		is_int(rc, DROVER_E_EXEC, "a missing cwd is DROVER_E_EXEC");
		run_result_free(&res);
	}
	{
		const char *argv[] = {"cat", NULL};
		struct drover_cmd cmd = {.stdin_path = "/etc/hostname"};
		rc = run(argv, &cmd, &res, &err);
		ok(rc == 0 && res.output_len > 0, "stdin_path feeds standard input");
		run_result_free(&res);
		cmd.stdin_path = NULL;
		rc = run(argv, &cmd, &res, &err);
		ok(rc == 0 && res.output_len == 0, "default stdin is /dev/null");
		run_result_free(&res);
	}
	{
		const char *argv[] = {"head", "-c", "3000000", "/dev/zero", NULL};
		struct drover_cmd cmd = {0};
		rc = run(argv, &cmd, &res, &err);
		is_int(res.output_len, 3000000, "large output is captured whole");
		run_result_free(&res);
	}
	{
		const char *argv[] = {NULL};
		struct drover_cmd cmd = {0};
		is_int(run(argv, &cmd, &res, &err), DROVER_E_INVAL, "an empty argv is refused");
	}
	return done_testing();
}
