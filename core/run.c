/*
 * run.c: running an external command with a time limit, captured output, redaction, and a
 * secret handed over on a file descriptor (never argv, never the environment).
 */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "util.h"

#define OUTPUT_MAX (16u << 20) /* captured output beyond this is dropped, and says so */
#define SECRET_MAX 65536u      /* fits a pipe buffer: written before the child reads */
#define ENV_MAX    64

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Child side: never returns. Reports an exec failure as errno on `report`. */
static void child(const struct drover_cmd *cmd, int out, int outfile, int secret, int report)
{
	const char *env[ENV_MAX + 4];
	char path_var[4096], home_var[4096];
	const char *path = getenv("PATH"), *home = getenv("HOME");
	int in, n = 0, e, next = 3;

	setpgid(0, 0);
	/* Move our pipes above the numbers they are going to, so no dup2 clobbers another. */
	out = fcntl(out, F_DUPFD_CLOEXEC, 10);
	if (outfile >= 0)
		outfile = fcntl(outfile, F_DUPFD_CLOEXEC, 10);
	report = fcntl(report, F_DUPFD_CLOEXEC, 10);
	if (secret >= 0)
		secret = fcntl(secret, F_DUPFD_CLOEXEC, 10);
	in = open(cmd->stdin_path ? cmd->stdin_path : "/dev/null", O_RDONLY | O_CLOEXEC);
	if (out < 0 || report < 0 || in < 0 || dup2(in, 0) < 0 || dup2(out, 2) < 0)
		goto fail;
	if (dup2(outfile >= 0 ? outfile : out, 1) < 0)
		goto fail;
	if (secret >= 0 && dup2(secret, next++) < 0) /* DROVER_SECRET_FD, inherited */
		goto fail;
	if (dup2(report, next) < 0 || fcntl(next, F_SETFD, FD_CLOEXEC) < 0)
		goto fail;
	report = next;
	/* Nothing else of ours goes through: no descriptor leaks into the command. */
	close_range((unsigned)next + 1, ~0u, 0);
	if (cmd->cwd && chdir(cmd->cwd) != 0)
		goto fail;
	if (str_fmt(path_var, sizeof(path_var), "PATH=%s",
	            path && *path ? path : "/usr/local/bin:/usr/bin:/bin") == 0)
		env[n++] = path_var;
	if (home && str_fmt(home_var, sizeof(home_var), "HOME=%s", home) == 0)
		env[n++] = home_var;
	env[n++] = "LC_ALL=C";
	for (size_t i = 0; cmd->env && cmd->env[i] && n < ENV_MAX; i++)
		env[n++] = cmd->env[i];
	env[n] = NULL;
	execvpe(cmd->argv[0], (char *const *)cmd->argv, (char *const *)env);
fail:
	e = errno;
	if (report >= 0 && write(report, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

static void close_pair(int p[2])
{
	for (int i = 0; i < 2; i++)
		if (p[i] >= 0) {
			close(p[i]);
			p[i] = -1;
		}
}

/* Replace every occurrence of each redact string in buf (len bytes) by "*****". */
static int redact(char **buf, size_t *len, const char *const *secrets)
{
	static const char mask[] = "*****";

	for (size_t s = 0; secrets && secrets[s]; s++) {
		size_t k = strlen(secrets[s]), n = 0, cap;
		char *out, *p = *buf;
		if (k == 0)
			continue;
		cap = *len + 1 + (*len / k + 1) * sizeof(mask);
		out = malloc(cap);
		if (!out)
			return DROVER_E_NOMEM;
		for (size_t i = 0; i < *len;) {
			if (i + k <= *len && memcmp(p + i, secrets[s], k) == 0) {
				memcpy(out + n, mask, sizeof(mask) - 1);
				n += sizeof(mask) - 1;
				i += k;
			} else {
				out[n++] = p[i++];
			}
		}
		out[n] = '\0';
		free(*buf);
		*buf = out;
		*len = n;
	}
	return 0;
}

static int append(char **buf, size_t *len, size_t *cap, const char *data, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t ncap = *cap ? *cap : 4096;
		char *nb;
		while (ncap < *len + n + 1)
			ncap *= 2;
		nb = realloc(*buf, ncap);
		if (!nb)
			return DROVER_E_NOMEM;
		*buf = nb;
		*cap = ncap;
	}
	memcpy(*buf + *len, data, n);
	*len += n;
	(*buf)[*len] = '\0';
	return 0;
}

int run_cmd(const struct drover_cmd *cmd, struct drover_cmd_result *res, struct drover_error *err)
{
	int outp[2] = {-1, -1}, sec[2] = {-1, -1}, rep[2] = {-1, -1}, outfile = -1;
	size_t cap = 0, secret_len = cmd->secret ? strlen(cmd->secret) : 0;
	int64_t deadline = cmd->timeout_ms ? now_ms() + cmd->timeout_ms : 0;
	int rc = 0, status = 0, child_errno = 0, dropped = 0;
	const char *name;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	res->struct_size = sizeof(*res);
	if (!cmd->argv || !cmd->argv[0] || !cmd->argv[0][0])
		return err_set(err, DROVER_E_INVAL, NULL, "no command to run (argv is empty)");
	name = cmd->argv[0];
	if (secret_len > SECRET_MAX)
		return err_set(err, DROVER_E_INVAL, name,
		               "secret is %zu bytes, at most %u can be "
		               "passed",
		               secret_len, SECRET_MAX);
	if (pipe2(outp, O_CLOEXEC) != 0 || pipe2(rep, O_CLOEXEC) != 0 ||
	    (cmd->secret && pipe2(sec, O_CLOEXEC) != 0)) {
		rc = err_set(err, DROVER_E_IO, name, "cannot create a pipe: %s", strerror(errno));
		goto out;
	}
	if (cmd->secret && secret_len &&
	    write(sec[1], cmd->secret, secret_len) != (ssize_t)secret_len) {
		rc = err_set(err, DROVER_E_IO, name, "cannot pass the secret: %s", strerror(errno));
		goto out;
	}
	if (sec[1] >= 0) {
		close(sec[1]);
		sec[1] = -1;
	}
	if (cmd->stdout_path) {
		outfile = open(cmd->stdout_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (outfile < 0) {
			rc = err_set(err, DROVER_E_IO, cmd->stdout_path,
			             "cannot create the output file: %s", strerror(errno));
			goto out;
		}
	}
	pid = fork();
	if (pid < 0) {
		rc = err_set(err, DROVER_E_EXEC, name, "cannot fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0)
		child(cmd, outp[1], outfile, sec[0], rep[1]);
	close(outp[1]);
	close(rep[1]);
	outp[1] = rep[1] = -1;

	for (;;) {
		struct pollfd pfd = {.fd = outp[0], .events = POLLIN};
		char chunk[65536];
		int wait_ms = -1, pr;
		ssize_t n;

		if (deadline) {
			int64_t left = deadline - now_ms();
			if (left <= 0) {
				kill(-pid, SIGKILL);
				kill(pid, SIGKILL);
				res->timed_out = 1;
				break;
			}
			wait_ms = left > 60000 ? 60000 : (int)left;
		}
		pr = poll(&pfd, 1, wait_ms);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			continue;
		n = read(outp[0], chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (res->output_len + (size_t)n > OUTPUT_MAX) {
			dropped = 1;
			continue;
		}
		if (append(&res->output, &res->output_len, &cap, chunk, (size_t)n) != 0) {
			rc = err_set(err, DROVER_E_NOMEM, name, "out of memory capturing output");
			kill(-pid, SIGKILL);
			break;
		}
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (read(rep[0], &child_errno, sizeof(child_errno)) == (ssize_t)sizeof(child_errno)) {
		rc = err_set(err, DROVER_E_EXEC, name, "cannot run %s: %s", name,
		             strerror(child_errno));
		goto out;
	}
	if (WIFEXITED(status)) {
		res->exit_status = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		res->exit_status = -1;
		res->term_signal = WTERMSIG(status);
	}
	if (dropped && rc == 0)
		rc = append(&res->output, &res->output_len, &cap, "\n[output cut at 16 MiB]\n", 24);
	if (rc == 0 && res->output && redact(&res->output, &res->output_len, cmd->redact) != 0)
		rc = err_set(err, DROVER_E_NOMEM, name, "out of memory redacting output");
	if (rc == 0 && res->timed_out)
		rc = err_set(err, DROVER_E_TIMEOUT, name,
		             "%s did not finish within %u ms and was "
		             "killed",
		             name, (unsigned)cmd->timeout_ms);
out:
	if (outfile >= 0)
		close(outfile);
	close_pair(outp);
	close_pair(sec);
	close_pair(rep);
	return rc;
}

void run_result_free(struct drover_cmd_result *res)
{
	free(res->output);
	res->output = NULL;
	res->output_len = 0;
}
