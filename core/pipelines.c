/* pipelines.c: every pipeline the journal may have to recover. */
#include "journal.h"
#include "migrate.h"

static const struct jpipeline *const core_pipelines[] = {&migrate_pipeline, &rename_pipeline,
                                                         &clone_pipeline,   &delete_pipeline,
                                                         &restore_pipeline, NULL};

const struct jpipeline *const *journal_pipelines = core_pipelines;
