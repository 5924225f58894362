/* run.h: running external commands (the host's run service, and the core's own tools). */
#ifndef DROVER_RUN_H
#define DROVER_RUN_H

#include <drover/adapter.h>

/*
 * Run cmd and wait for it; see struct drover_cmd in <drover/adapter.h> for the contract. Returns
 * 0 when the command ran (check res->exit_status), DROVER_E_EXEC when it could not be started,
 * DROVER_E_TIMEOUT when it was killed at its time limit. res->output is malloc'd: free it with
 * run_result_free().
 */
int run_cmd(const struct drover_cmd *cmd, struct drover_cmd_result *res, struct drover_error *err);
void run_result_free(struct drover_cmd_result *res);

#endif
